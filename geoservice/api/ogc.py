"""OGC API - Features (Parts 1, 2, 3 queryables, 5 schemas): landing page to schemas.

The items and items/{id} routes of the same blueprint are in api/items.py, their formats in
api/formats/."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, g, render_template

from geoservice import cache, params, xplan
from geoservice.api import cql_api, features, feeds, formats, links, openapi, schemas, versions
from geoservice.api.links import GEOJSON, HTML, JSON, OPENAPI, SCHEMA, link, url
from geoservice.domain import areas as domain_areas
from geoservice.domain import crs
from geoservice.domain.schema import COLLECTIONS, CollectionSpec, licences_of, spec_of
from geoservice.http import _, base_url, check_params_for, dataset, output_format, request_etag, respond
from geoservice.web import map_pages

bp = Blueprint("ogc", __name__)

# Approved standards (OGC API – Features Parts 1–3 and Part 5 / Common Part 3, CQL2 1.0)
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    *cql_api.CONFORMANCE,  # Part 3 filter + the CQL2 classes domain/cql.py evaluates
    *schemas.CONFORMANCE,  # Part 5 (approved 2026-04-30): /schema, /queryables, /sortables
)
# Drafts, with the URIs their current drafts define (no approved version exists; a URI may still
# change): Part 4 1.0.0-draft.2 (writes with Bearer tokens, If-Match required: api/edit.py),
# Part 6 property selection, Part 8 sorting, Versioned Features
DRAFT_CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
    *schemas.DRAFT_CONFORMANCE,
    versions.CONFORMANCE,  # funding areas on their validity axis
)  # then each registered format's classes (api/formats/: JSON-FG)
# Parameters of the map pages rendered by geoservice.web (embed=1: without header and footer).
PAGE_PARAMS = frozenset({"embed"})
def check_metadata_params(*extra: str) -> None:
    """Check a metadata resource's parameters; item parameters are accepted and ignored.

    GDAL's OAPIF driver and QGIS append a connection URL's query (`OAPIF:http://host?datetime=
    2010`) to every URL they request: /, /openapi and /collections too."""
    names = {name for spec in COLLECTIONS.values() for name in params.queryable(spec)}
    names |= {param.name for param in params.item_extensions()}
    check_params_for(params.ITEM_PARAMS | names | set(extra))
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


def licence_links(spec: CollectionSpec | None = None) -> tuple[dict, ...]:
    """Return the `license` links of one collection, or of the whole service (None).

    The same for every request of a language (absolute URLs): built once per snapshot.
    """
    lang = g.get("lang", "de")
    name = spec.name if spec else None
    return dataset().memo(("ogc", "licence-links", name, lang), lambda: tuple(
        link(lic.url, "license", HTML, f"{_(lic.name)}: {_(lic.covers)}")
        for lic in licences_of(spec)))


def licence_header(spec: CollectionSpec | None = None) -> dict[str, str]:
    """Return the HTTP Link header with the licences (RFC 8288; titles left out: ASCII only)."""
    return {"Link": dataset().memo(("ogc", "licence-header", spec.name if spec else None),
                                   lambda: versions.link_header(licence_links(spec)))}


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
            link(feeds.feed_url("register"), "related", feeds.ATOM, _("Änderungen im Register")),
            *licence_links(),
        ],
    }


@bp.get("/")
def landing():
    """Landing page: JSON document, or the home page for browsers."""
    check_metadata_params(*PAGE_PARAMS)
    fmt = output_format()
    if fmt == "html":
        return map_pages.render_home()  # the residents' project map
    return respond(_memo_json("landing", landing_document), JSON, request_etag("json"),
                   headers=licence_header())


@bp.get("/conformance")
def conformance():
    """The conformance classes this service implements."""
    check_metadata_params()
    fmt = output_format()

    def document():
        return {"conformsTo": [*CONFORMANCE, *DRAFT_CONFORMANCE, *formats.conformance()],
                "links": links.self_and_alternate(fmt)}

    return _document(fmt, "conformance", document, "conformance.html", "conformance",
                     approved=set(CONFORMANCE))


@bp.get("/openapi")
def api_definition():
    """The OpenAPI 3.0 definition (JSON) or a readable overview of it (HTML)."""
    check_metadata_params()
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
    if spec.versioned:
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
        extra_links.append(link(url("areas/xplan.gml"), "enclosure", xplan.MEDIA_TYPE,
                                _("Alle Grenzstände als XPlanGML {version}", version=xplan.VERSION)))
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
            # GeoJSON's items link has no query: GDAL's OAPIF driver appends /{id} to it
            *(link(url(f"{base}/items", f=None if r.media_type == GEOJSON else r.name), "items",
                   r.media_type, _(r.collection_title))
              for r in [*formats.views("items"), *formats.downloads()]),
            link(url(f"{base}/schema", f="json"), schemas.REL_SCHEMA, SCHEMA,
                 _("Schema der Objekte")),
            link(url(f"{base}/queryables", f="json"),
                 "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA,
                 _("Filterbare Eigenschaften")),
            # the draft's `rel=queryables`: GDAL's OAPIF driver sends a filter to the server
            # only for properties listed there (its `queryables` array)
            link(url(f"{base}/queryables", f="json"), "queryables", JSON,
                 _("Filterbare Eigenschaften")),
            link(url(f"{base}/sortables", f="json"),
                 "http://www.opengis.net/def/rel/ogc/1.0/sortables", SCHEMA,
                 _("Sortierbare Eigenschaften")),
            link(feeds.feed_url("collection", spec.name), "related", feeds.ATOM,
                 _("Diese Änderungen als Atom-Feed")),
            link(url(f"{base}/changes"), "related", JSON,
                 _("Die Änderungen der Sammlung für Maschinen (JSON, Cursor)")),
            *licence_links(spec),
            *extra_links,
        ],
    }


@bp.get("/collections")
def collections():
    """The list of collections."""
    check_metadata_params()
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
    check_metadata_params()
    fmt = output_format()
    return _document(fmt, f"collection:{spec.name}", lambda: collection_document(spec),
                     "collection.html", f"collections/{spec.name}",
                     headers=licence_header(spec), spec=spec)


@bp.get("/collections/<collection_id>/schema")
def schema(collection_id: str):
    """Every property of a feature with type, role and order (JSON Schema, Part 5)."""
    spec = spec_of(collection_id)
    check_metadata_params()
    fmt = output_format()
    return _document(fmt, f"schema:{spec.name}",
                     lambda: schemas.schema_document(spec, url(f"collections/{spec.name}/schema")),
                     "queryables.html", f"collections/{spec.name}/schema", SCHEMA, spec=spec,
                     heading=_("Schema der Objekte"))


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str):
    """Every property usable in `filter` and as `?property=value` (JSON Schema, Part 3)."""
    spec = spec_of(collection_id)
    check_metadata_params()
    fmt = output_format()
    return _document(fmt, f"queryables:{spec.name}",
                     lambda: schemas.queryables_document(spec, url(f"collections/{spec.name}/queryables")),
                     "queryables.html", f"collections/{spec.name}/queryables", SCHEMA, spec=spec,
                     heading=_("Filterbare Eigenschaften"))


@bp.get("/collections/<collection_id>/sortables")
def sortables(collection_id: str):
    """The properties `sortby` accepts (JSON Schema, like the queryables)."""
    spec = spec_of(collection_id)
    check_metadata_params()
    fmt = output_format()
    return _document(fmt, f"sortables:{spec.name}",
                     lambda: schemas.sortables_document(spec, url(f"collections/{spec.name}/sortables")),
                     "queryables.html", f"collections/{spec.name}/sortables", SCHEMA, spec=spec,
                     heading=_("Sortierbare Eigenschaften"))
