"""The web editor's pages: form values and drafts, problems next to their fields, the form's map,
labels and the history's readable diffs (the routes are in web/editor.py).

Text typed by an editor is only ever rendered by autoescaping templates or textContent.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import shapely
from flask import Response, g, render_template
from markupsafe import Markup

from geoservice import http
from geoservice.domain import areas as area_domain
from geoservice.domain import clock
from geoservice.domain import history as diffs
from geoservice.domain.schema import PROJECTS
from geoservice.http import _
from geoservice.web import display, pages, places
from geoservice.web.editor_forms import (
    COORD_DECIMALS,
    FORM_FIELDS,
    LOCATION,
    STATUSES,
    TEXT_FIELDS,
    YEAR_FIELDS,
    ProjectForm,
    parse_number,
)
from geoservice.writes import kind_label


def plain(value):
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def properties_of(row) -> dict:
    return {name: plain(row.get(name)) for name in PROJECTS.fields}


def point_of(geom) -> shapely.Point | None:
    if geom is None or geom.is_empty:
        return None
    return geom if geom.geom_type == "Point" else geom.representative_point()


def form_values(row) -> dict:
    """Return the form's initial values from a stored project."""
    props = properties_of(row)
    values = {name: ("" if props.get(name) is None else str(props[name])) for name in FORM_FIELDS}
    point = point_of(row.geometry)
    if point is not None:
        values["lon"] = f"{point.x:.{COORD_DECIMALS}f}"
        values["lat"] = f"{point.y:.{COORD_DECIMALS}f}"
    return values


def draft_properties(form: ProjectForm) -> dict:
    props = {}
    for name in TEXT_FIELDS:
        value = (form[name].data or "").strip()
        props[name] = value or None
    for name in YEAR_FIELDS:
        value = (form[name].data or "").strip()
        props[name] = int(value) if value.isdigit() else (value or None)
    return props


def draft_geometry(form: ProjectForm, original=None):
    """Return the point typed or clicked; a line or area stays as it was unless it was moved."""
    lon, lat = parse_number(form.lon.data), parse_number(form.lat.data)
    if lon is None or lat is None:
        return None
    if original is not None and original.geom_type != "Point":
        rep = point_of(original)
        if round(rep.x, COORD_DECIMALS) == round(lon, COORD_DECIMALS) and \
                round(rep.y, COORD_DECIMALS) == round(lat, COORD_DECIMALS):
            return original
    return shapely.Point(lon, lat)


def _fields_of(problem: str) -> list[str]:
    """Return the form fields a domain problem names, earliest named first ([] for the top)."""
    if problem.startswith("unknown propert") or problem.startswith("id "):
        return []
    found = []
    for name in FORM_FIELDS:
        match = re.search(rf"(?<![a-z_]){name}(?![a-z_])", problem)
        if match:
            found.append((match.start(), name))
    if "geometry" in problem:
        found.append((problem.index("geometry"), LOCATION))
    return [name for _pos, name in sorted(found)]


def attach(form: ProjectForm, problems: list[str]) -> list[str]:
    """Put each problem next to the field it names; return the rest (shown at the top).

    A problem about a field the form's own validators already flagged is dropped: the form said
    it in the page's language (e.g. an end year before the start year).
    """
    rest = []
    for problem in problems:
        names = _fields_of(problem)
        if not names:
            rest.append(problem)
        elif not any(_has_form_error(form, name) for name in names):
            form.extra_errors.setdefault(names[0], []).append(problem)
    return rest


def _has_form_error(form: ProjectForm, name: str) -> bool:
    if name == LOCATION:
        return bool(form.lon.errors or form.lat.errors)
    return bool(form[name].errors)


def when(moment: datetime | None) -> str:
    """Format a naive UTC time of the store in Dresden's time for the UI language."""
    return display.fmt_moment(moment, g.get("lang", "de"))  # the pages' one convention


@dataclass(frozen=True)
class LastChange:
    recorded_at: datetime
    note: str
    author: str
    author_role: str
    kind: str


def last_changes(store) -> dict[str, LastChange]:
    """Return the change that made each project's current record (one query in the store)."""
    return {fid: LastChange(row.recorded_at, row.note, row.author, row.author_role, row.kind)
            for fid, row in store.last_changes(PROJECTS.name).items()}


def retired_projects(store, admin: bool, query: str = "") -> list[dict]:
    """Every retired project with its retirement (time, note, who), by title; `query` as the list's."""
    rows = []
    for fid, row in store.last_changes(PROJECTS.name, retired=True).items():
        props = json.loads(row.properties) if isinstance(row.properties, str) else dict(row.properties)
        title = props.get("title") or fid
        if not matches(query, fid, title, props.get("category")):
            continue
        rows.append({"id": fid, "title": title, "category": props.get("category") or "",
                     "record_id": row.record_id, "when": when(row.recorded_at),
                     "iso": row.recorded_at.replace(tzinfo=UTC).isoformat(), "note": row.note,
                     "by": row.author if admin else row.author_role})
    return sorted(rows, key=lambda r: r["title"].casefold())


def matches(query: str, *texts) -> bool:
    """Whether every word of the list's search text occurs in one of `texts` (case-insensitive)."""
    haystack = " ".join(str(t) for t in texts if t).casefold()
    return all(word in haystack for word in query.casefold().split())


def field_labels() -> dict[str, str]:
    """Return the translated label of every project field (also used by the history's diffs)."""
    return {
        "title": _("Titel"), "description": _("Beschreibung"), "category": _("Kategorie"),
        "start_year": _("Beginn (Jahr)"), "end_year": _("Ende (Jahr)"), "status": _("Status"),
        "status_note": _("Stand (Anmerkung zum Status)"), "address": _("Adresse"),
        "funding": _("Förderung"), "location_accuracy": _("Lagegenauigkeit"),
        "location_method": _("Wie der Ort bestimmt wurde"), "source": _("Quelle"),
        "area_id": _("Fördergebiet"), "id": _("Kennung"),
    }


def accuracy_labels() -> dict[str, str]:
    return {"address": _("Adresse"), "street": _("Straße"), "approximate": _("ungefähr")}


def _distance(value: float) -> str:
    text = f"{value:.1f}" if value < 100 else f"{value:.0f}"
    return text.replace(".", ",") if g.get("lang") == "de" else text


def summary(diff: diffs.RecordDiff) -> str:
    if diff.status == diffs.CREATED:
        return _("angelegt")
    if diff.status == diffs.RETIRED:
        return _("stillgelegt (nicht mehr veröffentlicht; bleibt in der Historie)")
    labels = field_labels()
    parts = []
    if diff.status == diffs.RESTORED:
        parts.append(_("wieder angelegt"))
    if diff.fields:
        parts.append(_("geändert: {fields}", fields=", ".join(labels.get(f.name, f.name) for f in diff.fields)))
    if diff.geometry is not None:
        if diff.geometry.kind == "point":
            parts.append(_("um {distance} m verschoben", distance=_distance(diff.geometry.moved_m)))
        else:
            parts.append(_("Geometrie um bis zu {distance} m verschoben",
                           distance=_distance(diff.geometry.moved_m)))
    return "; ".join(parts) or _("keine inhaltliche Änderung")


def status_note(status: str) -> str:
    # change notes are data, kept in German like every text of the register
    return f"Status auf {status} gesetzt"


def _edit_map(point=None) -> dict[str, Markup]:
    """Build the form's map: areas in force today, the project's point, click/drag to place it."""
    from geoservice.web import maps  # folium loads with the first map (as in pages.py)
    from geoservice.web.leaflet import AreaLayer, MapCall

    data = http.dataset()
    if point is not None:
        bounds = point.buffer(0.004).bounds
    else:
        bounds = data.funding_areas.total_bounds
    m = maps._base_map(data, pages._static_url(), _("Karte: klicken, um den Projektort zu setzen"), _,
                       bounds, "min(55vh, 460px)")
    maps._tiles(m, pages._tiles(), _)
    maps._context(m, data, _)
    today = area_domain.versions_on(data.funding_areas, clock.today())
    AreaLayer(data_json=maps.embedded_json(data, "areas"), colours=maps.area_colours(data),
              strings=maps.area_strings(_), initial_year=None, initial_ids=list(today["id"]),
              label=_("Fördergebiete")).add_to(m)
    MapCall("editorPoint", {
        "form": "project-form", "status": "map-status",
        "marker": _("Projektort: ziehen oder mit den Pfeiltasten verschieben"),
        "placed": _("Ort gesetzt: Länge {lon}, Breite {lat}"),
    }).add_to(m)
    maps._notice(m, _, "#location")
    maps._finish(m, _)
    return {k: Markup(v) for k, v in maps.components(m).items()}


def _preview_strings() -> dict:
    from geoservice.web import maps

    return maps.project_strings(_)


def _categories() -> list[str]:
    return sorted({str(c) for c in http.dataset().projects["category"] if c})


def render_form(form: ProjectForm, fid: str | None, status: int = 200, conflict: bool = False,
                 top_errors: list[str] | None = None, row=None) -> Response:
    point = None
    lon, lat = parse_number(form.lon.data), parse_number(form.lat.data)
    if lon is not None and lat is not None:
        point = shapely.Point(lon, lat)
    elif row is not None:
        point = point_of(row.geometry)
    html = render_template(
        "editor/form.html", form=form, fid=fid, row=row, conflict=conflict,
        top_errors=top_errors or [], map=_edit_map(point), labels=field_labels(),
        status_options=[(s, _(s)) for s in STATUSES],
        accuracy_options=list(accuracy_labels().items()),
        categories=_categories(), preview_strings=_preview_strings(), location=LOCATION,
        area_id=(plain(row.get("area_id")) if row is not None else None),
        # the maps' place search: find a street or address, then click there to set the point
        link=pages.link, search_strings=places.check_strings())
    return Response(html, status=status, mimetype="text/html")


def history_entries(found: list, admin: bool) -> list[dict]:
    """Every record of a feature with its readable diff, newest first (what the office wants to
    see); administrators see account names, everybody else the public role."""
    states = [diffs.RecordState(r.properties, shapely.from_wkb(r.wkb) if r.wkb else None, r.retired)
              for r in found]
    labels = field_labels()
    entries = []
    for record, diff in zip(found, diffs.diff_history(states), strict=True):
        entries.append({
            "when": when(record.recorded_from),
            "iso": record.recorded_from.replace(tzinfo=UTC).isoformat(),
            "change_id": record.change_id, "kind": kind_label(record.kind, _),
            "summary": summary(diff), "note": record.note,
            "by": record.author if admin else record.author_role,
            "fields": [{"label": labels.get(f.name, f.name), "name": f.name, "before": f.before,
                        "after": f.after} for f in diff.fields],
            "moved": diff.geometry,
        })
    entries.reverse()
    return entries
