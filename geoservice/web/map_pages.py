"""The map pages: home, a project, an area's fact sheet and the change map between two periods.

Each parses its parameters (declared in geoservice.params), asks the domain, builds its folium
map and renders templates/pages/ through the frame of web/pages.py.
"""

from __future__ import annotations

import pandas as pd
import shapely
from flask import Response, g, request
from markupsafe import Markup

from geoservice import http, params
from geoservice.domain import areas as area_domain
from geoservice.domain import clock, timeutil
from geoservice.domain.schema import FUNDING_AREAS, PROJECTS
from geoservice.errors import InvalidParameter, NotFound
from geoservice.http import _
from geoservice.web.display import (
    canonical_period,
    change_year_notes,
    fmt_number,
    period_label,
    period_short,
    period_text,
    project_url,
    status_phases,
)
from geoservice.web.pages import (
    CHECK_FORM_ID,
    FIRST_YEAR,
    _area_names,
    _check_strings,
    _map_parts,
    _maps,
    _page,
    _places,
    _serve,
    _sources,
    _sources_url,
    _static_url,
    _tiles,
    change_years,
)


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


def render_compare() -> Response:
    """Render the change map between two years (or dates): ?from=YEAR&to=YEAR.

    A year means the whole year, as on the home map and in the API's `datetime=YEAR`: the
    boundaries compared are those in force at any time in that year (in a year with a boundary
    change, both versions count). A full date (YYYY-MM-DD) compares that one day.
    """
    this_year = clock.this_year()
    http.check_params_for(("from", "to", "embed"))
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
            short_from=period_short(raw_from, when_from), short_to=period_short(raw_to, when_to),
            parts=parts, labels=labels, colours=_maps().CHANGE_COLOURS,
            before=_sources(before), after=_sources(after),
            versions=_sources(_concat_unique(before, after)),
            years=list(range(FIRST_YEAR, this_year + 1)),
            year_notes=change_year_notes(data.funding_areas, {"from": raw_from, "to": raw_to}, {}),
        )
    return _serve("compare", {"from": raw_from, "to": raw_to}, build)


def _year_range(name: str, default: int):
    """Return the canonical spelling and its DayRange: a year is the whole year, a date that day;
    empty or absent is the default year. The canonical spelling (YYYY, YYYY-MM or YYYY-MM-DD)
    keys the page: every other spelling of the same period is the same page, not a new entry."""
    found = params.period(request.args.get(name) or str(default), name)
    return found.canonical, found.days


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
            before = _previous_metric(data, step)
            after = _version(data, step.version["id"])["metric"]
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
            when_value=raw_when,
            year_notes=change_year_notes(rows, {"datetime": raw_when}, {}) if raw_when else [],
            name=versions[-1]["name"], versions=versions, steps=drawn, labels=labels,
            colours=_maps().CHANGE_COLOURS, timeline=timeline,
            today=clock.today().isoformat(), form_id=CHECK_FORM_ID,
            check_strings=_check_strings(),
        )
    return _serve(f"area:{area_id}", params, build)


def _version(data, version_id: str):
    """The row of a boundary version the area's steps name (they come from the same state)."""
    row = data.row(FUNDING_AREAS.name, version_id)
    if row is None:
        raise KeyError(version_id)
    return row


def _previous_metric(data, step):
    if not step.previous_id:
        return shapely.Polygon()
    ids = [i.strip() for i in step.previous_id.split(",")]
    return shapely.union_all([_version(data, i)["metric"] for i in ids])


def render_project(fid: str) -> Response:
    """Render a project's page: all fields, a small map and the sources."""
    data = http.dataset()
    row = data.row(PROJECTS.name, fid)
    if row is None:
        raise NotFound(f"project '{fid}' does not exist in collection 'projects'")

    def build() -> str:
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
