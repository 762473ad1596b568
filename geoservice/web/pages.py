"""The frame every map page shares: parameters of a page (embed, language links), the map's
tiles and assets, rendering into templates/pages/ and serving with ETag/Last-Modified.

Rendered pages are cached per (page, language, embed, parameters) in Dataset.memo, so a data
reload invalidates them, and are served with ETag/Last-Modified through http.respond. The pages
themselves are in web/map_pages.py; how they write values in web/display.py.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from flask import Response, current_app, g, render_template, request
from markupsafe import Markup

from geoservice import http, params
from geoservice.domain import clock
from geoservice.web import (
    strings,  # noqa: F401  (registers the English UI strings)
    strings_compare,  # noqa: F401  (compare forms, change-year notes)
    strings_places,  # noqa: F401  (English strings of search and inside check)
)
from geoservice.web.display import (
    area_url,
    link,
    project_url,
    template_formats,
    years_text,
)

FIRST_YEAR = 2000


CHECK_FORM_ID = "inside-check"


def _maps():
    """Return the maps module; folium takes ~0.5 s to import, so it loads with the first map."""
    from geoservice.web import maps

    return maps


def _embed() -> bool:
    return params.embed(request.args.get("embed"))


def _tiles():
    cfg = current_app.config
    return _maps().Tiles(url=cfg.get("TILE_URL", ""), attribution=cfg.get("TILE_ATTRIBUTION", ""),
                      consent_url=cfg.get("TILE_CONSENT_URL", ""),
                      consent_attribution=cfg.get("TILE_CONSENT_ATTRIBUTION", ""))


def _sources_url() -> str:
    """Where the map notice links: the page's sources table (the full page when embedded)."""
    return (request.path + "#sources") if _embed() else "#sources"


def _static_url():
    """Return the fingerprinting URL function for static files (see web/static.py)."""
    from geoservice.web.static import static_url

    return static_url


def _lang_urls(params: dict[str, str]) -> dict[str, str]:
    """Return this page's URL per language, built only from the canonical parameters."""
    return {code: request.path + "?" + urlencode({**params, "lang": code}) for code in ("de", "en")}


def _places() -> list[dict]:
    """Return the place features (streets, stops, ...) of DATA_DIR/context/places.geojson."""
    from geoservice.domain import places

    return places.read_places(current_app.config["DATA_DIR"])[0]


def _check_strings() -> dict:
    from geoservice.web import places

    return places.check_strings()


def _page(template: str, params: dict[str, str], **context) -> str:
    if _embed():
        params = {**params, "embed": "1"}
    context.setdefault("search_strings", _check_strings())
    context.setdefault("data_date", http.dataset().last_modified.date())
    return render_template(template, embed=_embed(), lang_urls=_lang_urls(params),
                           **template_formats(g.lang), years_text=years_text,
                           label=lambda v: strings.value_label(v, g.lang),
                           value_labels=strings.value_labels(g.lang),
                           link=link, project_url=project_url, area_url=area_url, **context)


def _serve(name: str, params: dict[str, str], build: Callable[[], str]) -> Response:
    """Render (or reuse) a page and answer it with ETag/Last-Modified; 304 when fresh."""
    data = http.dataset()
    key = ("page", name, g.lang, _embed(), tuple(sorted(params.items())), request.script_root,
           clock.this_year())

    def render() -> tuple[bytes, str]:
        body = build().encode("utf-8")
        return body, http.etag_for(data.version, body)

    body, tag = data.memo(key, render)
    response = http.respond(body, "text/html", etag=tag)
    response.vary.add("Cookie")
    return response


def _map_parts(m) -> dict[str, Markup]:
    return {k: Markup(v) for k, v in _maps().components(m).items()}


def _sources(rows) -> list[dict]:
    return [{k: row[k] for k in row.index if k not in ("geometry", "metric", "_t0", "_t1", "_ongoing")}
            for _, row in rows.iterrows()]


def change_years(rows, last_year: int) -> list[int]:
    """Return the years in which a boundary version began or ended (the slider marks them)."""
    days = [d for d in list(rows["valid_from"]) + list(rows["valid_to"]) if d is not None]
    return sorted({d.year for d in days if FIRST_YEAR <= d.year <= last_year})


def _area_names(rows) -> dict[str, str]:
    ordered = rows.sort_values("valid_from")
    return dict(zip(ordered["area_id"], ordered["name"], strict=True))


def public(text) -> str:
    """Jinja filter: a source or method note without commit ids, repository refs or file paths."""
    return _maps().public_text(text)
