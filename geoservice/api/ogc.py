"""OGC API - Features (Parts 1, 2 and 3 queryables): landing page to single feature."""

from __future__ import annotations

from datetime import date

import numpy as np
from flask import Blueprint, current_app, g, render_template, request
from werkzeug.wrappers import Response

from geoservice import cache, params
from geoservice.api import cql_api, downloads, features, jsonfg, links, openapi, versions
from geoservice.api.links import GEOJSON, HTML, JSON, OPENAPI, SCHEMA, link, url
from geoservice.domain import areas as domain_areas
from geoservice.domain import crs, licences
from geoservice.domain.schema import COLLECTIONS, FUNDING_AREAS, PROJECTS, CollectionSpec, spec_of
from geoservice.domain.timeutil import parse_datetime
from geoservice.errors import InvalidParameter, NotFound
from geoservice.http import (
    _,
    base_url,
    check_params_for,
    dataset,
    output_format,
    record_etag,
    request_etag,
    respond,
)
from geoservice.web import map_pages
from geoservice.web.display import items_table

bp = Blueprint("ogc", __name__)

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    *cql_api.CONFORMANCE,  # Part 3 filter + the CQL2 classes domain/cql.py evaluates
    versions.CONFORMANCE,  # draft: Versioned Features (funding areas on their validity axis)
    # Part 4 (draft): writes with Bearer tokens, If-Match required (geoservice.api.edit)
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
    *jsonfg.CONFORMANCE,  # f=jsonfg on items and item (api/jsonfg.py)
)
ITEM_FORMATS = ("json", "html", "gpkg", "csv", "jsonfg")
ITEM_FORMAT = ("json", "html", "jsonfg")  # one feature
ITEM_PARAMS = frozenset({"limit", "offset", "bbox", "bbox-crs", "datetime", "crs", "properties",
                         "skipGeometry", "sortby", "filter", "filter-lang", "filter-crs"})
# Parameters of the map pages rendered by geoservice.web (embed=1: without header and footer).
PAGE_PARAMS = frozenset({"embed"})
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


def licence_links(collection: str | None = None) -> tuple[dict, ...]:
    """Return the `license` links of one collection, or of the whole service (None).

    The same for every request of a language (absolute URLs): built once per snapshot.
    """
    lang = g.get("lang", "de")
    return dataset().memo(("ogc", "licence-links", collection, lang), lambda: tuple(
        link(lic.url, "license", HTML, f"{_(lic.name)}: {_(lic.covers)}")
        for lic in licences.of(collection)))


def licence_header(collection: str | None = None) -> dict[str, str]:
    """Return the HTTP Link header with the licences (RFC 8288; titles left out: ASCII only)."""
    return {"Link": dataset().memo(("ogc", "licence-header", collection),
                                   lambda: versions.link_header(licence_links(collection)))}


def _memo_json(name: str, build) -> bytes:
    """Return prebuilt JSON bytes of a static resource, per base URL, language and query."""
    # canonical key (trusted base URL, language, canonical query) or none: see geoservice.cache
    return cache.memo(dataset(), ("ogc", name), lambda: features.dumps(build()).encode())


def _html(template: str, **context) -> str:
    return render_template(f"api/{template}", **context)


def _document(fmt: str, name: str, document, template: str, path: str, mimetype: str = JSON,
              headers: dict[str, str] | None = None, **context):
    """Answer a metadata document as memoized JSON bytes or as its HTML page."""
    if fmt == "html":
        return respond(lambda: _html(template, doc=document(), json_url=url(path, f="json"), **context),
                       "text/html", request_etag("html"), headers=headers)
    return respond(_memo_json(name, document), mimetype, request_etag("json"), headers=headers)


# --- landing page, conformance, API definition ------------------------------------------------

def landing_document() -> dict:
    """Return the landing page as a dict (links to everything the service offers)."""
    return {
        "title": _("Fördergebiete Prohlis / Am Koitschgraben"),
        "description": _("Fördergebiete (Soziale Stadt / Sozialer Zusammenhalt) in Dresden-Prohlis "
                         "und Am Koitschgraben mit ihren Grenzständen und Projekten als "
                         "OGC API – Features."),
        "links": [
            *links.self_and_alternate("json", title_json=_("Diese Seite als JSON"),
                                      title_html=_("Diese Seite als HTML")),
            link(url("openapi", f="json"), "service-desc", OPENAPI, _("API-Definition (OpenAPI 3.0)")),
            link(url("openapi", f="html"), "service-doc", HTML, _("API-Dokumentation")),
            link(url("conformance", f="json"), "conformance", JSON, _("Konformitätsklassen")),
            link(url("collections", f="json"), "data", JSON, _("Datensammlungen")),
            link(url("areas", f="json"), "related", JSON, _("Fördergebiete mit Grenzständen")),
            link(url("timeline", f="json"), "related", JSON, _("Zeitleiste des Programms")),
            link(url("locate"), "related", HTML, _("Adresse oder Punkt prüfen")),
            *licence_links(),
        ],
    }


@bp.get("/")
def landing():
    """Landing page: JSON document, or the home page for browsers."""
    check_params_for(PAGE_PARAMS)
    fmt = output_format()
    if fmt == "html":
        return map_pages.render_home()  # the residents' project map
    return respond(_memo_json("landing", landing_document), JSON, request_etag("json"),
                   headers=licence_header())


@bp.get("/conformance")
def conformance():
    """The conformance classes this service implements."""
    check_params_for(())
    fmt = output_format()

    def document():
        return {"conformsTo": list(CONFORMANCE),
                "links": links.self_and_alternate(fmt)}

    return _document(fmt, "conformance", document, "conformance.html", "conformance")


@bp.get("/openapi")
def api_definition():
    """The OpenAPI 3.0 definition (JSON) or a readable overview of it (HTML)."""
    check_params_for(())
    fmt = output_format()
    if fmt == "html":
        doc = openapi.document(base_url(), current_app.config)
        return respond(lambda: _html("openapi.html", doc=doc, json_url=url("openapi", f="json")),
                       "text/html", request_etag("html"))
    body = cache.memo(dataset(), ("openapi",),
                      lambda: features.dumps(openapi.document(base_url(), current_app.config)).encode(),
                      query=False)
    return respond(body, OPENAPI, request_etag("json"))


# --- collections -------------------------------------------------------------------------------

def temporal_interval(gdf) -> list:
    """Return the true temporal extent: the first known start to the last known end.

    Built from `_t0`/`_t1`, the times every time query tests (timeutil.project_days): features
    without a known time do not count; the end is open (null) only when something is really
    going on (a boundary in force until further notice, a running project without end year).
    """
    t0, t1 = gdf["_t0"].to_numpy(), gdf["_t1"].to_numpy()
    known = t0 < t1
    if not known.any():
        return [None, None]
    first = date.fromordinal(int(t0[known].min()))
    ongoing = gdf["_ongoing"].to_numpy(dtype=bool) & known
    last = None if ongoing.any() else date.fromordinal(int(t1[known].max()))
    return [f"{first.isoformat()}T00:00:00Z", f"{last.isoformat()}T00:00:00Z" if last else None]


def collection_document(spec: CollectionSpec) -> dict:
    """Return a collection's metadata: extent, CRSs and links."""
    gdf = dataset().collection(spec.name)
    base = f"collections/{spec.name}"
    description = _(spec.description)
    extra_links = []
    if spec is FUNDING_AREAS:
        description += " " + _(
            "Versionierte Objekte (OGC API – Features, Entwurf „Versioned Features“, Memento nach "
            "RFC 7089): …/items/{area_id} liefert den heute gültigen Grenzstand eines Gebiets, "
            "…/items/{area_id}?datetime=JJJJ-MM-TT den an diesem Tag gültigen (410, wenn keiner "
            "galt), …/items/{area_id}/versions alle Grenzstände; …/items/{id}/history listet jede "
            "Erfassung eines Objekts mit ihren Änderungen.")
        for area_id in domain_areas.area_ids(gdf):
            extra_links.append(link(url(f"{base}/items/{area_id}/versions", f="json"),
                                    "version-history", JSON,
                                    _("Grenzstände von {area}", area=area_id)))
    return {
        "id": spec.name,
        "title": _(spec.title),
        "description": description,
        "keywords": [_(word) for word in spec.keywords],
        "itemType": "feature",
        "extent": {
            "spatial": {"bbox": [[round(float(v), 6) for v in gdf.total_bounds]], "crs": crs.CRS84},
            "temporal": {"interval": [temporal_interval(gdf)], "trs": TRS},
        },
        "crs": list(crs.SUPPORTED),
        "storageCrs": crs.STORAGE_CRS,
        "links": [
            link(url(base, f="json"), "self", JSON, _("Diese Sammlung als JSON")),
            link(url(base, f="html"), "alternate", HTML, _("Diese Sammlung als HTML")),
            link(url(f"{base}/items", f="json"), "items", GEOJSON, _("Objekte als GeoJSON")),
            link(url(f"{base}/items", f="html"), "items", HTML, _("Objekte als HTML")),
            link(url(f"{base}/items", f="jsonfg"), "items", jsonfg.MEDIA_TYPE, _("Objekte als JSON-FG")),
            link(url(f"{base}/items", f="gpkg"), "items", links.GPKG, _("Download als GeoPackage")),
            link(url(f"{base}/items", f="csv"), "items", links.CSV, _("Download als CSV")),
            link(url(f"{base}/queryables", f="json"),
                 "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA,
                 _("Filterbare Eigenschaften")),
            link(url(f"{base}/sortables", f="json"),
                 "http://www.opengis.net/def/rel/ogc/1.0/sortables", SCHEMA,
                 _("Sortierbare Eigenschaften")),
            *licence_links(spec.name),
            *extra_links,
        ],
    }


@bp.get("/collections")
def collections():
    """The list of collections."""
    check_params_for(())
    fmt = output_format()

    def document():
        return {
            "links": [*links.self_and_alternate(fmt), *licence_links()],
            "collections": [collection_document(spec) for spec in COLLECTIONS.values()],
            "crs": list(crs.SUPPORTED),
        }

    return _document(fmt, "collections", document, "collections.html", "collections",
                     headers=licence_header())


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    """One collection's metadata."""
    spec = spec_of(collection_id)
    check_params_for(())
    fmt = output_format()
    return _document(fmt, f"collection:{spec.name}", lambda: collection_document(spec),
                     "collection.html", f"collections/{spec.name}",
                     headers=licence_header(spec.name), spec=spec)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str):
    """Every property usable in `filter` and as `?property=value` (JSON Schema, Part 3)."""
    spec = spec_of(collection_id)
    check_params_for(())
    fmt = output_format()
    return _document(fmt, f"queryables:{spec.name}",
                     lambda: cql_api.queryables_document(spec, url(f"collections/{spec.name}/queryables")),
                     "queryables.html", f"collections/{spec.name}/queryables", SCHEMA, spec=spec)


@bp.get("/collections/<collection_id>/sortables")
def sortables(collection_id: str):
    """The properties `sortby` accepts (JSON Schema, like the queryables)."""
    spec = spec_of(collection_id)
    check_params_for(())
    fmt = output_format()
    return _document(fmt, f"sortables:{spec.name}",
                     lambda: cql_api.sortables_document(spec, url(f"collections/{spec.name}/sortables")),
                     "queryables.html", f"collections/{spec.name}/sortables", SCHEMA, spec=spec,
                     sortables=True)


# --- items -------------------------------------------------------------------------------------

def bbox_to_crs84(box: tuple[float, float, float, float], box_crs: str) -> tuple[float, ...]:
    """Return a bbox given in `box_crs` (its axis order) as a CRS84 bbox."""
    if box_crs == crs.CRS84:
        return box
    try:
        result = crs.transformer(box_crs, crs.CRS84).transform_bounds(*box, densify_pts=21)
    except Exception:  # pyproj raises ProjError for boxes outside the CRS's area of use
        raise InvalidParameter(f"bbox: '{request.args.get('bbox')}' cannot be transformed from "
                               f"{box_crs}") from None
    if not np.all(np.isfinite(result)):
        raise InvalidParameter(f"bbox: '{request.args.get('bbox')}' lies outside the area of "
                               f"use of {box_crs}")
    return tuple(result)


def parse_query(spec: CollectionSpec) -> features.Query:
    """Parse the filters and order of an items request."""
    box = params.bbox(request.args.get("bbox"))
    box_crs = params.crs_param(request.args.get("bbox-crs"), "bbox-crs")
    if "datetime" in request.args:
        when = parse_datetime(request.args["datetime"])
    else:
        when = None
    return features.Query(
        bbox_crs84=bbox_to_crs84(box, box_crs) if box else None,
        when=when,
        where=cql_api.where(spec, request.args),
        sortby=tuple(params.sortby(request.args.get("sortby"), spec)),
    )


def _jsonfg_link(fmt: str, title: str) -> dict:
    return link(links.here(f="jsonfg"), "self" if fmt == "jsonfg" else "alternate",
                jsonfg.MEDIA_TYPE, title)


def _page_links(fmt: str, offset: int, limit: int, matched: int, spec: CollectionSpec) -> list[dict]:
    out = links.self_and_alternate(fmt, json_type=GEOJSON, title_json=_("Diese Seite als GeoJSON"),
                                   title_html=_("Diese Seite als HTML"))
    out.append(_jsonfg_link(fmt, _("Diese Seite als JSON-FG")))
    if fmt == "jsonfg":
        if jsonfg.has_place(params.crs_param(request.args.get("crs"), "crs")):
            out.append({"href": jsonfg.PROFILE_PLUS, "rel": "profile"})  # place + fallback geometry
        out.sort(key=lambda item: item["rel"] != "self")
    kind = {"json": GEOJSON, "jsonfg": jsonfg.MEDIA_TYPE}.get(fmt, HTML)
    if offset + limit < matched:
        out.append(link(links.here(offset=str(offset + limit), f=fmt), "next", kind,
                        _("Nächste Seite")))
    if offset > 0:
        out.append(link(links.here(offset=str(max(0, offset - limit)), f=fmt), "prev", kind,
                        _("Vorige Seite")))
    out.append(link(url(f"collections/{spec.name}", f="json"), "collection", JSON,
                    _("Die Sammlung")))
    out.extend(licence_links(spec.name))
    return out


def _timestamp() -> str:
    data = dataset()
    return data.memo(("ogc", "timestamp"), lambda: data.last_modified.strftime("%Y-%m-%dT%H:%M:%SZ"))


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    """Features of a collection: filtered, sorted, paged; GeoJSON, HTML, GeoPackage or CSV."""
    spec = spec_of(collection_id)
    check_params_for(ITEM_PARAMS | set(params.queryable(spec)), ITEM_FORMATS)
    fmt = output_format(ITEM_FORMATS)
    config = current_app.config
    limit = params.limit(request.args.get("limit"), int(config["DEFAULT_LIMIT"]),
                         int(config["MAX_LIMIT"]))
    offset = params.integer(request.args.get("offset"), "offset", 0, 0)
    target = params.crs_param(request.args.get("crs"), "crs")
    fields = params.properties(request.args.get("properties"), spec)
    skip = params.boolean(request.args.get("skipGeometry"), "skipGeometry")
    query = parse_query(spec)
    data = dataset()
    headers = {"Content-Crs": crs.content_crs_header(target), **licence_header(spec.name)}
    etag = request_etag(fmt)

    if fmt in ("gpkg", "csv"):
        def build_file():
            positions = features.select(data, spec, query)
            if "limit" in request.args or "offset" in request.args:
                positions = positions[offset:offset + limit]
            return downloads.build(fmt, data.collection(spec.name).iloc[positions], spec,
                                   fields, target, skip)
        headers["Content-Disposition"] = f'attachment; filename="{spec.name}.{fmt}"'
        # "text/csv": the response adds "; charset=utf-8" to every text/* type itself
        mimetype = links.GPKG if fmt == "gpkg" else "text/csv"
        return respond(build_file, mimetype, etag, headers=headers)

    if fmt == "jsonfg":
        def build_jsonfg() -> bytes:
            positions = features.select(data, spec, query)
            page = positions[offset:offset + limit]
            rows = data.collection(spec.name).iloc[page]
            cache = features.feature_cache(data, spec, crs.CRS84, skip, fields)
            tail = {
                "numberMatched": int(len(positions)),
                "numberReturned": int(len(page)),
                "timeStamp": _timestamp(),
                "links": _page_links("jsonfg", offset, limit, len(positions), spec),
            }
            body = jsonfg.features(rows, spec, cache.take(page), target, skip)
            return b"".join((jsonfg.collection_head(spec, rows, target, skip), b",".join(body),
                             b"],", features.dumps(tail).encode()[1:]))

        headers["Content-Crs"] = crs.content_crs_header(jsonfg.content_crs(target))
        return respond(build_jsonfg, jsonfg.MEDIA_TYPE, etag, headers=headers)

    def build_json() -> bytes:
        positions = features.select(data, spec, query)
        page = positions[offset:offset + limit]
        cache = features.feature_cache(data, spec, target, skip, fields)
        tail = {
            "numberMatched": int(len(positions)),
            "numberReturned": int(len(page)),
            "timeStamp": _timestamp(),
            "links": _page_links("json", offset, limit, len(positions), spec),
        }
        return b"".join((b'{"type":"FeatureCollection","features":[', b",".join(cache.take(page)),
                         b"],", features.dumps(tail).encode()[1:]))

    def build_html() -> str:
        positions = features.select(data, spec, query)
        page = positions[offset:offset + limit]
        rows = data.collection(spec.name).iloc[page]
        columns = [c for c in spec.fields if fields is None or c in fields]
        return _html("items.html", spec=spec, rows=rows, matched=len(positions), offset=offset,
                     table=items_table(spec, rows, columns), columns=columns,
                     links=_page_links("html", offset, limit, len(positions), spec),
                     json_url=links.here(f="json"),
                     download_urls={k: links.here(f=k, limit=None, offset=None)
                                    for k in ("gpkg", "csv")})

    if fmt == "html":
        return respond(build_html, "text/html", etag, headers=licence_header(spec.name))
    return respond(build_json, GEOJSON, etag, headers=headers)


def _item_links(spec: CollectionSpec, fid: str, fmt: str) -> list[dict]:
    out = [
        *links.self_and_alternate(fmt, json_type=GEOJSON, title_json=_("Dieses Objekt als GeoJSON"),
                                  title_html=_("Dieses Objekt als HTML")),
        _jsonfg_link(fmt, _("Dieses Objekt als JSON-FG")),
        link(url(f"collections/{spec.name}", f="json"), "collection", JSON, _("Die Sammlung")),
        *licence_links(spec.name),
    ]
    if fmt == "jsonfg":
        out.sort(key=lambda item: item["rel"] != "self")
    return out


@bp.get("/collections/<collection_id>/items/<path:feature_id>")
def item(collection_id: str, feature_id: str):
    """One feature as GeoJSON, or as HTML (projects: the maps engineer's project page).

    Funding areas are versioned features: a version id (`prohlis-2016`) answers that version, an
    area id (`prohlis`) the version in force today or on `?datetime=DAY` (410 Gone when none was).
    Both carry Memento-Datetime and the version links (see geoservice.api.versions).
    """
    spec = spec_of(collection_id)
    data = dataset()
    pos = features.position_of(data, spec, feature_id)
    day = None
    if pos is None and spec is FUNDING_AREAS and versions.is_area(feature_id):
        check_params_for({"crs", "datetime", *PAGE_PARAMS}, ITEM_FORMAT)
        day, asked = versions.requested_day()
        found = versions.version_on(feature_id, day)
        if isinstance(found, Response):
            return found  # 410 Gone: the area existed, but not on that day
        pos = features.position_of(data, spec, found["id"])
        # without datetime the answer is today's version: it can change at midnight
        etag_extra = () if asked else (str(day),)
    elif pos is None:
        raise NotFound(f"feature '{feature_id}' does not exist in collection '{spec.name}'")
    else:
        check_params_for({"crs", *PAGE_PARAMS}, ITEM_FORMAT)
        etag_extra = ()
    fmt = output_format(ITEM_FORMAT)
    target = params.crs_param(request.args.get("crs"), "crs")
    row = data.collection(spec.name).iloc[pos]
    headers = licence_header(spec.name)
    if spec is FUNDING_AREAS:
        version_links = versions.version_links(row, "json" if fmt == "jsonfg" else fmt)
        headers = versions.memento_headers(row, [*_item_links(spec, feature_id, fmt), *version_links])
    if fmt == "html":
        if spec is PROJECTS:
            return map_pages.render_project(feature_id)
        return respond(lambda: _html("item_version.html", spec=spec, row=row, fid=row["id"],
                                     json_url=links.here(f="json"),
                                     area_url=url(f"areas/{row['area_id']}"),
                                     version_links=version_links, asked_area=day is not None,
                                     day=day, memento=headers["Memento-Datetime"]),
                       "text/html", request_etag("html", *etag_extra), headers=headers)

    def build() -> bytes:
        if fmt == "jsonfg":  # geometry stays CRS84; place in `target` unless that is WGS 84
            body = features.feature_cache(data, spec, crs.CRS84).take(np.array([pos]))[0]
            body = jsonfg.features(data.collection(spec.name).iloc[[pos]], spec, [body], target,
                                   False, with_crs=True)[0]
        else:
            body = features.feature_cache(data, spec, target).take(np.array([pos]))[0]
        item_links = _item_links(spec, feature_id, fmt)
        if spec is FUNDING_AREAS:
            item_links += version_links
        if fmt == "jsonfg" and jsonfg.has_place(target):
            item_links.append({"href": jsonfg.PROFILE_PLUS, "rel": "profile"})
        tail = features.dumps({"links": item_links}).encode()
        return body[:-1] + b"," + tail[1:]

    shown = jsonfg.content_crs(target) if fmt == "jsonfg" else target
    headers["Content-Crs"] = crs.content_crs_header(shown)
    # the record id leads the ETag: it is what If-Match compares when the feature is written
    tag = record_etag(data.record_id(spec.name, row["id"]), fmt, *etag_extra)
    return respond(build, jsonfg.MEDIA_TYPE if fmt == "jsonfg" else GEOJSON, tag, headers=headers)
