"""CSV download (`f=csv`): UTF-8, geometry as WKT with x = easting/longitude (geoservice/exports.py)."""

from __future__ import annotations

from geoservice import exports as downloads
from geoservice.api.formats import Page, Renderer, register
from geoservice.api.links import CSV
from geoservice.http import respond


def items(page: Page):
    def build() -> bytes:
        rows = page.rows(page.positions if page.paged else page.matched)
        return downloads.csv_text(rows, downloads.download_fields(page.spec, page.fields),
                                  page.target, page.skip_geometry)

    headers = {**page.headers,
               "Content-Disposition": f'attachment; filename="{page.spec.name}.csv"'}
    # "text/csv": the response adds "; charset=utf-8" to every text/* type itself
    return respond(build, CSV, page.etag, headers=headers)


register(Renderer(
    "csv", CSV, order=40, download=True, items=items,
    collection_title="Download als CSV", items_schema={"type": "string"}))
