"""GeoJSON (`f=json`): the default answer of items and items/{id}, from the feature cache's bytes."""

from __future__ import annotations

import numpy as np

from geoservice.api import features
from geoservice.api.formats import Item, Page, Renderer, profile_headers, register
from geoservice.api.links import GEOJSON
from geoservice.domain import crs
from geoservice.http import respond


def items(page: Page):
    def build() -> bytes:
        cache = features.feature_cache(page.data, page.spec, page.target, page.skip_geometry, page.fields)
        return b"".join((b'{"type":"FeatureCollection","features":[',
                         b",".join(cache.take(page.positions)), b"],", page.tail("json")))

    return respond(build, GEOJSON, page.etag, headers=profile_headers(page.headers, page.profile))


def item(found: Item):
    def build() -> bytes:
        body = features.feature_cache(found.data, found.spec, found.target).take(np.array([found.pos]))[0]
        return body[:-1] + b"," + features.dumps_bytes({"links": found.links("json")})[1:]

    headers = profile_headers({**found.headers, "Content-Crs": crs.content_crs_header(found.target)},
                              found.profile)
    return respond(build, GEOJSON, found.record_etag("json"), headers=headers)


register(Renderer(
    "json", GEOJSON, order=10, items=items, item=item,
    page_title="Diese Seite als GeoJSON", item_title="Dieses Objekt als GeoJSON",
    collection_title="Objekte als GeoJSON"))
