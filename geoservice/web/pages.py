"""HTML map pages: parse parameters, ask the domain, build folium maps, render templates/pages/.

Rendered pages are cached per (page, language, embed, parameters) in Dataset.memo, so a data
reload invalidates them, and are served with ETag/Last-Modified through http.respond.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import quote, urlencode

import pandas as pd
import shapely
from flask import Response, current_app, g, render_template, request, url_for
from markupsafe import Markup, escape

from geoservice import cache, http, i18n
from geoservice.domain import areas as area_domain
from geoservice.domain import clock, timeutil
from geoservice.errors import InvalidParameter, NotAcceptable, NotFound
from geoservice.http import _
from geoservice.web import (
    strings,  # noqa: F401  (registers the English UI strings)
    strings_places,  # noqa: F401  (English strings of search and inside check)
)

FIRST_YEAR = 2000
CHECK_FORM_ID = "inside-check"
_URL = re.compile(r"(https?://[^\s;|,]+)")


# --------------------------------------------------------------------------- helpers

def _maps():
    """Return the maps module; folium takes ~0.5 s to import, so it loads with the first map."""
    from geoservice.web import maps

    return maps


def link(path: str) -> str:
    """Return an absolute path inside this service (respects a mount prefix)."""
    return request.script_root + path


def project_url(fid: str) -> str:
    """Return the URL of a project's page."""
    return link(f"/collections/projects/items/{quote(fid, safe='')}")


def area_url(area_id: str) -> str:
    """Return the URL of an area's fact sheet."""
    return link(f"/areas/{quote(area_id, safe='')}")


def linkify(text: str | None) -> Markup:
    """Escape text and turn http(s) URLs in it into links (Jinja filter)."""
    if not text:
        return Markup("")
    out = []
    for part in _URL.split(str(text)):
        if _URL.fullmatch(part):
            out.append(Markup('<a href="{0}" rel="noopener noreferrer">{0}</a>').format(part))
        else:
            out.append(escape(part))
    return Markup("").join(out)


def fmt_number(value: float | None, lang: str, decimals: int = 2) -> str:
    """Format a number for the UI language (German decimal comma)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",") if lang == "de" else text


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt_date(value: date | None, lang: str) -> str:
    """Format a day for the UI language: '13.07.2000' / '13 Jul 2000' (as GS.formatDate)."""
    if value is None:
        return _("offen")
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if lang == "de":
        return value.strftime("%d.%m.%Y")
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def fmt_month(year: int, month: int, lang: str) -> str:
    """Format a month known to the month only: 'Juli 2000' / 'Jul 2000'."""
    if lang == "de":
        return f"{MONTHS_DE[month - 1]} {year}"
    return f"{MONTHS_EN[month - 1]} {year}"


MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
             "Oktober", "November", "Dezember")


def years_text(start: int | None, end: int | None) -> str:
    """Describe a project's years (inclusive; unknown ends stay open)."""
    if start is None and end is None:
        return _("unbekannt")
    if start is None:
        return f"{_('bis')} {end}"
    if end is None:
        return f"{_('seit')} {start}"
    return str(start) if start == end else f"{start}–{end}"


def check_page_params(allowed) -> None:
    """Check the parameters of an HTML page: known ones strictly, unknown ones ignored.

    Links pick up tracking parameters on the way (utm_*, fbclid, gclid, ...); a person following
    one should get the page, not a 400. Known parameters (and lang) are still validated; the JSON
    API stays strict (http.check_params).
    """
    known = http.COMMON_PARAMS.union(allowed)
    lang = request.args.get("lang")
    if lang is not None and lang not in i18n.LANGUAGES:
        raise InvalidParameter(f"lang: '{lang}' is not offered; use one of {', '.join(i18n.LANGUAGES)}")
    for name in request.args:
        if name in known and len(request.args.getlist(name)) > 1:
            raise InvalidParameter(f"{name}: given more than once "
                                   f"({', '.join(request.args.getlist(name))}); give it once")


def check_params_for(allowed, offered=("json", "html")) -> None:
    """Strict parameters for JSON (and other data formats), lenient ones for an HTML answer."""
    try:
        fmt = http.output_format(offered)
    except NotAcceptable:
        fmt = None
    if fmt == "html":
        check_page_params(allowed)
    else:
        http.check_params(allowed)


def _embed() -> bool:
    return request.args.get("embed", "").lower() in ("1", "true", "yes")


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
                           fmt_number=lambda v, d=2: fmt_number(v, g.lang, d),
                           fmt_date=lambda v: fmt_date(v, g.lang), years_text=years_text,
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


def _year_param(name: str, default: int) -> tuple[str, date]:
    raw = request.args.get(name)
    if raw is None or raw == "":
        raw = str(default)
    day = timeutil.parse_date(raw, name)  # raises InvalidParameter naming the bad value
    return raw.strip(), day


def _sources(rows) -> list[dict]:
    return [{k: row[k] for k in row.index if k not in ("geometry", "metric", "_t0", "_t1", "_ongoing")}
            for _, row in rows.iterrows()]


# --------------------------------------------------------------------------- pages

def render_home() -> Response:
    """Render the landing page: areas and projects on one map with year slider, filters, list."""
    year = clock.this_year()

    def build() -> str:
        data = http.dataset()
        m = _maps().home_map(data, _static_url(), _tiles(), year, _, project_url("__ID__"),
                          _sources_url(), places=_places(), check_form_id=CHECK_FORM_ID)
        projects = data.projects.sort_values("title", kind="stable")
        colours = _maps().category_colours(data)
        return _page(
            "pages/home.html", {}, map=_map_parts(m), year=year, first_year=FIRST_YEAR,
            projects=[row for _, row in projects.iterrows()],
            categories=list(colours.items()),
            statuses=sorted({s for s in data.projects["status"] if s}),
            versions=_sources(data.funding_areas.sort_values(["valid_from", "area_id"])),
            area_ids=area_domain.area_ids(data.funding_areas),
            area_names=_area_names(data.funding_areas),
            form_id=CHECK_FORM_ID, today=clock.today().isoformat(), check_strings=_check_strings(),
            change_years=change_years(data.funding_areas, year),
        )
    return _serve("home", {}, build)


def change_years(rows, last_year: int) -> list[int]:
    """Return the years in which a boundary version began or ended (the slider marks them)."""
    days = [d for d in list(rows["valid_from"]) + list(rows["valid_to"]) if d is not None]
    return sorted({d.year for d in days if FIRST_YEAR <= d.year <= last_year})


def _area_names(rows) -> dict[str, str]:
    ordered = rows.sort_values("valid_from")
    return dict(zip(ordered["area_id"], ordered["name"], strict=True))


def render_compare() -> Response:
    """Render the change map between two years (or dates): ?from=YEAR&to=YEAR.

    A year means the whole year, as on the home map and in the API's `datetime=YEAR`: the
    boundaries compared are those in force at any time in that year (in a year with a boundary
    change, both versions count). A full date (YYYY-MM-DD) compares that one day.
    """
    this_year = clock.this_year()
    check_params_for(("from", "to", "embed"))
    raw_from, when_from = _year_range("from", 2001)
    raw_to, when_to = _year_range("to", this_year)
    if when_from.start > when_to.start:
        raise InvalidParameter(f"from: '{raw_from}' is after to '{raw_to}'; swap them")
    labels = {"added": _("hinzugekommen"), "removed": _("weggefallen"),
              "unchanged": _("unverändert")}

    def build() -> str:
        data = http.dataset()
        before = area_domain.versions(data.funding_areas, when_from)
        after = area_domain.versions(data.funding_areas, when_to)
        parts = area_domain.compare(_union_metric(before), _union_metric(after))
        area_labels = {p.change: f"{fmt_number(p.area_ha, g.lang)} ha" for p in parts}
        m = _maps().change_map(data, _static_url(), _tiles(), parts, labels, area_labels, _,
                            _sources_url(), places=_places())
        return _page(
            "pages/compare.html", {"from": raw_from, "to": raw_to}, map=_map_parts(m),
            raw_from=raw_from, raw_to=raw_to, when_from=when_from, when_to=when_to,
            period_from=period_text(raw_from, when_from), period_to=period_text(raw_to, when_to),
            parts=parts, labels=labels, colours=_maps().CHANGE_COLOURS,
            before=_sources(before), after=_sources(after),
            versions=_sources(_concat_unique(before, after)),
            years=list(range(FIRST_YEAR, this_year + 1)),
        )
    return _serve("compare", {"from": raw_from, "to": raw_to}, build)


def _year_range(name: str, default: int):
    """Return the raw value and its DayRange: a year is the whole year, a date that day."""
    raw = (request.args.get(name) or str(default)).strip()
    timeutil.parse_date(raw, name)  # one day or year; raises InvalidParameter naming the value
    # the canonical spelling (YYYY, YYYY-MM or YYYY-MM-DD) keys the page: every other spelling of
    # the same period (a date-time, an offset, ...) is the same page, not a new memo entry
    canonical = timeutil.canonical_point(raw, name)
    return canonical, timeutil.parse_datetime(canonical, name)


def period_text(raw: str, when) -> str:
    """Describe a compared period: 'im Jahr 2016' or 'am 29.09.2016'."""
    if len(raw) == 4:
        return _("im Jahr {year}", year=raw)
    return _("am {day}", day=fmt_date(when.start, g.lang))


def period_short(raw: str, when) -> str:
    """Name a compared period in a heading: '2016 (ganzes Jahr)' or '29.09.2016'."""
    if len(raw) == 4:
        return _("{year} (ganzes Jahr)", year=raw)
    return fmt_date(when.start, g.lang)


def _union_metric(rows):
    return shapely.union_all(rows["metric"].values) if len(rows) else shapely.Polygon()


def _concat_unique(*frames):
    """Return the rows of several frames of the same collection, each id once."""
    return pd.concat(frames).drop_duplicates("id")


def render_area(area_id: str) -> Response:
    """Render an area's fact sheet: versions, steps with maps, and the inside check."""
    data = http.dataset()
    rows = area_domain.require_area(data.funding_areas, area_id)  # NotFound names the id
    labels = {"added": _("hinzugekommen"), "removed": _("weggefallen"),
              "unchanged": _("unverändert")}

    # ?datetime= (a year, month or day, as the timeline links): the map shows the versions of this
    # area in force then; without it the newest one
    raw_when = (request.args.get("datetime") or "").strip()
    when = timeutil.parse_datetime(raw_when, "datetime") if raw_when else None
    raw_when = canonical_period(raw_when, when) if when else ""  # the cache key: parsed, not as typed
    params = {"datetime": raw_when} if raw_when else {}

    def build() -> str:
        steps = area_domain.steps(data.funding_areas, area_id)
        drawn = []
        for step in steps:
            before = _previous_metric(data.funding_areas, step)
            after = data.funding_areas.loc[step.version["id"], "metric"]
            # the same comparison steps() measures, drawn for the eye
            parts = area_domain.compare(before, after)
            if step is steps[0]:
                # an area split off another did not "lose" the rest: that rest is another area
                parts = [p for p in parts if p.change != "removed"]
            title = _("Schritt zur Version {id}: hinzugekommen grün, weggefallen rot, unverändert grau",
                      id=step.version["id"])
            drawn.append({"step": step, "svg": Markup(_maps().step_svg(parts, title, labels)),
                          "parts": parts})
        shown = list(area_domain.versions(data.funding_areas, when, area_id)["id"]) if when else None
        m = _maps().area_map(data, _static_url(), _tiles(), area_id, _, _sources_url(), CHECK_FORM_ID,
                             places=_places(), shown_ids=shown,
                             shown_range=[when.start.isoformat() if when.start else None,
                                          when.end.isoformat() if when.end else None] if when else None)
        timeline = [item for item in data.timeline if item.get("area_id") in (area_id, None)]
        versions = _sources(rows)
        return _page(
            "pages/area.html", params, map=_map_parts(m), area_id=area_id,
            when_text=period_label(raw_when, when) if when else None, shown_ids=shown,
            name=versions[-1]["name"], versions=versions, steps=drawn, labels=labels,
            colours=_maps().CHANGE_COLOURS, timeline=timeline,
            today=clock.today().isoformat(), form_id=CHECK_FORM_ID,
            check_strings=_check_strings(),
        )
    return _serve(f"area:{area_id}", params, build)


def canonical_period(raw: str, when) -> str:
    """Return one spelling per period and precision: 'YYYY', 'YYYY-MM', a day, or 'start/end'."""
    if re.fullmatch(r"[0-9]{4}(-[0-9]{2})?", raw):
        return raw
    if when.is_instant:
        return when.start.isoformat()
    last = when.end - timedelta(days=1) if when.end else None
    return f"{when.start.isoformat() if when.start else '..'}/{last.isoformat() if last else '..'}"


def period_label(raw: str, when) -> str:
    """Describe a period no more precisely than it was given: 'im Jahr 2004', 'im Juli 2004',
    'am 01.07.2004', or 'vom … bis …' for an interval."""
    text = raw.strip()
    if re.fullmatch(r"[0-9]{4}", text):
        return _("im Jahr {year}", year=text)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
        return _("im {month}", month=fmt_month(int(text[:4]), int(text[5:7]), g.lang))
    if when.is_instant:
        return _("am {day}", day=fmt_date(when.start, g.lang))
    last = when.end - timedelta(days=1) if when.end else None
    return _("vom {start} bis {end}", start=fmt_date(when.start, g.lang) if when.start else "…",
             end=fmt_date(last, g.lang) if last else "…")


# What url_for() leaves unquoted in a path part (werkzeug's converters, WHATWG path segment).
URL_SAFE = "!$&'()*+,/:;=@"


def item_href(spec) -> Callable[[object], str]:
    """Return fid -> the URL of its item page as HTML: one url_for() pattern for a whole page
    instead of one call per row (the same quoting)."""
    head, tail = url_for("ogc.item", collection_id=spec.name, feature_id="-", f="html").split("/-?")
    return lambda fid: f"{head}/{quote(str(fid), safe=URL_SAFE)}?{tail}"


def items_table(spec, rows, columns: list[str]) -> list[tuple[str, str, dict]]:
    """Return the rows of an items page's table as (id, item page URL, {column: value}),
    read column-wise (a pandas row per table row costs more than the rest of the page)."""
    href = item_href(spec)
    values = zip(rows.index, *(rows[c].tolist() for c in columns), strict=True)
    return [(fid, href(fid), dict(zip(columns, cells, strict=True))) for fid, *cells in values]


def items_map(spec, rows) -> dict[str, Markup]:
    """Return the map of one page of a collection's items (template global of api/items.html).

    The map holds exactly the rows of the page's table (the same filter, sort and paging), each
    with a popup linking to its item page; reconstructed boundaries carry the notice. The map
    itself is built once per collection, language and base URL (maps.MapShell); the page's
    features, legend and view are filled in.
    """
    from geoservice.domain.schema import FUNDING_AREAS

    data = http.dataset()
    maps = _maps()
    lang = g.lang
    features, legend = [], {}
    item_url = item_href(spec)

    def feature(fid, geometry, colour: str, kind: str, title: str, popup: list, **extra) -> dict:
        url = item_url(fid)
        return {"type": "Feature", "geometry": geometry, "properties": {
            "id": str(fid), "title": title, "url": url, "colour": colour, "kind": kind,
            "rows": popup, **extra}}

    if spec is FUNDING_AREAS:
        colours = maps.area_colours(data)
        accuracy = rows["accuracy"].tolist()
        reconstructed = "reconstructed" in accuracy
        for fid, geom, name, area_id, programme, start, end, hectares, acc in zip(
                rows.index, rows.geometry, rows["name"], rows["area_id"], rows["programme"],
                rows["valid_from"], rows["valid_to"], rows["area_ha"], accuracy, strict=True):
            is_rec = acc == "reconstructed"
            until = fmt_date(end - timedelta(days=1), lang) if end else _("heute")
            colour = colours.get(area_id, "#333333")
            # a boundary's rounded GeoJSON, once per snapshot (thousands of vertices)
            shape = data.memo(("maps", "item-geometry", spec.name, fid), lambda geom=geom: maps._geometry(geom))
            features.append(feature(fid, shape, colour, "area", f"{name} ({fid})", [
                [_("Programm"), programme],
                [_("Gültig"), f"{fmt_date(start, lang)} – {until}"],
                [_("Fläche"), f"{fmt_number(hectares, lang)} ha"],
                [_("Genauigkeit"), _("schematische Rekonstruktion") if is_rec
                 else _("amtliche Grenze")]], reconstructed=bool(is_rec)))
            legend[name] = {"label": str(name), "colour": colour, "kind": "area"}
        bounds = rows.total_bounds if len(rows) else data.funding_areas.total_bounds
    else:
        reconstructed = False
        colours = maps.category_colours(data)
        xs, ys = [], []
        for fid, geom, title, category, status, start, end in zip(
                rows.index, rows.geometry, rows["title"], rows["category"], rows["status"],
                rows["start_year"], rows["end_year"], strict=True):
            rep = geom if geom.geom_type == "Point" else geom.representative_point()
            x, y = round(rep.x, 6), round(rep.y, 6)
            xs.append(x)
            ys.append(y)
            colour = colours.get(category, "#333333")
            features.append(feature(fid, {"type": "Point", "coordinates": [x, y]}, colour, "marker",
                                    str(title), [
                                        [_("Jahre"), years_text(start, end)],
                                        [_("Status"), strings.value_label(status, lang)],
                                        [_("Kategorie"), strings.value_label(category, lang)]]))
            legend[category] = {"label": strings.value_label(category, lang), "colour": colour,
                                "kind": "marker"}
        bounds = ((min(xs), min(ys), max(xs), max(ys)) if xs
                  else data.funding_areas.total_bounds)

    shell = cache.memo(data, ("maps", "items-shell", spec.name, reconstructed), lambda: (
        maps.items_map_shell(data, _static_url(), _tiles(), reconstructed, _, link("/areas"), {
            "open": _("Objekt öffnen"),
            "reconstructed": _("Schematische Rekonstruktion, nicht die rechtsverbindliche Grenze."),
        }, places=_places())), query=False)
    parts = shell.fill(items={"type": "FeatureCollection", "features": features},
                       legend=list(legend.values()), **maps.items_view(bounds))
    return {k: Markup(v) for k, v in parts.items()}


def timeline_chart(milestones) -> dict:
    """Return the visual timeline of /timeline (template global of api/timeline.html)."""
    from geoservice.web import timeline

    data = http.dataset()
    today = clock.today()
    return timeline.build(data, list(milestones), g.lang, today, link, _maps().area_colours(data),
                          change_years(data.funding_areas, today.year), _)


def status_in_year(status: str | None, start: int | None, end: int | None, year: int,
                   this_year: int) -> str | None:
    """Return a project's status in a past year (the same rule as GS.statusInYear in the browser).

    Before its start year a project was planned; from its start to its end year it was running,
    even if it is finished now; this year and later, and where nothing is known, the recorded
    status holds.
    """
    if year >= this_year or not status:
        return status
    if start is not None and year < start:
        return "geplant"
    if status == "abgeschlossen" and start is not None and (end is None and year == start
                                                             or end is not None and year <= end):
        return "laufend"
    return status


def status_phases(status: str | None, start: int | None, end: int | None,
                  this_year: int) -> list[tuple[str, str]]:
    """Return (years, status) phases for the project page: 'bis 2018: geplant', ..."""
    if not status or start is None:
        return []
    phases = [(f"{_('bis')} {start - 1}", "geplant")]
    running_to = end if end is not None else start
    if status == "abgeschlossen" and running_to < this_year:
        years = str(start) if running_to == start else f"{start}–{running_to}"
        phases.append((years, "laufend"))
        phases.append((f"{_('ab')} {running_to + 1}" if end is not None else _("später"), status))
    elif status == "geplant":
        phases = [(_("heute"), status)]
    else:
        phases.append((f"{_('seit')} {start}", status))
    return phases


def public(text) -> str:
    """Jinja filter: a source or method note without commit ids, repository refs or file paths."""
    return _maps().public_text(text)


def _previous_metric(areas, step):
    if not step.previous_id:
        return shapely.Polygon()
    ids = [i.strip() for i in step.previous_id.split(",")]
    return shapely.union_all(areas.loc[ids, "metric"].values)


def render_project(fid: str) -> Response:
    """Render a project's page: all fields, a small map and the sources."""
    data = http.dataset()
    if fid not in data.projects.index:
        raise NotFound(f"project '{fid}' does not exist in collection 'projects'")

    def build() -> str:
        row = data.projects.loc[fid]
        # the project's known time, by the rule every time query follows (timeutil.project_days)
        known = timeutil.project_days(row["start_year"], row["end_year"], row["status"],
                                      clock.this_year())
        versions = area_domain.versions(data.funding_areas, timeutil.DayRange(*known)) \
            if known else data.funding_areas.iloc[0:0]
        if versions.empty:
            versions = area_domain.versions_on(data.funding_areas, clock.today())
        m = _maps().project_map(data, _static_url(), _tiles(), fid, _, project_url("__ID__"),
                             _sources_url(), list(versions["id"]), places=_places())
        start, end = row["start_year"], row["end_year"]
        project_years = (str(start) if start == end else f"{start}/{end}") if start and end else \
            str(start or end or clock.this_year())
        funding = row["funding"]
        if funding and funding == row["location_method"]:
            funding = None  # a location note in the funding field is not a funding statement
        return _page("pages/project.html", {}, map=_map_parts(m), p=row,
                     versions=_sources(versions),
                     area_names=_area_names(data.funding_areas),
                     project_years=project_years, funding=funding,
                     phases=status_phases(row["status"], start, end, clock.this_year()),
                     json_url=project_url(fid) + "?f=json")
    return _serve(f"project:{fid}", {}, build)
