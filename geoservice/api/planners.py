"""Planners' endpoints: area fact sheets, boundary changes, point lookup and the timeline."""

from __future__ import annotations

import numpy as np
import shapely
from flask import Blueprint, g, render_template, request
from shapely.geometry import Point

from geoservice import params, xplan
from geoservice.api import features, links
from geoservice.api.links import GEOJSON, HTML, JSON, link, url
from geoservice.api.ogc import PAGE_PARAMS
from geoservice.domain import areas as domain
from geoservice.domain import clock, crs
from geoservice.domain.places import honest_distance
from geoservice.errors import InvalidParameter
from geoservice.http import _, check_params_for, dataset, output_format, request_etag, respond
from geoservice.web import map_pages
from geoservice.web.display import change_year_notes, fmt_distance, fmt_number, period_short

bp = Blueprint("planners", __name__)


def require_area(area_id: str) -> None:
    """Raise NotFound naming the id unless the area exists (a set lookup, memoized)."""
    data = dataset()
    known = data.memo(("api", "area_ids"), lambda: frozenset(data.funding_areas["area_id"]))
    if area_id not in known:
        domain.require_area(data.funding_areas, area_id)


def _json(value) -> bytes:
    return features.dumps_bytes(value)


def _page(template: str, **context) -> str:
    return render_template(f"api/{template}", json_url=links.here(f="json"), **context)


# --- areas -------------------------------------------------------------------------------------

def area_summaries() -> list[dict]:
    """Return one entry per area: its versions, current version and links."""
    gdf = dataset().funding_areas
    today = clock.today()
    out = []
    for area_id in domain.area_ids(gdf):
        rows = domain.require_area(gdf, area_id)
        current = domain.versions_on(gdf, today, area_id)
        last = rows.iloc[-1]
        out.append({
            "area_id": area_id,
            "name": last["name"],
            "programme": last["programme"],
            "first_valid_from": rows.iloc[0]["valid_from"],
            "valid_to": last["valid_to"],
            "current_version": current.iloc[0]["id"] if len(current) else None,
            "versions": list(rows["id"]),
            "links": [link(url(f"areas/{area_id}", f="json"), "item", JSON, last["name"]),
                      link(url(f"areas/{area_id}", f="html"), "item", HTML, last["name"]),
                      xplan_link(area_id)],
        })
    return out


@bp.get("/areas")
def area_list():
    """All funding areas with their versions."""
    check_params_for(())
    fmt = output_format()
    if fmt == "html":
        return respond(lambda: _page("areas.html", areas=area_summaries()), "text/html",
                       request_etag("html"))
    return respond(lambda: _json({"areas": area_summaries(),
                                  "links": [*links.self_and_alternate(fmt), xplan_link()]}),
                   JSON, request_etag("json"))


def _step_text(step: domain.Step, first: bool) -> str:
    if first and step.previous_id is None:
        return _("erste Festlegung")
    if first and not step.added_ha:
        return _("hervorgegangen aus {previous}", previous=step.previous_id)
    if first:
        return _("hervorgegangen aus {previous}: {added} ha hinzu", previous=step.previous_id,
                 added=_ha(step.added_ha))
    if not step.added_ha and not step.removed_ha:
        return _("Grenze unverändert")
    return _("{added} ha hinzu, {removed} ha entfallen", added=_ha(step.added_ha),
             removed=_ha(step.removed_ha))


def _ha(value: float) -> str:
    return fmt_number(value, g.get("lang", "de"))


def fact_sheet(area_id: str) -> dict:
    """Return an area's versions in order with what changed at each step."""
    gdf = dataset().funding_areas
    steps = domain.steps(gdf, area_id)
    versions = []
    for number, step in enumerate(steps):
        entry = dict(step.version)
        entry.update({
            "added_ha": step.added_ha,
            "removed_ha": step.removed_ha,
            "previous_version": step.previous_id,
            "change": _step_text(step, number == 0),
            "links": [link(url(f"collections/funding-areas/items/{entry['id']}", f="json"),
                           "item", GEOJSON, entry["id"])],
        })
        versions.append(entry)
    last = versions[-1]
    return {
        "area_id": area_id,
        "name": last["name"],
        "versions": versions,
        "links": [
            *links.self_and_alternate("json"),
            link(url(f"areas/{area_id}/changes", **{"from": str(versions[0]["valid_from"]),
                                                    "to": str(last["valid_from"])}),
                 "related", GEOJSON, _("Änderungen erster bis letzter Stand")),
            link(url("areas", f="json"), "collection", JSON, _("Alle Fördergebiete")),
            xplan_link(area_id),
        ],
    }


@bp.get("/areas/<area_id>")
def area(area_id: str):
    """The fact sheet of one funding area."""
    require_area(area_id)
    check_params_for(PAGE_PARAMS)
    fmt = output_format()
    if fmt == "html":
        return map_pages.render_area(area_id)
    return respond(lambda: _json(fact_sheet(area_id)), JSON, request_etag("json"))


# --- XPlanung --------------------------------------------------------------------------------

def xplan_link(area_id: str | None = None) -> dict:
    """The download link of every version (or one area's) as XPlanGML."""
    path = f"areas/{area_id}/xplan.gml" if area_id else "areas/xplan.gml"
    title = (_("Grenzstände von {area} als XPlanGML {version}", area=area_id, version=xplan.VERSION)
             if area_id else _("Alle Grenzstände als XPlanGML {version}", version=xplan.VERSION))
    return link(url(path), "enclosure", xplan.MEDIA_TYPE, title)


def _xplan_download(area_id: str | None):
    check_params_for(())
    areas = dataset().funding_areas
    chosen = areas if area_id is None else areas[areas["area_id"] == area_id]
    name = f"{area_id or 'foerdergebiete'}-xplangml-{xplan.VERSION}.gml"
    return respond(lambda: xplan.to_gml(chosen), xplan.MEDIA_TYPE, request_etag("xplan"),
                   headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/areas/xplan.gml")
def xplan_all():
    """Every funding-area version as XPlanGML 6.0 (SO_Gebiet, gebietsArt 1400)."""
    return _xplan_download(None)


@bp.get("/areas/<area_id>/xplan.gml")
def xplan_area(area_id: str):
    """One funding area's versions as XPlanGML 6.0."""
    require_area(area_id)
    return _xplan_download(area_id)


# --- changes -----------------------------------------------------------------------------------

def _changes(area_id: str | None):
    check_params_for(("from", "to", "crs"))
    fmt = output_format()
    before, _canonical, when_before = params.period(request.args.get("from"), "from")
    after, _canonical, when_after = params.period(request.args.get("to"), "to")
    target = params.crs_param(request.args.get("crs"), "crs")  # geometries in its axis order
    data = dataset()
    if area_id is not None:
        domain.require_area(data.funding_areas, area_id)

    def document() -> dict:
        # computed once per pair of version sets (AreaTable), whatever the spelling of the periods
        parts = domain.table(data.funding_areas).period_change_features(when_before, when_after,
                                                                        area_id)
        return {
            "type": "FeatureCollection",
            "features": [{
                "type": "Feature", "id": part.change,
                "geometry": geometry if target == crs.CRS84 else shapely.geometry.mapping(
                    crs.transform_geoms(np.array([part.geometry], dtype=object), target)[0]),
                "properties": {"change": part.change, "area_ha": part.area_ha,
                               "area_id": area_id, "from": before, "to": after},
            } for part, geometry in parts],
            "links": links.self_and_alternate(fmt, json_type=GEOJSON),
        }

    if fmt == "html":
        labels = {"added": _("hinzugekommen"), "removed": _("weggefallen"),
                  "unchanged": _("unverändert")}
        return respond(lambda: _page("changes.html", doc=document(), area_id=area_id, labels=labels,
                                     before=period_short(before, when_before),
                                     after=period_short(after, when_after),
                                     year_given=len(before) == 4 or len(after) == 4,
                                     raw_from=before, raw_to=after, lang=g.get("lang", "de"),
                                     years=list(range(map_pages.FIRST_YEAR, clock.this_year() + 1)),
                                     year_notes=change_year_notes(data.funding_areas,
                                                                  {"from": before, "to": after},
                                                                  {})),
                       "text/html", request_etag("html"))
    return respond(lambda: _json(document()), GEOJSON, request_etag("json"),
                   headers={"Content-Crs": crs.content_crs_header(target)})


@bp.get("/areas/<area_id>/changes")
def area_changes(area_id: str):
    """Parts of one area added, removed and unchanged between two dates."""
    require_area(area_id)
    return _changes(area_id)


@bp.get("/changes")
def all_changes():
    """Parts of all funding areas added, removed and unchanged between two dates."""
    return _changes(None)


# --- locate ------------------------------------------------------------------------------------

# a site must lie where distances to the boundaries can be measured (as /inside: api/places.py)
WEST, SOUTH, EAST, NORTH = crs.METRIC_AREA_OF_USE


def _in_range(name: str, value: float, low: float, high: float, what: str) -> None:
    """Raise InvalidParameter naming the value unless low <= value <= high."""
    if not low <= value <= high:
        raise InvalidParameter(f"{name}: '{request.args.get(name)}' is out of range for the "
                               f"{what} ({low:.10g} to {high:.10g})")


def _point() -> Point | None:
    """Return the asked point in CRS84 from lon/lat or x/y (+crs), None when none was given."""
    args = request.args
    has_lonlat = "lon" in args or "lat" in args
    has_xy = "x" in args or "y" in args
    if has_lonlat and has_xy:
        raise InvalidParameter("give either lon/lat or x/y (with crs), not both")
    if has_lonlat:
        if "crs" in args:
            raise InvalidParameter(f"crs: '{args['crs']}' applies to x/y only; lon/lat are "
                                   "always WGS 84 degrees")
        lon, lat = params.number(args.get("lon"), "lon"), params.number(args.get("lat"), "lat")
        _in_range("lon", lon, WEST, EAST, "longitude in WGS 84 degrees where distances in "
                  "EPSG:25833 are defined")
        _in_range("lat", lat, SOUTH, NORTH, "latitude in WGS 84 degrees where distances in "
                  "EPSG:25833 are defined")
        return Point(lon, lat)
    if has_xy:
        source = params.crs_param(args.get("crs", "EPSG:25833"), "crs")
        x, y = params.number(args.get("x"), "x"), params.number(args.get("y"), "y")
        # within the CRS's area of use (pyproj): far outside it a projection returns nonsense
        x0, y0, x1, y1 = crs.xy_bounds(source)
        geographic = crs.pyproj_crs(source).is_geographic
        code = source.rsplit("/", 1)[-1]
        name = code if source == crs.CRS84 else f"EPSG:{code}"
        _in_range("x", x, x0, x1, f"{'longitude' if geographic else 'easting'} in {name}")
        _in_range("y", y, y0, y1, f"{'latitude' if geographic else 'northing'} in {name}")
        if geographic and source != crs.CRS84:
            x, y = y, x  # x/y are easting/northing; EPSG:4326's first axis is latitude
        lon, lat = crs.transformer(source, crs.CRS84).transform(x, y)
        if not (abs(lon) <= 180 and abs(lat) <= 90):
            raise InvalidParameter(f"x/y: '{args['x']},{args['y']}' is outside {source}")
        if not (WEST <= lon <= EAST and SOUTH <= lat <= NORTH):
            raise InvalidParameter(f"x/y: '{args['x']},{args['y']}' lies outside the region where "
                                   "distances in EPSG:25833 (Dresden's CRS) are defined "
                                   f"(longitude {WEST:g}..{EAST:g}, latitude {SOUTH:g}..{NORTH:g})")
        return Point(lon, lat)
    return None


def _honest(found: list[domain.Location]) -> list[dict]:
    """Each version's answer with its distance rounded to what its boundary supports (10 m
    for a reconstructed line, as /inside: domain.places.honest_distance)."""
    accuracy = dataset().funding_areas["accuracy"]
    return [{"version_id": loc.version_id, "area_id": loc.area_id, "name": loc.name,
             "programme": loc.programme, "inside": loc.inside,
             **honest_distance(loc.distance_m, str(accuracy.get(loc.version_id, "reconstructed")))}
            for loc in found]


def _sentence(found: list[dict]) -> str:
    lang = g.get("lang", "de")
    inside = [loc for loc in found if loc["inside"]]
    if inside:
        return "; ".join(_("innerhalb von {name}, {distance} vom Rand", name=loc["name"],
                           distance=fmt_distance(loc["distance_m"], lang)) for loc in inside)
    if found:
        nearest = found[0]
        return _("außerhalb der Fördergebiete; {name} ist {distance} entfernt",
                 name=nearest["name"], distance=fmt_distance(nearest["distance_m"], lang))
    return _("an diesem Tag gab es kein Fördergebiet")


@bp.get("/locate")
def locate():
    """Which areas contain a point on a day, and how far it is to the nearest boundary."""
    check_params_for(("lon", "lat", "x", "y", "crs", "datetime"))
    fmt = output_format()
    point = _point()
    day = params.one_day(request.args.get("datetime"), "give a date such as 2018-06-01")
    if point is None and fmt == "json":
        raise InvalidParameter("lon and lat (or x and y with crs) are required")

    def document() -> dict | None:
        if point is None:
            return None
        found = _honest(domain.locate(dataset().funding_areas, point, day))
        return {
            "lon": round(point.x, 7), "lat": round(point.y, 7), "date": day,
            "inside": [loc["area_id"] for loc in found if loc["inside"]],
            "areas": found,
            "text": _sentence(found),
            "links": links.self_and_alternate(fmt),
        }

    if fmt == "html":
        return respond(lambda: _page("locate.html", doc=document(), day=day,
                                     args=request.args), "text/html", request_etag("html", str(day)))
    # the day is part of the ETag: without datetime it is today, so the answer can change at midnight
    return respond(lambda: _json(document()), JSON, request_etag("json", str(day)))


# --- timeline ----------------------------------------------------------------------------------

@bp.get("/timeline")
def timeline():
    """The programme's milestones with dates and sources."""
    check_params_for(())
    fmt = output_format()
    milestones = list(dataset().timeline)
    if fmt == "html":
        return respond(lambda: _page("timeline.html", milestones=milestones), "text/html",
                       request_etag("html"))
    return respond(lambda: _json({"milestones": milestones, "links": links.self_and_alternate(fmt)}),
                   JSON, request_etag("json"))
