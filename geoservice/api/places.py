"""Place search (/search) and 'was this site inside?' over all areas and versions (/inside).

Both are JSON first and strict like the rest of the API (400 naming the bad value). /inside also
answers HTML (the no-JavaScript form): there coordinates may use a decimal comma, and problems are
shown in the page's language next to their field instead of an error page.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, g, render_template, request
from shapely.geometry import Point

from geoservice import params
from geoservice.api import features, links
from geoservice.api.links import HTML, JSON, link, url
from geoservice.domain import clock, crs
from geoservice.domain import places as domain
from geoservice.domain.areas import require_area
from geoservice.errors import InvalidParameter
from geoservice.http import (
    check_page_params,
    check_params,
    dataset,
    output_format,
    request_etag,
    respond,
)
from geoservice.web import places as web_places
from geoservice.web.display import area_url, fmt_date, fmt_until
from geoservice.web.display import link as page_link

bp = Blueprint("places", __name__)

SEARCH_PARAMS = ("q", "limit", "kind")
INSIDE_PARAMS = ("lon", "lat", "datetime", "area")
DEFAULT_LIMIT = params.SEARCH_DEFAULT_LIMIT
MAX_LIMIT = params.SEARCH_MAX_LIMIT
MAX_QUERY = 100


def _json(value) -> bytes:
    return features.dumps(value).encode()


# --- search ------------------------------------------------------------------------------------

def _kinds(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return domain.KINDS
    kinds = tuple(dict.fromkeys(k.strip() for k in raw.split(",") if k.strip()))
    bad = [k for k in kinds if k not in domain.KINDS]
    if bad or not kinds:
        raise InvalidParameter(f"kind: '{raw}' is not a list of {', '.join(domain.KINDS)}")
    return kinds


def _search_limit(raw: str | None) -> int:
    value = params.integer(raw, "limit", DEFAULT_LIMIT, 1)
    if value > MAX_LIMIT:
        raise InvalidParameter(f"limit: '{raw}' is above the maximum {MAX_LIMIT}")
    return value


def _query(raw: str | None) -> str:
    if raw is None or not raw.strip():
        raise InvalidParameter("q is required (the text to search, e.g. q=Karl-Laux)")
    if len(raw) > MAX_QUERY:
        raise InvalidParameter(f"q: '{raw[:20]}…' is longer than {MAX_QUERY} characters")
    if not domain.fold(raw):
        raise InvalidParameter(f"q: '{raw}' has no letters or digits to search for")
    return raw.strip()


def search_document(q: str, limit: int, kinds: tuple[str, ...]) -> dict:
    """Return the search answer: results with kind, name, geometry/bbox and their sources."""
    index = web_places.index()
    found = index.search(q, limit, kinds)
    results = []
    for place in found:
        doc = place.document()
        if "url" in doc:
            doc["url"] = request.script_root + doc["url"]
        results.append(doc)
    return {
        "query": q,
        "numberReturned": len(results),
        "results": results,
        "attribution": index.attribution,
        "links": [link(links.here(), "self", JSON, "JSON")],
    }


@bp.get("/search")
def search():
    """Find streets, addresses, stops, places and projects by name (German folding)."""
    check_params(SEARCH_PARAMS)
    output_format(("json",))
    q = _query(request.args.get("q"))
    limit = _search_limit(request.args.get("limit"))
    kinds = _kinds(request.args.get("kind"))
    return respond(lambda: _json(search_document(q, limit, kinds)), JSON, request_etag("json"))


# --- inside ------------------------------------------------------------------------------------

# a site must lie where distances to the boundaries can be measured (EPSG:25833's area of use)
WEST, SOUTH, EAST, NORTH = crs.METRIC_AREA_OF_USE


def _day(raw: str | None) -> date:
    return params.one_day(raw, "give a date such as 2010-06-01", blank_is_today=True)


def _coordinate(raw: str | None, name: str, low: float, high: float, lenient: bool) -> float:
    text = params.lenient_number(raw) if lenient else raw  # decimal comma, as typed in German
    value = params.number(text, name)
    if not low <= value <= high:
        raise InvalidParameter(f"{name}: '{raw}' is outside {low:g}..{high:g}, the region where "
                               "distances in EPSG:25833 (Dresden's CRS) are defined")
    return value


def inside_document(point: Point, day: date, page_area: str | None) -> dict:
    """Return the inside answer over all areas and versions for one site and day."""
    data = dataset()
    report = domain.inside_report(data.funding_areas, point, day, page_area)
    page_name = None
    if page_area:
        page_name = require_area(data.funding_areas, page_area).iloc[-1]["name"]
    answers = []
    for a in report.answers:
        v = a.version
        answers.append({
            "version_id": v["id"], "area_id": v["area_id"], "name": v["name"],
            "programme": v["programme"], "valid_from": v["valid_from"], "valid_to": v["valid_to"],
            "accuracy": v["accuracy"], "decision": v["decision"], "inside": a.inside,
            **a.distance, "relation": a.relation,
            "text": web_places.answer_text(a, day, page_name),
            "links": [
                link(url(f"collections/funding-areas/items/{v['id']}", f="html"), "version", HTML,
                     web_places.version_title(v["id"])),
                link(url(f"areas/{v['area_id']}", f="html"), "related", HTML, v["name"]),
            ],
        })
    current = report.current
    return {
        "lon": round(point.x, 7), "lat": round(point.y, 7), "date": day,
        "area": page_area,
        "inside": any(a.inside for a in report.answers),
        "inside_area_ids": [a.version["area_id"] for a in report.answers if a.inside],
        "inside_from": current.start if current else None,
        "inside_to": current.end if current else None,
        "spans": [{"from": s.start, "to": s.end, "versions": list(s.version_ids)}
                  for s in report.spans],
        "answers": answers,
        "text": web_places.report_text(report, page_name),
        "links": links.self_and_alternate(output_format()),
    }


def _inside_html():
    """The HTML form: lenient input (decimal comma), problems next to their fields."""
    args = request.args
    errors: dict[str, str] = {}
    point = day = None
    page_area = args.get("area") or None
    asked = any(args.get(n) for n in ("lon", "lat"))
    lon = lat = None
    if asked:
        try:
            lon = _coordinate(args.get("lon"), "lon", WEST, EAST, lenient=True)
        except InvalidParameter:
            errors["lon"] = web_places.check_strings()["bad_lon"]
        try:
            lat = _coordinate(args.get("lat"), "lat", SOUTH, NORTH, lenient=True)
        except InvalidParameter:
            errors["lat"] = web_places.check_strings()["bad_lat"]
    try:
        day = _day(args.get("datetime"))
    except InvalidParameter:
        errors["datetime"] = web_places.check_strings()["bad_date"]
    if page_area and page_area not in set(dataset().funding_areas["area_id"]):
        page_area = None
    doc = None
    if asked and not errors:
        point = Point(lon, lat)
        doc = inside_document(point, day, page_area)
    status = 400 if errors else 200
    body = render_template("pages/inside.html", doc=doc, errors=errors, args=args,
                           day=(day or clock.today()).isoformat(),
                           page_area=page_area, link=page_link, area_url=area_url,
                           fmt_date=lambda v: fmt_date(v, g.lang),
                           fmt_until=lambda v: fmt_until(v, g.lang))
    if status != 200:
        return Response(body, status=status, mimetype="text/html")
    return respond(body, "text/html", request_etag("html", str(day)))


@bp.get("/inside")
def inside():
    """Was a site inside a funding area on a day? Every area and version, spans and distances."""
    fmt = output_format()
    if fmt == "html":
        check_page_params(INSIDE_PARAMS)
        return _inside_html()
    check_params(INSIDE_PARAMS)
    lon = _coordinate(request.args.get("lon"), "lon", WEST, EAST, lenient=False)
    lat = _coordinate(request.args.get("lat"), "lat", SOUTH, NORTH, lenient=False)
    day = _day(request.args.get("datetime"))
    page_area = request.args.get("area")
    if page_area is not None:
        require_area(dataset().funding_areas, page_area)  # 404 naming the id
    point = Point(lon, lat)
    return respond(lambda: _json(inside_document(point, day, page_area)), JSON,
                   request_etag("json", str(day)))
