"""Map pages for residents and planners (folium maps rendered into Jinja templates)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, g, request

from geoservice import i18n

bp = Blueprint("web", __name__)

LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


@bp.get("/compare")
def compare() -> Response:
    """Change map between two years: /compare?from=YEAR&to=YEAR."""
    from geoservice.web import map_pages

    return map_pages.render_compare()


def register(app: Flask) -> None:
    """Register the page blueprints and static vendor assets."""
    from geoservice.web import display, editor, editor_xplan, items_map, legal, pages, static, strings

    static.init_app(app)  # fingerprinted, precompressed /static/ (replaces Flask's view)
    app.register_blueprint(bp)
    editor.register(app)  # /edit: the web editor (login, project list, forms, history)
    editor_xplan.register(app)  # /edit/xplan: administrators upload an official XPlanGML plan
    legal.register(app)  # imprint, privacy, accessibility statement + feedback (web/legal.py)
    app.add_template_filter(display.linkify, "linkify")
    app.add_template_filter(pages.public, "public")
    app.add_template_global(items_map.items_map, "items_map")  # the map of api/items.html
    app.add_template_global(items_map.timeline_chart, "timeline_chart")  # api/timeline.html

    @app.context_processor
    def _formats() -> dict:
        # dates, numbers and status/category labels in the page's language on every page
        # (the map pages pass their own, equal ones)
        lang = g.get("lang", "de")
        return {**display.template_formats(lang), "label": lambda v: strings.value_label(v, lang)}

    @app.context_processor
    def _lang_switch() -> dict:
        def lang_url(code: str) -> str:
            """Return the current URL with ?lang= set (for pages that pass no canonical URLs)."""
            args = {k: v for k, v in request.args.items() if k != "lang"}
            return request.path + "?" + urlencode({**args, "lang": code})
        return {"lang_url": lang_url}

    @app.after_request
    def _remember_language(response: Response) -> Response:
        # the visible switch links carry ?lang=; remember that choice for the next pages
        chosen = request.args.get("lang")
        if chosen in i18n.LANGUAGES and request.cookies.get("lang") != chosen:
            response.set_cookie("lang", chosen, max_age=LANG_COOKIE_MAX_AGE, samesite="Lax",
                                httponly=True)
        return response
