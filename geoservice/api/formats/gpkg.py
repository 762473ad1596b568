"""GeoPackage download (`f=gpkg`): typed columns, EPSG CRS, attribution (geoservice/exports.py)."""

from __future__ import annotations

from geoservice import exports as downloads
from geoservice.api.formats import Page, Renderer, register
from geoservice.api.links import GPKG
from geoservice.http import respond


def items(page: Page):
    def build() -> bytes:
        rows = page.rows(page.positions if page.paged else page.matched)
        return downloads.geopackage(rows, page.spec, page.fields, page.target, page.skip_geometry)

    headers = {**page.headers,
               "Content-Disposition": f'attachment; filename="{page.spec.name}.gpkg"'}
    return respond(build, GPKG, page.etag, headers=headers)


register(Renderer(
    "gpkg", GPKG, order=30, download=True, items=items,
    collection_title="Download als GeoPackage",
    items_schema={"type": "string", "format": "binary"}))
