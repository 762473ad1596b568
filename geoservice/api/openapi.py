"""The OpenAPI 3.0 definition of the service, built from the collection specs."""

from __future__ import annotations

from collections.abc import Mapping

from geoservice.api import cql_api, params
from geoservice.api.openapi_places import places_paths
from geoservice.domain import crs
from geoservice.domain.schema import COLLECTIONS, CollectionSpec

REF = "#/components/{kind}/{name}"


def _ref(kind: str, name: str) -> dict:
    return {"$ref": REF.format(kind=kind, name=name)}


def _param(name: str, description: str, schema: dict, required: bool = False,
           where: str = "query", explode: bool | None = None) -> dict:
    item = {"name": name, "in": where, "description": description, "required": required,
            "schema": schema}
    if where == "query":
        item["style"] = "form"
        item["explode"] = bool(explode)
    return item


# --- exact formats of the time parameters (what timeutil accepts), so generated valid values are
# accepted and others refused (schemathesis, tests/test_schemathesis.py)
_Y = "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"  # 0001-9999
_YEAR = {"type": "string", "pattern": f"^{_Y}$"}
_YEAR_MONTH = {"type": "string", "pattern": f"^{_Y}-(0[1-9]|1[0-2])$"}
_DAY = {"type": "string", "format": "date"}
_INSTANT = {"type": "string", "format": "date-time"}
_POINT = {"anyOf": [_YEAR, _DAY, _INSTANT]}
_OPEN_INTERVAL = {"type": "string", "pattern": "^(\\.\\.)?/([1-9][0-9]{3})?$|^[1-9][0-9]{3}/(\\.\\.)?$"}

# text without control characters (a NUL or line break in a parameter or path is a 400)
_TEXT = {"type": "string", "minLength": 1, "pattern": "^[^\\x00-\\x1f\\x7f]+$"}
_FILTER = {"type": "string", "pattern": "^[^\\x00-\\x1f\\x7f]*$"}  # '' matches no feature


def _parameters(config: Mapping) -> dict:
    # the URIs of OGC API - Features Part 2, and the short forms the service also accepts
    short = [f"EPSG:{uri.rsplit('/', 1)[1]}" for uri in crs.SUPPORTED if uri != crs.CRS84]
    crs_schema = {"type": "string", "enum": [*crs.SUPPORTED, "CRS84", *short]}
    return {
        "f": _param("f", "Output format (overrides the Accept header).",
                    {"type": "string", "enum": ["json", "html"]}),
        "f-items": _param("f", "Output format (overrides the Accept header).",
                          {"type": "string", "enum": ["json", "html", "gpkg", "csv", "jsonfg"]}),
        "f-item": _param("f", "Output format (overrides the Accept header); jsonfg: JSON-FG 1.0.",
                         {"type": "string", "enum": ["json", "html", "jsonfg"]}),
        "lang": _param("lang", "Language of the user interface texts (data stay German).",
                       {"type": "string", "enum": ["de", "en"]}),
        "recorded": _param("recorded", "Answer from the register as it was recorded at this instant "
                           "(RFC 3339 date-time with offset; a date means the end of that day in "
                           "Dresden): reproducible citations. Past states are immutable. 404 before "
                           "the first record.", {"anyOf": [_YEAR, _YEAR_MONTH, _DAY, _INSTANT]}),
        "limit": _param("limit", "Number of features per page (above the maximum: clamped).",
                        {"type": "integer", "minimum": 1, "maximum": int(config["MAX_LIMIT"]),
                         "default": int(config["DEFAULT_LIMIT"])}),
        "offset": _param("offset", "Number of matching features to skip.",
                         {"type": "integer", "minimum": 0, "default": 0}),
        "bbox": _param("bbox", "minx,miny,maxx,maxy (or 6 numbers with heights) in bbox-crs.",
                       {"type": "array", "items": {"type": "number"},
                        "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}]}),
        "bbox-crs": _param("bbox-crs", "CRS of bbox (default CRS84).", crs_schema),
        "crs": _param("crs", "CRS of the returned geometries (default CRS84). GeoJSON: in the "
                             "CRS's axis order (EPSG:4326 lat/lon). CSV (WKT) and GeoPackage: always "
                             "x = easting/longitude, y = northing/latitude. JSON-FG: `geometry` stays "
                             "CRS84, `place` holds the geometry in this CRS (null for CRS84 and "
                             "EPSG:4326).", crs_schema),
        "crs-changes": _param("crs", "CRS of the returned geometries (default CRS84; axis order of "
                                     "the CRS).", crs_schema),
        "crs-locate": _param("crs", "CRS of x and y (default EPSG:25833), given as x = easting/"
                                    "longitude, y = northing/latitude whatever the CRS's axis order; "
                                    "not allowed with lon/lat (always WGS 84 degrees).",
                             {**crs_schema, "default": "EPSG:25833"}),
        "datetime": _param("datetime", "Instant or interval (RFC 3339, '..' for open ends; also a "
                                       "year or a date). Features whose validity overlaps match.",
                           {"anyOf": [_YEAR, _YEAR_MONTH, _DAY, _INSTANT, _OPEN_INTERVAL]}),
        "properties": _param("properties", "Comma list of the properties to return (answered in "
                             "schema order).", {"type": "array", "items": _TEXT}),
        "skipGeometry": _param("skipGeometry", "Leave out the geometries.",
                               {"type": "boolean", "default": False}),
        "sortby": _param("sortby", "Comma list of +field / -field.",
                         {"type": "array", "items": _TEXT}),
        "featureId": _param("featureId", "Identifier of a feature.", _TEXT,
                            required=True, where="path"),
        "areaOrVersionId": _param(
            "featureId", "A boundary version id (e.g. prohlis-2016) or an area id (area_id, e.g. "
            "prohlis): an area id answers the version in force today or on `datetime`.",
            _TEXT, required=True, where="path"),
        "areaFeatureId": _param("featureId", "Identifier of a funding area (area_id, e.g. prohlis).",
                                _TEXT, required=True, where="path"),
        "datetime-day": _param(
            "datetime", "With an area id only: the day whose version to answer (a date or an RFC "
            "3339 date-time, Europe/Berlin days; default today). An interval is a 400.",
            {"anyOf": [_DAY, _INSTANT]}),
        "areaId": _param("areaId", "Identifier of a funding area (area_id).", _TEXT,
                         required=True, where="path"),
        "from": _param("from", "First date (YYYY-MM-DD) or year (YYYY: the whole year, every "
                       "version in force during it).", _POINT,
                       required=True),
        "to": _param("to", "Second date (YYYY-MM-DD) or year (YYYY: the whole year, every "
                     "version in force during it).", _POINT,
                     required=True),
        # --- writes (OGC API - Features Part 4)
        "If-Match": _param("If-Match", "The ETag of the feature as the client last read it (GET "
                           "the item first); '*' matches any current state. Without it: 428; "
                           "if the feature changed since: 412.", {"type": "string"},
                           required=True, where="header"),
        "Content-Crs": _param("Content-Crs", "CRS of the body's coordinates in its axis order, "
                              "e.g. <http://www.opengis.net/def/crs/EPSG/0/25833> (default CRS84). "
                              "Supported: " + ", ".join(crs.SUPPORTED) + ".",
                              {"type": "string"}, where="header"),
        "X-Change-Note": _param("X-Change-Note", "Why the change is made (at most 2000 "
                                "characters; recorded in the public history). Required here or as "
                                "the body member 'note' (for text beyond ISO 8859-1).",
                                {"type": "string", "maxLength": 2000}, where="header"),
        "X-Change-Note-required": _param("X-Change-Note", "Why the feature is retired (at most "
                                         "2000 characters; recorded in the public history).",
                                         {"type": "string", "minLength": 1, "maxLength": 2000},
                                         required=True, where="header"),
    }


def _schemas() -> dict:
    link = {"type": "object", "required": ["href", "rel"], "properties": {
        "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
        "title": {"type": "string"}, "hreflang": {"type": "string"}}}
    links = {"type": "array", "items": _ref("schemas", "link")}
    geometry = {"type": "object", "nullable": True, "required": ["type"], "properties": {
        "type": {"type": "string", "enum": ["Point", "MultiPoint", "LineString", "MultiLineString",
                                            "Polygon", "MultiPolygon", "GeometryCollection"]},
        "coordinates": {"type": "array"}}}
    feature = {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": "string"},
        "geometry": _ref("schemas", "geometry"),
        "properties": {"type": "object", "nullable": True},
        "links": links}}
    collection = {"type": "object", "required": ["id", "links"], "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
        "keywords": {"type": "array", "items": {"type": "string"}},
        "itemType": {"type": "string"},
        "extent": {"type": "object", "properties": {
            "spatial": {"type": "object", "properties": {
                "bbox": {"type": "array", "items": {"type": "array", "items": {"type": "number"},
                                                    "minItems": 4, "maxItems": 6}},
                "crs": {"type": "string"}}},
            "temporal": {"type": "object", "properties": {
                "interval": {"type": "array", "items": {
                    "type": "array", "minItems": 2, "maxItems": 2,
                    "items": {"type": "string", "format": "date-time", "nullable": True}}},
                "trs": {"type": "string"}}}}},
        "crs": {"type": "array", "items": {"type": "string"}},
        "storageCrs": {"type": "string"},
        "links": links}}
    return {
        "link": link,
        "geometry": geometry,
        "exception": {"type": "object", "required": ["code"], "properties": {
            "code": {"type": "string"}, "description": {"type": "string"},
            "problems": {"type": "array", "items": {"type": "string"},
                         "description": "A rejected write: every problem of the feature, one "
                                        "per entry."}}},
        "mergePatch": {"type": "object", "description": "A JSON merge patch (RFC 7386) of a "
                       "GeoJSON Feature: members given replace the stored ones, null removes a "
                       "property, members not given stay as stored.", "properties": {
                           "properties": {"type": "object", "nullable": True},
                           "geometry": _ref("schemas", "geometry"),
                           "note": {"type": "string", "description": "The change note (instead "
                                                                     "of X-Change-Note)."}}},
        "landingPage": {"type": "object", "required": ["links"], "properties": {
            "title": {"type": "string"}, "description": {"type": "string"}, "links": links}},
        "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {
            "conformsTo": {"type": "array", "items": {"type": "string"}}}},
        "collection": collection,
        "collections": {"type": "object", "required": ["links", "collections"], "properties": {
            "links": links, "crs": {"type": "array", "items": {"type": "string"}},
            "collections": {"type": "array", "items": _ref("schemas", "collection")}}},
        "featureGeoJSON": feature,
        "featureCollectionGeoJSON": {
            "type": "object", "required": ["type", "features"], "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": _ref("schemas", "featureGeoJSON")},
                "links": links,
                "timeStamp": {"type": "string", "format": "date-time"},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0}}},
        "queryables": {"type": "object", "required": ["type", "properties"], "properties": {
            "$schema": {"type": "string"}, "$id": {"type": "string"},
            "type": {"type": "string"}, "properties": {"type": "object"}}},
        "locate": {"type": "object", "required": ["lon", "lat", "date", "areas", "text"],
                   "properties": {
                       "lon": {"type": "number"}, "lat": {"type": "number"},
                       "date": {"type": "string", "format": "date"},
                       "inside": {"type": "array", "items": {"type": "string"}},
                       "areas": {"type": "array", "items": {"type": "object"}},
                       "text": {"type": "string"}, "links": links}},
        "timeMap": {"type": "object", "required": ["area_id", "versions", "links"], "properties": {
            "area_id": {"type": "string"}, "name": {"type": "string"},
            "versions": {"type": "array", "items": {
                "type": "object", "required": ["id", "valid_from", "links"], "properties": {
                    "id": {"type": "string"},
                    "valid_from": {"type": "string", "format": "date"},
                    "valid_to": {"type": "string", "format": "date", "nullable": True},
                    "programme": {"type": "string"}, "name": {"type": "string"},
                    "decision": {"type": "string"}, "links": links}}},
            "links": links}},
        "featureHistory": {"type": "object", "required": ["collection", "id", "records"], "properties": {
            "collection": {"type": "string"}, "id": {"type": "string"},
            "published": {"type": "boolean"},
            "records": {"type": "array", "items": {
                "type": "object",
                "required": ["record_id", "recorded_from", "change_id", "kind", "retired", "change"],
                "properties": {
                    "record_id": {"type": "integer"},
                    "recorded_from": {"type": "string", "format": "date-time"},
                    "recorded_to": {"type": "string", "format": "date-time", "nullable": True},
                    "change_id": {"type": "integer"},
                    "kind": {"type": "string"}, "kind_label": {"type": "string"},
                    "note": {"type": "string"},
                    "author_role": {"type": "string",
                                    "description": "Public role of the author (never an account)."},
                    "retired": {"type": "boolean"},
                    "change": {"type": "string",
                               "enum": ["created", "changed", "retired", "restored", "unchanged"]},
                    "summary": {"type": "string"},
                    "changes": {"type": "array", "items": {
                        "type": "object", "required": ["field"], "properties": {
                            "field": {"type": "string"}, "before": {"nullable": True},
                            "after": {"nullable": True}}}},
                    "geometry": {"type": "object", "nullable": True, "properties": {
                        "type": {"type": "string"}, "moved_m": {"type": "number"},
                        "hausdorff_m": {"type": "number"},
                        "symmetric_difference_ha": {"type": "number"},
                        "area_ha_before": {"type": "number"}, "area_ha_after": {"type": "number"}}},
                    "area_ha": {"type": "number", "nullable": True},
                    "links": links}}},
            "links": links}},
        "areaList": {"type": "object", "required": ["areas", "links"], "properties": {
            "areas": {"type": "array", "items": {
                "type": "object",
                "required": ["area_id", "name", "programme", "first_valid_from", "versions", "links"],
                "properties": {
                    "area_id": {"type": "string"}, "name": {"type": "string"},
                    "programme": {"type": "string"},
                    "first_valid_from": {"type": "string", "format": "date"},
                    "valid_to": {"type": "string", "format": "date", "nullable": True},
                    "current_version": {"type": "string", "nullable": True},
                    "versions": {"type": "array", "items": {"type": "string"}},
                    "links": links}}},
            "links": links}},
        "timeline": {"type": "object", "required": ["milestones", "links"], "properties": {
            "milestones": {"type": "array", "items": {
                "type": "object",
                "required": ["date", "date_precision", "title", "description", "kind", "source"],
                "properties": {
                    "date": {"type": "string", "format": "date",
                             "description": "First day of the period for month/year precision."},
                    "date_precision": {"type": "string", "enum": ["day", "month", "year"]},
                    "title": {"type": "string"}, "description": {"type": "string"},
                    "kind": {"type": "string"},
                    "area_id": {"type": "string", "nullable": True},
                    "source": {"type": "string"}}}},
            "links": links}},
        "featureCollectionJSONFG": {
            "type": "object", "required": ["type", "features", "conformsTo"],
            "description": "JSON-FG 1.0 (validates against https://schemas.opengis.net/json-fg/"
                           "featurecollection.json).",
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "conformsTo": {"type": "array", "items": {"type": "string"}},
                "featureType": {"type": "string"}, "coordRefSys": {"type": "string"},
                "features": {"type": "array", "items": {"type": "object"}},
                "links": links}},
        "featureJSONFG": {
            "type": "object", "required": ["type", "geometry", "properties", "conformsTo"],
            "description": "JSON-FG 1.0 feature: `time` (closed interval of days), `place`, "
                           "`coordRefSys`, `featureType`.",
            "properties": {"type": {"type": "string", "enum": ["Feature"]},
                           "conformsTo": {"type": "array", "items": {"type": "string"}},
                           "links": links}},
        "factSheet": {"type": "object", "required": ["area_id", "versions"], "properties": {
            "area_id": {"type": "string"}, "name": {"type": "string"},
            "versions": {"type": "array", "items": {"type": "object"}}, "links": links}},
    }


def _ok(description: str, schema: str, media: str = "application/json", html: bool = True) -> dict:
    content = {media: {"schema": _ref("schemas", schema)}}
    if html:
        content["text/html"] = {"schema": {"type": "string"}}
    return {"200": {"description": description, "content": content,
                    "headers": {"ETag": {"schema": {"type": "string"}}}},
            "304": {"description": "Not modified (If-None-Match / If-Modified-Since)."},
            "400": _ref("responses", "BadRequest"),
            "406": _ref("responses", "NotAcceptable")}


def _get(op_id: str, summary: str, tag: str, parameters: list, responses: dict) -> dict:
    # every resource also answers from the register as it stood at `recorded`
    parameters = [*parameters, _ref("parameters", "recorded")]
    # ... which is a 404 before the register's first record, on every resource; and a query
    # string over MAX_QUERY_BYTES is a 414 before any parameter is read
    responses = {**responses, "404": _ref("responses", "NotFound"),
                 "414": _ref("responses", "URITooLong")}
    return {"get": {"operationId": op_id, "summary": summary, "tags": [tag],
                    "parameters": parameters, "responses": responses}}


WRITE_ROLES = {"projects": "an account with the role editor or admin",
               "funding-areas": "an account with the role admin"}


def _write_op(op_id: str, summary: str, description: str, parameters: list, responses: dict,
              body: str | None = None) -> dict:
    """A Part 4 write operation: Bearer token required, answers errors as exceptions."""
    error = lambda name: _ref("responses", name)  # noqa: E731
    responses = {**responses, "400": error("InvalidFeature"), "401": error("Unauthorized"),
                 "403": error("Forbidden"), "404": error("NotFound")}
    op = {"operationId": op_id, "summary": summary, "description": description,
          "tags": ["Editing"], "parameters": parameters, "security": [{"bearer": []}],
          "responses": dict(sorted(responses.items()))}
    if body:
        op["requestBody"] = _ref("requestBodies", body)
    return op


def _write_paths(spec: CollectionSpec) -> dict:
    """POST on the items, PUT/PATCH/DELETE on one item (OGC API - Features Part 4)."""
    p = lambda name: _ref("parameters", name)  # noqa: E731
    r = lambda name: _ref("responses", name)  # noqa: E731
    key = spec.name.replace("-", "_")
    who = WRITE_ROLES[spec.name]
    locking = r("PreconditionFailed"), r("PreconditionRequired")
    derived = (" area_id is derived from the location (a value sent is ignored)."
               if spec.name == "projects" else
               " area_ha is computed from the geometry when empty; two versions of one area may "
               "not be in force on the same day (409).")
    fid = _param("featureId", "Identifier of a feature"
                 + (" (a boundary version id, not an area id)" if spec.name == "funding-areas"
                    else "") + ".", {"type": "string"}, required=True, where="path")
    h = lambda name: _ref("headers", name)  # noqa: E731
    written = {"description": "The feature as now stored (CRS84).", "headers": {
        "ETag": h("ETag"), "Location": h("Location"), "Content-Crs": h("Content-Crs")},
        "content": {"application/geo+json": {"schema": _ref("schemas", "featureGeoJSON")}}}
    created = {**written, "description": "Created; Location names the new feature."}
    changed = {**written, "description": "Written; the body is the feature as now stored (a body "
                                         "equal to the stored feature makes no new record)."}
    replace_desc = (f"Needs {who} and If-Match with the feature's current ETag (from a GET): "
                    "a change made by someone else in between is refused (412), never "
                    "overwritten. Each write is recorded with its change note; the public "
                    "history names the account's organisation, never the account." + derived)
    return {
        f"/collections/{spec.name}/items": {"post": _write_op(
            f"create_{key}", f"Create a feature of {spec.name}",
            f"Needs {who}. The id is taken from the body or made from the title (a made id "
            "never reuses one of a retired feature); the id of a current feature is a 409."
            + derived,
            [p("Content-Crs"), p("X-Change-Note")],
            {"201": created, "409": r("Conflict")}, "feature")},
        f"/collections/{spec.name}/items/{{featureId}}": {
            "put": _write_op(f"replace_{key}", f"Replace a feature of {spec.name}", replace_desc,
                             [fid, p("If-Match"), p("Content-Crs"), p("X-Change-Note")],
                             {"200": changed, "409": r("Conflict"), "412": locking[0],
                              "428": locking[1]}, "feature"),
            "patch": _write_op(f"update_{key}", f"Change properties or the geometry of a feature "
                               f"of {spec.name} (JSON merge patch)", replace_desc,
                               [fid, p("If-Match"), p("Content-Crs"), p("X-Change-Note")],
                               {"200": changed, "409": r("Conflict"), "412": locking[0],
                                "428": locking[1]}, "mergePatch"),
            "delete": _write_op(f"delete_{key}", f"Retire a feature of {spec.name}",
                                f"Needs {who} and If-Match. The feature is no longer served and "
                                "stays in its history (…/history) as retired.",
                                [fid, p("If-Match"), p("X-Change-Note-required")],
                                {"204": {"description": "Retired.", "headers": {"ETag": h("ETag")}},
                                 "412": locking[0], "428": locking[1]}),
        },
    }


def _collection_paths(spec: CollectionSpec) -> dict:
    p = lambda name: _ref("parameters", name)  # noqa: E731
    base = f"/collections/{spec.name}"
    key = spec.name.replace("-", "_")
    filters = []
    for name in params.queryable(spec):
        schema = {k: v for k, v in cql_api.property_schema(spec, name).items()
                  if k in ("type", "format", "enum")}
        if schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
            schema = {**schema, **_FILTER}  # no control characters (a 400)
        filters.append(_param(name, f"Only features whose {name} equals this value (strings: "
                                    "case-insensitive, Unicode NFC; an enum value not allowed is "
                                    "a 400).", schema))
    start, end = spec.time_fields
    filters += [
        _param("filter", "A CQL2 filter (OGC API – Features Part 3): comparisons, LIKE, IN, "
                         "BETWEEN, IS NULL, CASEI/ACCENTI, S_INTERSECTS and the other S_ "
                         f"functions on `geometry`, T_INTERSECTS and the other T_ functions on "
                         f"INTERVAL({start}, {end}). Properties and their types: …/queryables. "
                         "A filter that cannot be evaluated is a 400 naming position and problem.",
               {"type": "string"}),
        _param("filter-lang", "The language of `filter` (cql-text: the Part 3 draft's name of "
                              "cql2-text, which GDAL's OAPIF driver sends).",
               {"type": "string", "enum": [*cql_api.LANGS, *cql_api.ALIASES],
                "default": "cql2-text"}),
        _param("filter-crs", "The CRS of geometry literals in `filter`, in its axis order "
                             "(default CRS84; EPSG:n is also read).",
               {"type": "string", "format": "uri", "enum": list(crs.SUPPORTED)}),
    ]
    items_ok = _ok("The matching features.", "featureCollectionGeoJSON", "application/geo+json")
    items_ok["200"]["content"]["application/geopackage+sqlite3"] = {
        "schema": {"type": "string", "format": "binary"}}
    items_ok["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}
    items_ok["200"]["content"]["application/vnd.ogc.fg+json"] = {
        "schema": _ref("schemas", "featureCollectionJSONFG")}
    items_ok["200"]["headers"]["Content-Crs"] = {"schema": {"type": "string"}}
    items_ok["200"]["headers"]["Link"] = {"description": "rel=\"license\": the data's licences.",
                                          "schema": {"type": "string"}}
    item_ok = _ok("One feature.", "featureGeoJSON", "application/geo+json")
    item_ok["200"]["content"]["application/vnd.ogc.fg+json"] = {
        "schema": _ref("schemas", "featureJSONFG")}
    item_ok["404"] = _ref("responses", "NotFound")
    item_params = [p("featureId"), p("f-item"), p("lang"), p("crs")]
    item_summary = f"One feature of {spec.name}"
    history_ok = _ok("Every stored record of the feature, oldest first, with what changed (fields "
                     "before/after, geometry moved by, area before/after) and the public author "
                     "role.", "featureHistory")
    history_ok["404"] = _ref("responses", "NotFound")
    extra = {
        f"{base}/items/{{featureId}}/history": _get(
            f"history_{key}", f"Record history of a feature of {spec.name}", "Versions",
            [p("featureId"), p("f"), p("lang")], history_ok),
    }
    if spec.name == "funding-areas":
        item_params = [p("areaOrVersionId"), p("datetime-day"), p("f-item"), p("lang"), p("crs")]
        item_summary = ("One boundary version, or the version of an area in force today / on "
                        "`datetime` (Versioned Features, Memento RFC 7089)")
        item_ok["200"]["headers"]["Memento-Datetime"] = {
            "description": "Start of the version's validity (first instant of valid_from in "
                           "Europe/Berlin) as an HTTP-date.", "schema": {"type": "string"}}
        item_ok["200"]["headers"]["Link"] = {
            "description": "self, alternate, collection, license, predecessor-version, "
                           "successor-version, latest-version, version-history, original.",
            "schema": {"type": "string"}}
        item_ok["410"] = _ref("responses", "Gone")
        timemap_ok = _ok("The area's time map: every boundary version with validity, programme, "
                         "name, decision and memento links.", "timeMap")
        timemap_ok["200"]["content"]["application/link-format"] = {"schema": {"type": "string"}}
        timemap_ok["404"] = _ref("responses", "NotFound")
        extra[f"{base}/items/{{featureId}}/versions"] = _get(
            f"versions_{key}", "Time map of a funding area (all boundary versions)", "Versions",
            [p("areaFeatureId"),
             _param("f", "Output format (overrides the Accept header); linkformat: RFC 7089 "
                         "TimeMap (application/link-format).",
                    {"type": "string", "enum": ["json", "html", "linkformat"]}),
             p("lang")], timemap_ok)
    sortable = ", ".join(params.sortable(spec))
    return {
        base: _get(f"describe_{key}", f"Describe {spec.title}", "Collections",
                   [p("f"), p("lang")], _ok("Collection metadata.", "collection")),
        f"{base}/queryables": _get(f"queryables_{key}", f"Queryables of {spec.name}", "Collections",
                                   [p("f"), p("lang")],
                                   _ok("Queryable properties (JSON Schema).", "queryables",
                                       "application/schema+json")),
        f"{base}/sortables": _get(f"sortables_{key}", f"Sortables of {spec.name}", "Collections",
                                  [p("f"), p("lang")],
                                  _ok("Properties `sortby` accepts (JSON Schema).", "queryables",
                                      "application/schema+json")),
        f"{base}/items": _get(f"items_{key}", f"Features of {spec.name} (sortable: {sortable})",
                              "Features",
                              [p("f-items"), p("lang"), p("limit"), p("offset"), p("bbox"),
                               p("bbox-crs"), p("datetime"), p("crs"), p("properties"),
                               p("skipGeometry"), p("sortby"), *filters], items_ok),
        f"{base}/items/{{featureId}}": _get(f"item_{key}", item_summary, "Features", item_params,
                                            item_ok),
        **extra,
    }


def document(base_url: str, config: Mapping) -> dict:
    """Return the OpenAPI 3.0 document for a base URL."""
    p = lambda name: _ref("parameters", name)  # noqa: E731
    error = {"content": {"application/json": {"schema": _ref("schemas", "exception")},
                         "text/html": {"schema": {"type": "string"}}}}
    paths = {
        "/": _get("landing", "Landing page", "Capabilities", [p("f"), p("lang")],
                  _ok("Links to the API, conformance and the collections.", "landingPage")),
        "/conformance": _get("conformance", "Conformance classes", "Capabilities",
                             [p("f"), p("lang")], _ok("Implemented conformance classes.",
                                                      "confClasses")),
        "/openapi": _get("openapi", "This API definition", "Capabilities", [p("f"), p("lang")],
                         {"200": {"description": "The OpenAPI document.", "content": {
                             "application/vnd.oai.openapi+json;version=3.0": {
                                 "schema": {"type": "object"}},
                             "text/html": {"schema": {"type": "string"}}}},
                          "400": _ref("responses", "BadRequest"),
                          "406": _ref("responses", "NotAcceptable")}),
        "/collections": _get("collections", "Collections", "Collections", [p("f"), p("lang")],
                             _ok("The collections.", "collections")),
    }
    for spec in COLLECTIONS.values():
        paths.update(_collection_paths(spec))
        for path, operations in _write_paths(spec).items():
            paths[path].update(operations)
    fact = _ok("Versions of the area with dates, programme, decision, size and changes.",
               "factSheet")
    fact["404"] = _ref("responses", "NotFound")
    changes = _ok("Parts added, removed and unchanged between the two dates.",
                  "featureCollectionGeoJSON", "application/geo+json")
    paths.update({
        "/areas": _get("areas", "Funding areas and their versions", "Planners", [p("f"), p("lang")],
                       _ok("The funding areas.", "areaList")),
        "/areas/{areaId}": _get("area", "Fact sheet of a funding area", "Planners",
                                [p("areaId"), p("f"), p("lang")], fact),
        "/areas/{areaId}/changes": _get("area_changes", "Changes of one area between two dates",
                                        "Planners", [p("areaId"), p("from"), p("to"), p("f"),
                                                     p("lang")],
                                        {**changes, "404": _ref("responses", "NotFound")}),
        "/changes": _get("changes", "Changes of all areas between two dates", "Planners",
                         [p("from"), p("to"), p("crs-changes"), p("f"), p("lang")], changes),
        "/locate": _get("locate", "Which areas contain a point on a day", "Planners", [
            _param("lon", "Longitude (WGS 84), within EPSG:25833's area of use (where distances "
                   "are defined).", {"type": "number", "minimum": crs.METRIC_AREA_OF_USE[0],
                                     "maximum": crs.METRIC_AREA_OF_USE[2]}),
            _param("lat", "Latitude (WGS 84), within EPSG:25833's area of use.",
                   {"type": "number", "minimum": crs.METRIC_AREA_OF_USE[1],
                    "maximum": crs.METRIC_AREA_OF_USE[3]}),
            _param("x", "Easting (or longitude) in crs (default EPSG:25833).", {"type": "number"}),
            _param("y", "Northing (or latitude) in crs (default EPSG:25833).", {"type": "number"}),
            p("crs-locate"), _param("datetime", "The day (default: today).", _POINT),
            p("f"), p("lang")], _ok("Areas in force on the day, inside or not, and distances.",
                                    "locate")),
        "/timeline": _get("timeline", "Programme milestones", "Planners", [p("f"), p("lang")],
                          _ok("Milestones with dates and sources.", "timeline")),
        # the change map (an HTML page): the boundaries in force in `from` and in `to` compared
        "/compare": _get("compare", "Change map between two years or days (HTML)", "Planners", [
            _param("from", "First year (whole year) or day; empty or absent: 2001; not after `to`.",
                   {"anyOf": [*_POINT["anyOf"], {"type": "string", "maxLength": 0}]}),
            _param("to", "Second year or day; empty or absent: this year.",
                   {"anyOf": [*_POINT["anyOf"], {"type": "string", "maxLength": 0}]}),
            _param("embed", "1, true or yes: without header and footer (for an iframe); other "
                            "values: the full page.", _FILTER),
            _param("f", "The page is HTML whatever is asked.", _FILTER),
            p("lang")], {"200": {"description": "The change map.",
                                 "content": {"text/html": {"schema": {"type": "string"}}}},
                         "400": _ref("responses", "BadRequest"),
                         "406": _ref("responses", "NotAcceptable")}),
    })
    paths.update(places_paths())  # place search and the inside check over every version
    return {
        "openapi": "3.0.3",
        "info": {"title": "Fördergebiete Prohlis / Am Koitschgraben – OGC API Features",
                 "version": "1.0.0",
                 "description": "Urban-renewal funding areas of Dresden-Prohlis and Am "
                                "Koitschgraben (boundary versions over time) and their projects.",
                 "license": {"name": "ODbL 1.0 (OpenStreetMap-derived geometry); dl-de/by-2-0 "
                                     "(the city's election districts); see the `license` links",
                             "url": "https://opendatacommons.org/licenses/odbl/1-0/"}},
        "servers": [{"url": base_url.rstrip("/") or "/"}],
        "tags": [{"name": name} for name in ("Capabilities", "Collections", "Features",
                                              "Versions", "Planners", "Editing")],
        "paths": paths,
        "components": {
            "parameters": _parameters(config),
            "schemas": _schemas(),
            "responses": {
                "BadRequest": {"description": "A parameter is malformed or unknown.", **error},
                "NotFound": {"description": "The resource does not exist.", **error},
                "URITooLong": {"description": "The query string is longer than the service "
                                              "answers (MAX_QUERY_BYTES, default 8192 bytes).",
                               **error},
                "NotAcceptable": {"description": "The format is not offered.", **error},
                "Gone": {"description": "The area exists, but no version of it was in force on "
                                        "the day asked (the description lists its versions).",
                         "headers": {"Link": {"description": "original, latest-version, "
                                                             "version-history, timemap.",
                                              "schema": {"type": "string"}}},
                         **error},
                **_write_responses(error),
            },
            "headers": {
                "ETag": {"description": "The ETag of the feature as now stored ('\"<record>-…\"'): "
                                        "send it as If-Match with the next write.",
                         "schema": {"type": "string"}},
                "Location": {"description": "The URL of the feature.",
                             "schema": {"type": "string", "format": "uri"}},
                "Content-Crs": {"description": "CRS of the body's coordinates (<URI>).",
                                "schema": {"type": "string"}},
            },
            "requestBodies": {
                "feature": {"required": True, "description": "A GeoJSON Feature (coordinates in "
                            "Content-Crs, default CRS84); the member 'note' may carry the change "
                            "note.", "content": {
                                media: {"schema": _ref("schemas", "featureGeoJSON")}
                                for media in ("application/geo+json", "application/json")}},
                "mergePatch": {"required": True, "description": "A JSON merge patch (RFC 7386) "
                               "of the feature.", "content": {
                                   "application/merge-patch+json": {
                                       "schema": _ref("schemas", "mergePatch")}}},
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description":
                           "The API token of an account (`flask --app geoservice users add|token "
                           "NAME` prints it once). Editors write projects; admins also funding "
                           "areas. Only writes need it: every read is public."},
            },
        },
    }


def _write_responses(error: dict) -> dict:
    """The error responses of the write operations (each an exception document)."""
    return {
        "InvalidFeature": {"description": "The body, a header or the feature is invalid; nothing "
                                          "was written. `problems` lists every problem of the "
                                          "feature.", **error},
        "Unauthorized": {"description": "No valid Bearer token (missing, unknown, revoked or of a "
                                        "disabled account).",
                         "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}, **error},
        "Forbidden": {"description": "The account's role may not change this collection.", **error},
        "Conflict": {"description": "The write breaks a rule of the stored data: the id exists, "
                                    "or two versions of an area would be in force on one day.",
                     **error},
        "PreconditionFailed": {"description": "The feature changed since the ETag sent in "
                                              "If-Match; GET it again. Nothing was written.",
                               "headers": {"ETag": {
                                   "description": "Names the feature's current record (valid as "
                                                  "If-Match).", "schema": {"type": "string"}}},
                               **error},
        "PreconditionRequired": {"description": "If-Match is missing: no change may overwrite "
                                                "another unseen.", **error},
    }
