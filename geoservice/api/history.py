"""Record time: what the register said when. `history_document()` lists every stored record of a
feature with what changed against the record before (geoservice.domain.history); the route
`…/items/{id}/history` is in api/versions.py, beside the validity axis."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import shapely
from flask import g

from geoservice.api import links
from geoservice.api.links import GEOJSON, HTML, JSON, link, url
from geoservice.domain import history as diffs
from geoservice.domain.schema import CollectionSpec
from geoservice.http import _, dataset
from geoservice.web.display import fmt_number
from geoservice.writes import kind_label


def rfc3339(moment: datetime | None) -> str | None:
    """Return a naive UTC datetime of the store as RFC 3339 with microseconds and Z."""
    if moment is None:
        return None
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def recorded_url(spec: CollectionSpec, fid: str, moment: datetime, fmt: str) -> str:
    """Return the URL of a feature as the register recorded it at `moment` (`recorded=`)."""
    return (url(f"collections/{spec.name}/items/{quote(fid, safe='')}") + "?recorded="
            + quote(rfc3339(moment), safe=":") + f"&f={fmt}")


def _geometry(wkb: bytes | None):
    return shapely.from_wkb(wkb) if wkb else None


def _number(value: float) -> str:
    # a distance moved: to the decimetre when small (an edit), else to the metre
    return fmt_number(value, g.get("lang", "de"), 1 if value < 100 else 0)


def _ha(value: float) -> str:
    return fmt_number(value, g.get("lang", "de"))


def change_summary(diff: diffs.RecordDiff) -> str:
    """Return one readable sentence of what a record changed."""
    if diff.status == diffs.CREATED:
        text = _("angelegt")
        if diff.area_ha is not None:
            text += " " + _("({area} ha)", area=_ha(diff.area_ha))
        return text
    if diff.status == diffs.RETIRED:
        return _("stillgelegt (nicht mehr veröffentlicht; bleibt in der Historie)")
    parts = []
    if diff.status == diffs.RESTORED:
        parts.append(_("wieder angelegt"))
    if diff.fields:
        parts.append(_("geändert: {fields}", fields=", ".join(f.name for f in diff.fields)))
    geom = diff.geometry
    if geom is not None and geom.kind == "point":
        parts.append(_("Lage um {distance} m verschoben", distance=_number(geom.moved_m)))
    elif geom is not None and geom.kind == "polygon":
        parts.append(_("Grenze geändert: {diff} ha Unterschied, bis zu {distance} m verschoben, "
                       "Fläche {before} ha → {after} ha", diff=_ha(geom.symmetric_difference_ha),
                       distance=_number(geom.moved_m), before=_ha(geom.area_before_ha),
                       after=_ha(geom.area_after_ha)))
    elif geom is not None:
        parts.append(_("Geometrie um bis zu {distance} m verschoben", distance=_number(geom.moved_m)))
    if not parts:
        parts.append(_("keine inhaltliche Änderung"))
    return "; ".join(parts)


def _geometry_json(geom: diffs.GeometryChange | None) -> dict | None:
    if geom is None:
        return None
    out = {"type": geom.kind, "moved_m": geom.moved_m}
    if geom.kind == "polygon":
        out.update(hausdorff_m=geom.moved_m, symmetric_difference_ha=geom.symmetric_difference_ha,
                   area_ha_before=geom.area_before_ha, area_ha_after=geom.area_after_ha)
    return out


def history_document(spec: CollectionSpec, fid: str, records: list, fmt: str, admin: bool = False) -> dict:
    """Return every record of a feature (oldest first) with what changed.

    Account names only for administrators (`admin`); the public sees the role or organisation.
    """
    data = dataset()
    states = [diffs.RecordState(r.properties, _geometry(r.wkb), r.retired) for r in records]
    entries = []
    for pos, (record, diff) in enumerate(zip(records, diffs.diff_history(states), strict=True)):
        # `records` is the prefix of the history up to the state this request reads, and every
        # change that closes a record stores the next one: the last is current in that state
        until = record.recorded_to if pos < len(records) - 1 else None
        item_links = []
        if not record.retired:
            for variant, kind in (("json", GEOJSON), ("html", HTML)):
                item_links.append(link(recorded_url(spec, fid, record.recorded_from, variant),
                                       "related", kind, _("Das Objekt, wie es ab dann erfasst war")))
        entries.append({
            "record_id": record.record_id,
            "recorded_from": rfc3339(record.recorded_from),
            "recorded_to": rfc3339(until),
            "change_id": record.change_id,
            "kind": record.kind,
            "kind_label": kind_label(record.kind, _),
            "note": record.note,
            "author_role": record.author_role,  # public label only; the account stays internal
            "retired": bool(record.retired),
            "change": diff.status,
            "summary": change_summary(diff),
            "changes": [{"field": f.name, "before": f.before, "after": f.after} for f in diff.fields],
            "geometry": _geometry_json(diff.geometry),
            "area_ha": diff.area_ha,
            "links": item_links,
        })
        if admin:
            entries[-1]["author"] = record.author
    live = data.has(spec.name, fid)
    out_links = [*links.self_and_alternate(fmt, title_json=_("Diese Seite als JSON"),
                                           title_html=_("Diese Seite als HTML"))]
    if live:
        out_links.append(link(url(f"collections/{spec.name}/items/{fid}", f="json"), "item", GEOJSON,
                              _("Das Objekt heute")))
    out_links.append(link(url(f"collections/{spec.name}", f="json"), "collection", JSON,
                          _("Die Sammlung")))
    last = records[-1].properties if records else {}
    title = (last or {}).get("title") or (last or {}).get("name") or fid
    return {"collection": spec.name, "id": fid, "title": title, "published": live, "records": entries,
            "links": out_links}
