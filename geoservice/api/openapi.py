"""The OpenAPI 3.0 definition of the service, built from the collection specs."""

from __future__ import annotations

from collections.abc import Mapping

from geoservice import params, xplan
from geoservice.api import formats, openapi_changes
from geoservice.api import schemas as json_schemas
from geoservice.api.openapi_places import places_paths
from geoservice.api.openapi_schemas import schemas
from geoservice.api.openapi_writes import write_headers, write_paths, write_responses
from geoservice.domain.schema import COLLECTIONS, CollectionSpec

REF = "#/components/{kind}/{name}"


def _ref(kind: str, name: str) -> dict:
    return {"$ref": REF.format(kind=kind, name=name)}


# text without control characters (a NUL or line break in a path is a 400)
_TEXT = params.TEXT


def _path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "description": description, "required": True,
            "schema": _TEXT}


def _header(name: str, description: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": "header", "description": description, "required": required,
            "schema": schema}


def _parameters(config: Mapping) -> dict:
    """The reusable parameter objects: query parameters from their declarations
    (geoservice.params; `name-variant` for a route's own text), path parameters and headers."""
    def q(name: str, variant: str | None = None) -> dict:
        return params.PARAMS[name].openapi(config, variant)

    return {
        "f": q("f"),
        # the formats of items and of one item come from the renderer registry (api/formats/)
        "f-items": {**q("f", "items"), "schema": {"type": "string", "enum": list(formats.items_formats())}},
        "f-item": {**q("f", "item"), "schema": {"type": "string", "enum": list(formats.item_formats())}},
        "lang": q("lang"), "recorded": q("recorded"), "limit": q("limit"), "offset": q("offset"),
        "bbox": q("bbox"), "bbox-crs": q("bbox-crs"), "crs": q("crs"),
        "crs-changes": q("crs", "changes"), "crs-locate": q("crs", "locate"),
        "datetime": q("datetime"), "properties": q("properties"),
        "skipGeometry": q("skipGeometry"), "sortby": q("sortby"), "profile": q("profile"),
        "featureId": _path("featureId", "Identifier of a feature."),
        "areaOrVersionId": _path(
            "featureId", "A boundary version id (e.g. prohlis-2016) or an area id (area_id, e.g. "
            "prohlis): an area id answers the version in force today or on `datetime`."),
        "areaFeatureId": _path("featureId", "Identifier of a funding area (area_id, e.g. prohlis)."),
        "datetime-day": q("datetime", "day"),
        "areaId": _path("areaId", "Identifier of a funding area (area_id)."),
        "from": q("from"), "to": q("to"),
        **{x.name: q(x.name) for x in params.item_extensions()},  # declared items extensions
        # --- writes (OGC API - Features Part 4)
        **write_headers(_header),
        **openapi_changes.parameters(config),
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


def _collection_paths(spec: CollectionSpec) -> dict:
    p = lambda name: _ref("parameters", name)  # noqa: E731
    base = f"/collections/{spec.name}"
    key = spec.name.replace("-", "_")
    filters = []
    for name in params.queryable(spec):
        schema = {k: v for k, v in json_schemas.property_schema(spec, name).items()
                  if k in ("type", "format", "enum")}
        if schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
            schema = {**schema, **params.FILTER}  # no control characters (a 400)
        filters.append(params.property_param(spec, name).openapi(schema=schema))
    start, end = spec.time_fields
    filters += [
        params.PARAMS["filter"].openapi(description=(
            "A CQL2 filter (OGC API – Features Part 3): comparisons, LIKE, IN, BETWEEN, IS NULL, "
            "CASEI/ACCENTI, S_INTERSECTS and the other S_ functions on `geometry`, T_INTERSECTS "
            f"and the other T_ functions on INTERVAL({start}, {end}). Properties and their "
            "types: …/queryables. A filter that cannot be evaluated is a 400 naming position and "
            "problem.")),
        params.PARAMS["filter-lang"].openapi(),
        params.PARAMS["filter-crs"].openapi(),
    ]
    items_ok = _ok("The matching features.", "featureCollectionGeoJSON", "application/geo+json")
    for renderer in formats.REGISTRY.values():  # the other formats besides GeoJSON and HTML
        if renderer.items is not None and renderer.items_schema is not None:
            items_ok["200"]["content"][renderer.media_type] = {"schema": renderer.items_schema}
    items_ok["200"]["headers"]["Content-Crs"] = {"schema": {"type": "string"}}
    items_ok["200"]["headers"]["Link"] = {"description": "rel=\"license\": the data's licences.",
                                          "schema": {"type": "string"}}
    item_ok = _ok("One feature.", "featureGeoJSON", "application/geo+json")
    for renderer in formats.REGISTRY.values():
        if renderer.item is not None and renderer.item_schema is not None:
            item_ok["200"]["content"][renderer.media_type] = {"schema": renderer.item_schema}
    item_ok["404"] = _ref("responses", "NotFound")
    item_params = [p("featureId"), p("f-item"), p("lang"), p("crs"), p("profile")]
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
    if spec.versioned:
        item_params = [p("areaOrVersionId"), p("datetime-day"), p("f-item"), p("lang"), p("crs"),
                       p("profile")]
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
             params.PARAMS["f"].openapi(variant="timemap"),
             p("lang")], timemap_ok)
    sortable = ", ".join(params.sortable(spec))
    return {
        base: _get(f"describe_{key}", f"Describe {spec.title}", "Collections",
                   [p("f"), p("lang")], _ok("Collection metadata.", "collection")),
        f"{base}/schema": _get(f"schema_{key}", f"Schema of {spec.name}", "Collections",
                               [p("f"), p("lang")],
                               _ok("Every property with type, role and order (JSON Schema, "
                                   "OGC API – Features Part 5).", "queryables",
                                   "application/schema+json")),
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
                               p("skipGeometry"), p("sortby"), p("profile"), *filters,
                               *(p(x.name) for x in params.item_extensions())], items_ok),
        f"{base}/items/{{featureId}}": _get(f"item_{key}", item_summary, "Features", item_params,
                                            item_ok),
        **extra,
        **openapi_changes.collection_paths(spec, base, key, _get, _ref),
    }


def document(base_url: str, config: Mapping) -> dict:
    """Return the OpenAPI 3.0 document for a base URL."""
    p = lambda name: _ref("parameters", name)  # noqa: E731

    def q(name: str, variant: str | None = None) -> dict:
        return params.PARAMS[name].openapi(config, variant)

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
        for path, operations in write_paths(spec).items():
            paths[path].update(operations)
    fact = _ok("Versions of the area with dates, programme, decision, size and changes.",
               "factSheet")
    fact["404"] = _ref("responses", "NotFound")
    changes = _ok("Parts added, removed and unchanged between the two dates.",
                  "featureCollectionGeoJSON", "application/geo+json")
    xplan_ok = {"200": {"description": "SO_Plan, SO_Bereich and SO_Gebiet (gebietsArt 1400) per "
                                       "version, EPSG:25833 (docs/PUBLISHING.md).",
                        "content": {xplan.MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
                "400": _ref("responses", "BadRequest")}
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
            q("lon"), q("lat"), q("x"), q("y"), p("crs-locate"), q("datetime", "locate"),
            p("f"), p("lang")], _ok("Areas in force on the day, inside or not, and distances.",
                                    "locate")),
        "/areas/xplan.gml": _get("xplan_all", "Every boundary version as XPlanGML 6.0", "Planners",
                                 [p("lang")], xplan_ok),
        "/areas/{areaId}/xplan.gml": _get("xplan_area", "One area's boundary versions as XPlanGML 6.0",
                                          "Planners", [p("areaId"), p("lang")],
                                          {**xplan_ok, "404": _ref("responses", "NotFound")}),
        "/timeline": _get("timeline", "Programme milestones", "Planners", [p("f"), p("lang")],
                          _ok("Milestones with dates and sources.", "timeline")),
        # the change map (an HTML page): the boundaries in force in `from` and in `to` compared
        "/compare": _get("compare", "Change map between two years or days (HTML)", "Planners", [
            q("from", "compare"), q("to", "compare"), q("embed"), q("f", "compare"),
            p("lang")], {"200": {"description": "The change map.",
                                 "content": {"text/html": {"schema": {"type": "string"}}}},
                         "400": _ref("responses", "BadRequest"),
                         "406": _ref("responses", "NotAcceptable")}),
    })
    paths.update(openapi_changes.service_paths(_get, _ref))
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
                                              "Versions", "Changes", "Planners", "Editing")],
        "paths": paths,
        "components": {
            "parameters": _parameters(config),
            "schemas": {**schemas(), **openapi_changes.SCHEMAS},
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
                **write_responses(error),
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
                "basic": {"type": "http", "scheme": "basic", "description":
                          "The same token as the password of HTTP Basic (the user name empty or "
                          "the account's), for clients with a user/password setting (QGIS, "
                          "OWSLib)."},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description":
                           "The same token in the header X-API-Key (QGIS's API Header "
                           "authentication)."},
            },
        },
    }
