"""Versions of features: the funding areas' boundary versions and every feature's record history.

Two time axes, two resources:

- Validity (when a boundary was in force): OGC API – Features "Versioned Features" (draft, as
  ldproxy implements it) with the Memento vocabulary of RFC 7089. `…/items/{area_id}` answers the
  version in force today or on `?datetime=DAY` (ogc.item uses the helpers here), with
  `Memento-Datetime` and the links `predecessor-version`, `successor-version`, `latest-version`,
  `version-history` and `original`; `…/items/{area_id}/versions` is the area's time map.
- Record time (when the register said what): `…/items/{id}/history` lists every stored record of
  a feature with what changed against the record before (geoservice.domain.history).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.utils import format_datetime

import geopandas as gpd
import pandas as pd
from flask import Blueprint, current_app, render_template, request
from werkzeug.wrappers import Response

from geoservice import auth, cache, params
from geoservice.api import features, links
from geoservice.api import history as record_history
from geoservice.api.links import GEOJSON, HTML, JSON, link, url
from geoservice.domain import areas as domain
from geoservice.domain import clock
from geoservice.domain.clock import LOCAL_TZ
from geoservice.domain.schema import FUNDING_AREAS, CollectionSpec, spec_of
from geoservice.errors import NotAcceptable, NotFound
from geoservice.http import (
    _,
    check_params,
    dataset,
    output_format,
    render_error,
    request_etag,
    respond,
)
from geoservice.web.display import last_day

bp = Blueprint("versions", __name__)

# The draft's core conformance class, as ldproxy declares it (ogcapi-draft/ogcapi-versioned-
# features, VersionedFeaturesConformanceClass.CORE); the URI will change once OGC assigns a part.
CONFORMANCE = "http://www.opengis.net/spec/ogcapi-features-n/0.0/conf/versioned-features-core"
LINK_FORMAT = "application/link-format"
AREA_ITEMS = f"collections/{FUNDING_AREAS.name}/items"


# --- validity axis: funding-area versions --------------------------------------------------------

def http_date(day: date) -> str:
    """Return the first instant of a day in Dresden as an HTTP-date (Memento-Datetime)."""
    start = datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)
    return format_datetime(start.astimezone(UTC), usegmt=True)


def today() -> date:
    """Return today's date in Dresden."""
    return clock.today()


def is_area(area_id: str) -> bool:
    """Return True if `area_id` names a funding area (of the request's dataset)."""
    data = dataset()
    return area_id in data.memo(("versions", "area_ids"),
                                lambda: frozenset(data.funding_areas["area_id"]))


def area_versions(area_id: str) -> gpd.GeoDataFrame:
    """Return an area's versions oldest first, or raise NotFound naming the known areas."""
    return domain.require_area(dataset().funding_areas, area_id)


def requested_day() -> tuple[date, bool]:
    """Return the day asked for with `datetime` (a single day) or today, and whether it was asked."""
    raw = request.args.get("datetime")
    if raw is None:
        return today(), False
    return params.one_day(raw, "an area answers the one version in force on a day (give a date "
                               "such as 2018-06-01); versions overlapping an interval are listed "
                               f"by {AREA_ITEMS}?datetime=…"), True


def _validity(row) -> str:
    # the last day in force, as every page writes a validity (valid_to itself is exclusive)
    last = last_day(row["valid_to"])
    return f"{row['valid_from']} through {last}" if last else f"{row['valid_from']} until today"


def version_on(area_id: str, day: date) -> pd.Series | Response:
    """Return the version of an area in force on `day`, or the 410 Gone answer when none was."""
    data = dataset()
    found = domain.version_on(data.funding_areas, day, area_id)
    if found is not None:
        return found
    rows = area_versions(area_id)
    listed = "; ".join(f"{row['id']} (valid {_validity(row)})" for _fid, row in rows.iterrows())
    response = render_error(
        410, "Gone",
        f"area '{area_id}' had no version in force on {day}; its versions: {listed}. "
        f"All versions: {url(f'{AREA_ITEMS}/{area_id}/versions')}")
    gone_links = [
        link(url(f"{AREA_ITEMS}/{area_id}"), "original", GEOJSON),
        link(url(f"{AREA_ITEMS}/{rows.iloc[-1]['id']}", f="json"), "latest-version", GEOJSON),
        link(url(f"{AREA_ITEMS}/{area_id}/versions", f="json"), "version-history", JSON),
        link(url(f"{AREA_ITEMS}/{area_id}/versions", f="linkformat"), "timemap", LINK_FORMAT),
    ]
    response.headers["Link"] = link_header(gone_links)
    return response


def version_links(row, fmt: str = "json") -> list[dict]:
    """Return the Memento links of one boundary version: its neighbours, the latest, the area."""
    return [dict(item) for item in cache.memo(dataset(), ("versions", "links", row["id"], fmt),
                                              lambda: _version_links(row, fmt), query=False)]


def _version_links(row, fmt: str) -> list[dict]:
    area_id = row["area_id"]
    rows = area_versions(area_id)
    ids = list(rows["id"])
    i = ids.index(row["id"])
    kind = GEOJSON if fmt == "json" else HTML

    def version(pos: int, rel: str, title: str) -> dict:
        return link(url(f"{AREA_ITEMS}/{ids[pos]}", f=fmt), rel, kind, f"{title}: {ids[pos]}")

    out = []
    if i > 0:
        out.append(version(i - 1, "predecessor-version", _("Vorheriger Grenzstand")))
    if i < len(ids) - 1:
        out.append(version(i + 1, "successor-version", _("Nächster Grenzstand")))
    out.append(version(len(ids) - 1, "latest-version", _("Neuester Grenzstand")))
    out += [
        link(url(f"{AREA_ITEMS}/{area_id}/versions", f=fmt), "version-history",
             JSON if fmt == "json" else HTML, _("Alle Grenzstände des Gebiets")),
        link(url(f"{AREA_ITEMS}/{area_id}", f=fmt), "original", kind,
             _("Das Gebiet (heute gültiger Grenzstand)")),
    ]
    return out


def link_header(items: list[dict]) -> str:
    """Return an HTTP Link header (RFC 8288) for link objects (titles left out: headers are ASCII)."""
    parts = []
    for item in items:
        part = f'<{item["href"]}>; rel="{item["rel"]}"'
        if item.get("type"):
            part += f'; type="{item["type"]}"'
        if item.get("datetime"):
            part += f'; datetime="{item["datetime"]}"'
        parts.append(part)
    return ", ".join(parts)


def memento_headers(row, items: list[dict]) -> dict[str, str]:
    """Return the Memento-Datetime and Link headers of a boundary version's answer."""
    return {"Memento-Datetime": http_date(row["valid_from"]), "Link": link_header(items)}


# --- the time map ------------------------------------------------------------------------------

def _timemap_format() -> str:
    """Return json, html or linkformat (`f=linkformat` or `Accept: application/link-format`)."""
    fmt = request.args.get("f")
    if fmt is not None and fmt.strip().lower() in ("linkformat", "link-format"):
        return "linkformat"
    header = request.headers.get("Accept", "").strip()
    if fmt is None and header:
        best = request.accept_mimetypes.best_match([JSON, GEOJSON, HTML, LINK_FORMAT])
        if best == LINK_FORMAT:
            return "linkformat"
    try:
        return output_format()
    except NotAcceptable:
        offered = "json, html, linkformat" if fmt is not None else f"{JSON}, {HTML}, {LINK_FORMAT}"
        given = f"f: '{fmt}'" if fmt is not None else f"Accept: '{header}'"
        raise NotAcceptable(f"{given} is not offered here; use one of {offered}") from None


def _require_area_for_timemap(spec: CollectionSpec, feature_id: str) -> None:
    if not spec.versioned:
        raise NotFound(f"collection '{spec.name}' has no versions on a validity axis (only "
                       f"{FUNDING_AREAS.name} has); the record history of '{feature_id}' is at "
                       f"{url(f'collections/{spec.name}/items/{feature_id}/history')}")
    if is_area(feature_id):
        return
    data = dataset()
    row = data.row(FUNDING_AREAS.name, feature_id)
    if row is not None:
        area_id = row["area_id"]
        raise NotFound(f"'{feature_id}' is a version of area '{area_id}', not an area; its time map "
                       f"is {url(f'{AREA_ITEMS}/{area_id}/versions')}")
    raise NotFound(f"area '{feature_id}' does not exist; known areas: "
                   f"{', '.join(domain.area_ids(data.funding_areas))}")


def timemap_document(area_id: str, fmt: str) -> dict:
    """Return an area's time map: every version with validity, programme, decision and links."""
    rows = area_versions(area_id)
    kind = GEOJSON if fmt == "json" else HTML
    versions = []
    mementos = []
    for pos, (_fid, row) in enumerate(rows.iterrows()):
        rel = "memento"
        if pos == 0:
            rel = "first memento"
        if pos == len(rows) - 1:
            rel = "last memento" if pos else "first last memento"
        memento = link(url(f"{AREA_ITEMS}/{row['id']}", f=fmt), rel, kind, row["id"])
        memento["datetime"] = http_date(row["valid_from"])
        mementos.append(memento)
        versions.append({
            "id": row["id"],
            "valid_from": row["valid_from"],
            "valid_to": row["valid_to"],
            "programme": row["programme"],
            "name": row["name"],
            "decision": row["decision"],
            "links": [link(url(f"{AREA_ITEMS}/{row['id']}", f="json"), "memento", GEOJSON,
                           _("Dieser Grenzstand als GeoJSON")),
                      link(url(f"{AREA_ITEMS}/{row['id']}", f="html"), "memento", HTML,
                           _("Dieser Grenzstand als HTML")),
                      link(url(f"{AREA_ITEMS}/{area_id}", datetime=str(row["valid_from"]), f="json"),
                           "related", GEOJSON, _("Das Gebiet an diesem Tag"))],
        })
    last = rows.iloc[-1]
    return {
        "area_id": area_id,
        "name": last["name"],
        "versions": versions,
        "links": [
            *links.self_and_alternate(fmt, title_json=_("Diese Seite als JSON"),
                                      title_html=_("Diese Seite als HTML")),
            link(links.here(f="linkformat"), "alternate", LINK_FORMAT,
                 _("Diese Seite als Link-Format (RFC 7089 TimeMap)")),
            link(url(f"{AREA_ITEMS}/{area_id}", f=fmt), "original", kind,
                 _("Das Gebiet (heute gültiger Grenzstand)")),
            link(url(f"{AREA_ITEMS}/{last['id']}", f=fmt), "latest-version", kind,
                 _("Neuester Grenzstand")),
            *mementos,
            link(url(f"areas/{area_id}", f=fmt), "related", JSON if fmt == "json" else HTML,
                 _("Steckbrief des Fördergebiets")),
            link(url(f"collections/{FUNDING_AREAS.name}", f="json"), "collection", JSON,
                 _("Die Sammlung")),
        ],
    }


def timemap_linkformat(area_id: str) -> str:
    """Return an area's time map in the link format of RFC 6690 / RFC 7089 section 5."""
    rows = area_versions(area_id)
    first, last = rows.iloc[0], rows.iloc[-1]
    entries = [
        f'<{url(f"{AREA_ITEMS}/{area_id}")}>;rel="original"',
        f'<{url(f"{AREA_ITEMS}/{area_id}/versions", f="linkformat")}>;rel="self";'
        f'type="{LINK_FORMAT}";from="{http_date(first["valid_from"])}";'
        f'until="{http_date(last["valid_from"])}"',
    ]
    for pos, (_fid, row) in enumerate(rows.iterrows()):
        rels = ["memento"]
        if pos == 0:
            rels.insert(0, "first")
        if pos == len(rows) - 1:
            rels.insert(0, "last")
        href = url(f"{AREA_ITEMS}/{row['id']}")
        entries.append(f'<{href}>;rel="{" ".join(rels)}";'
                       f'datetime="{http_date(row["valid_from"])}";type="{GEOJSON}"')
    return ",\n".join(entries) + "\n"


@bp.get("/collections/<collection_id>/items/<feature_id>/versions")
def timemap(collection_id: str, feature_id: str):
    """The time map of a funding area: every boundary version with its validity (RFC 7089)."""
    spec = spec_of(collection_id)
    _require_area_for_timemap(spec, feature_id)
    check_params(())
    fmt = _timemap_format()
    if fmt == "linkformat":
        return respond(lambda: timemap_linkformat(feature_id), LINK_FORMAT,
                       request_etag("linkformat"))
    if fmt == "html":
        return respond(lambda: render_template("api/versions.html", doc=timemap_document(feature_id, fmt),
                                               json_url=links.here(f="json"),
                                               linkformat_url=links.here(f="linkformat")),
                       "text/html", request_etag("html"))
    return respond(lambda: features.dumps(timemap_document(feature_id, fmt)).encode(), JSON,
                   request_etag("json"))


# --- record time: the history of any feature (documents built by api/history.py) -----------

@bp.get("/collections/<collection_id>/items/<feature_id>/history")
def history(collection_id: str, feature_id: str):
    """Every stored record of a feature, oldest first, with what changed each time."""
    spec = spec_of(collection_id)
    data = dataset()
    store = current_app.extensions["geoservice"].store
    # only the records of the state this request reads (with recorded=: the register back then)
    records = [r for r in store.history(spec.name, feature_id) if r.change_id <= data.change_id]
    if not records:
        hint = ""
        if spec.versioned and is_area(feature_id):
            hint = (f"; '{feature_id}' is an area: its boundary versions are listed at "
                    f"{url(f'{AREA_ITEMS}/{feature_id}/versions')}, each with a history of its own")
        raise NotFound(f"feature '{feature_id}' has no record in collection '{spec.name}'{hint}")
    check_params(())
    fmt = output_format()
    # the change id is part of the ETag: a retired and re-created feature can bring the content
    # (and so the data version) back to an earlier state while the history has grown
    admin = auth.admin_viewer() is not None
    etag = request_etag(fmt, "history", str(data.change_id), "admin" if admin else "public")
    # an administrator's view names accounts: never stored by a shared cache
    headers = {"Cache-Control": "private, no-store"} if admin else {}
    def document() -> dict:
        return record_history.history_document(spec, feature_id, records, fmt, admin)

    if fmt == "html":
        return respond(lambda: render_template("api/history.html", doc=document(), spec=spec,
                                               json_url=links.here(f="json")),
                       "text/html", etag, headers=headers)
    return respond(lambda: features.dumps(document()).encode(), JSON, etag, headers=headers)
