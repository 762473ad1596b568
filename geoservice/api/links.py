"""Link objects and URLs relative to the service's base URL.

The links to the current resource (self, alternate, next/prev pages) come from one template per
request: the base URL and path, and each query parameter encoded once. Only parameters the
resource validated reach it (every route rejects unknown ones and repeated ones with different
values first).
"""

from __future__ import annotations

from urllib.parse import quote_plus, urlencode

from flask import g, request

from geoservice.cache import canonical_query
from geoservice.http import base_url, query_pieces

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA = "application/schema+json"
GPKG = "application/geopackage+sqlite3"
CSV = "text/csv"


def url(path: str = "", **params) -> str:
    """Return the absolute URL of a service path with query parameters (None values dropped)."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return base_url() + path.lstrip("/") + (f"?{query}" if query else "")


def _template() -> tuple[str, dict[str, str]]:
    """Return this request's URL without query, and its parameters as encoded `name=value`.

    A request in canonical spelling (geoservice.cache: the answers that may be kept) gets its
    parameters sorted by name and encoded as the service writes them: every ordering of one
    request gives the same links (and one cache entry). Any other request gets its parameters as
    the caller spelled them, in the caller's order (http.query_pieces): a client that appends
    its own parameters unless it finds them verbatim (GDAL's OAPIF driver with a connection URL
    `?recorded=…`) finds them in `next`.
    """
    template = g.get("_link_template")
    if template is None:
        if canonical_query() is not None:
            pairs = {name: f"{quote_plus(name)}={quote_plus(value)}"
                     for name, value in sorted(request.args.items())}
        else:
            pairs = query_pieces()
        template = (base_url() + request.path.lstrip("/"), pairs)
        g._link_template = template
    return template


def here(**changes) -> str:
    """Return the current request's URL with some query parameters replaced (None removes)."""
    prefix, pairs = _template()
    if changes:
        pairs = dict(pairs)
        for name, value in changes.items():
            if value is None:
                pairs.pop(name, None)
            else:
                pairs[name] = f"{quote_plus(name)}={quote_plus(str(value))}"
    return f"{prefix}?{'&'.join(pairs.values())}" if pairs else prefix


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict:
    """Return an OGC link object."""
    item = {"href": href, "rel": rel, "type": type_}
    if title:
        item["title"] = title
    return item


def self_and_alternate(fmt: str, json_type: str = JSON, title_json: str = "JSON",
                       title_html: str = "HTML") -> list[dict]:
    """Return the self link in `fmt` and the alternate link in the other format."""
    as_json = link(here(f="json"), "self" if fmt == "json" else "alternate", json_type, title_json)
    as_html = link(here(f="html"), "self" if fmt == "html" else "alternate", HTML, title_html)
    return [as_json, as_html] if fmt == "json" else [as_html, as_json]
