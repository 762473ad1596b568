"""Projects: status, location and area of each row of projects.csv (rules: project_rules.json)."""

from __future__ import annotations

import re
import unicodedata

from shapely.geometry import LineString
from shapely.ops import nearest_points

from .geometry import lonlat, pt
from .licensing import on_osm_street, street_of, unlicensed
from .output import feature
from .sources import Addr, Streets, data
from .wording import public

_STOP = re.compile(r"Tram-Haltestelle (?P<name>[^(]+?) \(")
_UNREAD = re.compile(r"\s*\([^()]*nicht gelesen\)")


def _rebased(geom, address: str, streets: Streets, provenance: str):
    """A point from a source without a licence, re-based on its OSM street line (licensing.py)."""
    street = street_of(address)
    if street not in set(streets.gdf["name"]):  # e.g. a reference building on another street
        street = next(n for n in sorted(set(streets.gdf["name"]), key=lambda n: (-len(n), n))
                      if f"{n} " in provenance)
    on_line = on_osm_street(geom, streets.union(street))
    return on_line, "street", (f"Punkt auf der Straßenlinie {street} (OpenStreetMap), nahe der Adresse; "
                               "der genaue Standort des Gebäudes ist nicht veröffentlicht"), provenance


def slug(text: str, maxlen: int = 48) -> str:
    t = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        t = t.replace(a, b)
    t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode()
    t = re.sub(r"[^a-z0-9]+", "-", t).strip("-")
    if len(t) > maxlen:
        t = t[:maxlen].rsplit("-", 1)[0]
    return t


def norm_status(text: str) -> str:
    """geplant / laufend / abgeschlossen: the first rule whose prefix starts the csv status text."""
    t = text.lower()
    for rule in data("project_rules")["status"]:
        if t.startswith(tuple(rule["starts"])):
            return rule["status"]
    raise ValueError(f"unmapped status: {text!r}")


def _sourced(row, streets: Streets):
    """A csv row with its own lat/lon: the coordinate as given (re-based when its source has no licence)."""
    csv_src = row["source"]
    note = csv_src.split("|")[-1].strip()
    geom = pt(float(row["lon"].strip()), float(row["lat"].strip()))
    provenance = "Koordinate aus projects.csv: " + note
    if unlicensed(note):
        return _rebased(geom, row["address"], streets, provenance)
    stop = _STOP.search(note)
    if stop and "NÄHERUNG" in note:
        return geom, "approximate", (f"Ungefähre Lage: Haltestelle {stop['name']} "
                                     "(OpenStreetMap, Stand 2014)"), provenance
    raise ValueError(f"no public wording for the coordinate of {row['name']!r}: {note}")


def _located(rule, streets: Streets, addr: Addr, reps):
    """Apply one location rule: a point of addresses.csv, a street corner, or an area's inner point."""
    acc = rule["accuracy"]
    if "point" in rule:
        r, lon, lat = addr.get(rule["point"])
        method = rule["method"].format(name=r["name"], source=r["source"])
        if unlicensed(r["source"]):
            return _rebased(pt(lon, lat), r["name"], streets, method)
        return pt(lon, lat), acc, method, None
    if "area" in rule:
        return reps[rule["area"]], acc, rule["method"], None
    a, b = (streets.union(n) for n in rule["corner"])
    p1, p2 = nearest_points(a, b)
    gap = p1.distance(p2)
    if gap > rule["gap_over_m"]:  # the lines do not meet in the partial street extract
        return p1, rule.get("gap_accuracy", acc), rule["gap_method"].format(gap=gap), None
    return LineString([p1, p2]).interpolate(0.5, normalized=True), acc, rule["method"].format(gap=gap), None


def locate_projects(projects, streets: Streets, addr: Addr, areas: dict):
    """Return a list of (row, geometry_m, accuracy, method, provenance); the first rule whose title
    prefix fits. `provenance` is the research note behind a re-based or approximate point (internal)."""
    reps = {k: g.representative_point() for k, g in areas.items()}
    rules = data("project_rules")["locations"]
    out = []
    for row in projects:
        title = row["name"]
        if row["lat"].strip() and row["lon"].strip():
            out.append((row, *_sourced(row, streets)))
            continue
        rule = next((r for r in rules if title.startswith(tuple(r["titles"]))), None)
        if rule is None:
            raise ValueError(f"no location rule for {title!r}")
        out.append((row, *_located(rule, streets, addr, reps)))
    return out


def derive_area(geom_m, versions):
    """area_id of the newest version containing the point; else the joint area if inside that; else None."""
    for v in sorted(versions, key=lambda v: (v["valid_from"], v["id"]), reverse=True):
        if v["area_id"] == "prohlis-am-koitschgraben":
            continue
        if v["geom"].buffer(0.01).contains(geom_m):
            return v["area_id"]
    for v in versions:
        if v["area_id"] == "prohlis-am-koitschgraben" and v["geom"].buffer(0.01).contains(geom_m):
            return v["area_id"]
    return None


def intval(s):
    s = s.strip()
    return int(s) if s else None


def project_features(projects, streets: Streets, addr: Addr, areas: dict, versions,
                     provenance: dict | None = None) -> list:
    """One Point feature per csv row, id = slug of the title (unique). The research notes that stay
    out of the public record (coordinate trail, "nicht gelesen" remarks) go into `provenance`."""
    feats, seen = [], set()
    for row, g, acc, meth, trail in locate_projects(projects, streets, addr, areas):
        pid = slug(row["name"])
        if pid in seen:
            raise ValueError(f"duplicate project id {pid}")
        seen.add(pid)
        props = {
            "id": pid,
            "title": row["name"],
            "description": row["description"],
            "category": row["category"],
            "start_year": intval(row["start_year"]),
            "end_year": intval(row["end_year"]),
            "status": norm_status(row["status"]),
            "status_note": _UNREAD.sub("", row["status"]),
            "address": row["address"],
            "funding": row["funding"].strip() or None,
            "area_id": derive_area(g, versions),
            "location_accuracy": acc,
            "location_method": public(meth),
            "source": public(row["source"].split("|")[0].strip()),
        }
        notes = {"location": trail,
                 "coordinate": row["source"].split("|")[1].strip() if "|" in row["source"] else None,
                 "status": "; ".join(m.strip(" ()") for m in _UNREAD.findall(row["status"])) or None}
        if provenance is not None and any(notes.values()):
            provenance[pid] = {k: v for k, v in notes.items() if v}
        feats.append(feature(pid, props, lonlat(g)))
    return feats
