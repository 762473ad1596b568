"""JSON-FG 1.0 (OGC Features and Geometries JSON) of items and single features (`f=jsonfg`).

Built on the GeoJSON bytes of the feature cache (`geometry` stays WGS 84 lon/lat, as GeoJSON and
JSON-FG require), with `featureType`, `time` and, when another CRS than WGS 84 is asked for,
`place` with the geometry in that CRS and `coordRefSys` naming it at the root object.

`time` is a closed interval of days (JSON-FG intervals include both ends):
- days (a boundary version): [valid_from, the day before valid_to], or [valid_from, ".."] while in force;
- years (a project): [1 Jan of start_year, 31 Dec of end_year]; end ".." while it is planned or running
  without a known end; `null` when the start is unknown, or a finished project's end is unknown
  (the data does not say when it was, and ".." would claim it never ended).
"""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import shapely

from geoservice.api import features
from geoservice.api.features import dumps
from geoservice.api.formats import PROFILE_URI, Item, Page, Renderer, profile_headers, register
from geoservice.api.links import GEOJSON
from geoservice.domain import crs
from geoservice.domain.crs import transform_geoms
from geoservice.domain.schema import DAYS, CollectionSpec
from geoservice.http import respond

# JSON-FG 1.0 (§16): a JSON-FG document is GeoJSON, `application/geo+json`, chosen with
# `?profile=jsonfg|jsonfg-plus` (formats.negotiate); the drafts' type stays for older clients
# (`f=jsonfg`, Accept: application/vnd.ogc.fg+json)
MEDIA_TYPE = "application/vnd.ogc.fg+json"
CORE = "http://www.opengis.net/spec/json-fg-1/1.0/conf/core"
TYPES_SCHEMAS = "http://www.opengis.net/spec/json-fg-1/1.0/conf/types-schemas"
CONFORMANCE = (CORE, TYPES_SCHEMAS)
PROFILE_PLUS = PROFILE_URI + "jsonfg-plus"
DIMENSION = {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1, "Polygon": 2,
             "MultiPolygon": 2}


def has_place(target: str) -> bool:
    """Return True when the geometry also goes into `place` (any CRS other than WGS 84)."""
    return target not in (crs.CRS84, crs.EPSG_URI.format(code=4326))


def content_crs(target: str) -> str:
    """Return the CRS of the coordinates in `place`, or CRS84 (the `geometry`) without place."""
    return target if has_place(target) else crs.CRS84


def _day(value) -> date | None:
    return value if isinstance(value, date) or value is None else date.fromisoformat(str(value)[:10])


def time_of(spec: CollectionSpec, row) -> dict | None:
    """Return the JSON-FG `time` of one feature (see the module's docstring)."""
    first, last = spec.time_fields
    if spec.time_model == DAYS:
        start, end = _day(row[first]), _day(row[last])
        if start is None:
            return None
        return {"interval": [start.isoformat(),
                             ".." if end is None else (end - timedelta(days=1)).isoformat()]}
    start, end = row[first], row[last]
    start = None if start is None or start != start else int(start)
    end = None if end is None or end != end else int(end)
    if start is None:
        return None
    if end is None:
        if row["status"] == "abgeschlossen":
            return None
        return {"interval": [f"{start:04d}-01-01", ".."]}
    return {"interval": [f"{start:04d}-01-01", f"{end:04d}-12-31"]}


def features_of(rows: gpd.GeoDataFrame, spec: CollectionSpec, geojson: list[bytes], target: str,
             skip_geometry: bool, with_crs: bool = False) -> list[bytes]:
    """Return JSON-FG features: the GeoJSON bytes of each row plus the JSON-FG members.

    `with_crs` adds `conformsTo`, `featureType` and `coordRefSys` (a feature as root object)."""
    places = None
    if has_place(target) and not skip_geometry:
        places = shapely.to_geojson(transform_geoms(np.asarray(rows.geometry.array, dtype=object),
                                                    target))
    out = []
    for pos, body in enumerate(geojson):
        row = rows.iloc[pos]
        extra = {"time": time_of(spec, row)}
        if with_crs:
            extra = {"conformsTo": list(CONFORMANCE), "featureType": spec.feature_type,
                     "coordRefSys": content_crs(target), **extra}
        tail = dumps(extra)[1:-1]
        place = places[pos] if places is not None else "null"
        out.append(body[:-1] + f',{tail},"place":{place}}}'.encode())
    return out


def collection_head(spec: CollectionSpec, rows: gpd.GeoDataFrame, target: str,
                    skip_geometry: bool) -> bytes:
    """Return the members that open a JSON-FG FeatureCollection (up to `"features":[`)."""
    head = {"type": "FeatureCollection", "conformsTo": list(CONFORMANCE),
            "featureType": spec.feature_type, "coordRefSys": content_crs(target)}
    if not skip_geometry and len(rows):
        dims = {DIMENSION.get(t) for t in rows.geometry.geom_type}
        if len(dims) == 1 and None not in dims:
            head["geometryDimension"] = dims.pop()
    return dumps(head)[:-1].encode() + b',"features":['


def profile(target: str, asked: str | None = None) -> list[dict]:
    """Return the profile link: the profile asked, else JSON-FG plus for an answer with `place`
    (place + fallback geometry; such a document is also a jsonfg one)."""
    if asked is not None:
        return [{"href": PROFILE_URI + asked, "rel": "profile"}]
    return [{"href": PROFILE_PLUS, "rel": "profile"}] if has_place(target) else []


def items(page: Page):
    def build() -> bytes:
        rows = page.rows()
        cache = features.feature_cache(page.data, page.spec, crs.CRS84, page.skip_geometry, page.fields)
        tail = page.tail("jsonfg")
        body = features_of(rows, page.spec, cache.take(page.positions), page.target, page.skip_geometry)
        return b"".join((collection_head(page.spec, rows, page.target, page.skip_geometry),
                         b",".join(body), b"],", tail))

    headers = {**page.headers, "Content-Crs": crs.content_crs_header(content_crs(page.target))}
    return respond(build, GEOJSON if page.profile else MEDIA_TYPE, page.etag,
                   headers=profile_headers(headers, page.profile))


def item(found: Item):
    def build() -> bytes:  # geometry stays CRS84; place in `target` unless that is WGS 84
        body = features.feature_cache(found.data, found.spec, crs.CRS84).take(np.array([found.pos]))[0]
        body = features_of(found.data.collection(found.spec.name).iloc[[found.pos]], found.spec,
                           [body], found.target, False, with_crs=True)[0]
        return body[:-1] + b"," + features.dumps_bytes({"links": found.links("jsonfg")})[1:]

    headers = {**found.headers, "Content-Crs": crs.content_crs_header(content_crs(found.target))}
    return respond(build, GEOJSON if found.profile else MEDIA_TYPE, found.record_etag("jsonfg"),
                   headers=profile_headers(headers, found.profile))


register(Renderer(
    "jsonfg", MEDIA_TYPE, order=50, items=items, item=item, profile=profile, conformance=CONFORMANCE,
    page_title="Diese Seite als JSON-FG", item_title="Dieses Objekt als JSON-FG",
    collection_title="Objekte als JSON-FG",
    items_schema={"$ref": "#/components/schemas/featureCollectionJSONFG"},
    item_schema={"$ref": "#/components/schemas/featureJSONFG"}))
