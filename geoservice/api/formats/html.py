"""HTML (`f=html`): the items page with map and table, a boundary version's page; a project's
HTML is the residents' map page (the spec's `map_item_page`)."""

from __future__ import annotations

from flask import render_template

from geoservice.api import formats, links
from geoservice.api.formats import Item, Page, Renderer, register
from geoservice.api.links import HTML, url
from geoservice.http import request_etag, respond
from geoservice.web import map_pages
from geoservice.web.display import items_table


def items(page: Page):
    def build() -> str:
        rows = page.rows()
        spec = page.spec
        columns = [c for c in spec.fields if page.fields is None or c in page.fields]
        return render_template(
            "api/items.html", spec=spec, rows=rows, matched=len(page.matched), offset=page.offset,
            table=items_table(spec, rows, columns), columns=columns, links=page.links("html"),
            json_url=links.here(f="json"),
            downloads=[(links.here(f=r.name, limit=None, offset=None), r.collection_title)
                       for r in formats.downloads()])

    return respond(build, "text/html", page.etag, headers=page.licence_header)


def item(found: Item):
    if found.spec.map_item_page:
        return map_pages.render_project(found.feature_id)
    row = found.row
    return respond(lambda: render_template(
        "api/item_version.html", spec=found.spec, row=row, fid=row["id"],
        json_url=links.here(f="json"), area_url=url(f"areas/{row['area_id']}"),
        version_links=found.version_links, asked_area=found.day is not None, day=found.day,
        memento=found.headers["Memento-Datetime"]),
        "text/html", request_etag("html", *found.etag_extra), headers=found.headers)


register(Renderer(
    "html", HTML, order=20, items=items, item=item,
    page_title="Diese Seite als HTML", item_title="Dieses Objekt als HTML",
    collection_title="Objekte als HTML"))
