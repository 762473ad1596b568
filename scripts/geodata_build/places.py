"""geodata/context/places.geojson (the place search and the map's context layer).

Reads ONLY geodata/sources/ (see sources/SOURCE.md) and writes one reviewable GeoJSON file that the
service reads at start-up; the service never reads the shared research folder:

- kind "street":  OSM street ways (osm_streets_prohlis_esn.geojson) merged per name into one
                  MultiLineString. Streets the extract does not contain as a line but that known
                  addresses or stops name (e.g. Karl-Laux-Straße) become a street WITHOUT geometry:
                  only the bounding box of those sourced points, marked `line: false`.
- kind "stop":    DVB stop nodes of 2014 (dvb_haltestellen_prohlis_osm2014.geojson); the nodes of one
                  name within 250 m (one per direction) become one MultiPoint.
- kind "address": the geocoded addresses of addresses.csv (kind "address"), each geocode its own
                  feature (two geocodes of one address both stay, with their notes).
- kind "place":   poi_prohlis_koitschgraben.geojson (named places; own source per feature).

Every feature keeps its `source` and `licence`; the collection has an `attribution` member. OSM
data is ODbL 1.0: anything derived from it keeps "© OpenStreetMap contributors".
Deterministic: sorted output, coordinates rounded to 7 decimals, indent=1. The file is not a stored
collection (`geodata dump` does not write it) and keeps its own layout: members in insertion order,
a collection-level `attribution` and feature-level `bbox`. Command: scripts/build_places.py.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path

from shapely.geometry import MultiLineString, Point

from .licensing import on_osm_street, street_of, unlicensed
from .output import write_text
from .sources import ROOT, SRC

OUT = ROOT / "geodata" / "context" / "places.geojson"
OSM = "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)"
ATTRIBUTION = (
    "Straßen, Haltestellen und Adresslagen: © OpenStreetMap-Mitwirkende, ODbL 1.0 "
    "(https://www.openstreetmap.org/copyright). Einzelne Orte: Wikipedia (CC BY-SA 3.0) bzw. "
    "Beebo (MIT), Quelle je Objekt."
)
SOURCE_OSM_STREETS = "OpenStreetMap-Mitwirkende (Straßen)"
SOURCE_OSM_STOPS = "OpenStreetMap-Mitwirkende (Haltestellen, Stand 2014)"
STOP_MERGE_M = 250
PUBLIC_NAMES = {  # research labels of the licensed places -> the name a resident reads
    "Bibliothek Prohlis (waypoint 'Prohlis')": "Bibliothek Prohlis",
    "Prohlis (Stadtteil reference point, Wikipedia infobox)": "Prohlis (Ortsmitte laut Wikipedia)",
    "Schloss Prohlis (abgerissen 1985), site": "Standort des ehemaligen Schlosses Prohlis (abgerissen 1985)",
}


def _r(value: float) -> float:
    return round(value, 7)


def _metres(a, b) -> float:
    """Approximate distance in metres between two lon/lat points (equirectangular, Dresden)."""
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(51.0))
    dy = (a[1] - b[1]) * 110_574
    return math.hypot(dx, dy)


def _licence(source: str) -> str:
    text = source.lower()
    if "openstreetmap" in text or "osm" in text or "trammap" in text or "equalstreetnames" in text:
        return OSM
    if "cc by-sa" in text or "nearbywiki" in text or "wikipedia" in text:
        return "CC BY-SA 3.0 (Wikipedia-derived)"
    if "(mit)" in text:
        return "MIT"
    raise ValueError(f"no licence known for {source!r}: not published (licensing.py)")


def _plain_source(source: str) -> str:
    """The public name of a licensed source (the repository trail goes to `provenance`)."""
    text = source.lower()
    if "nearbywiki" in text or "wikipedia" in text:
        return "Wikipedia"
    if "beebo" in text:
        return "Beebo (Florian Mehnert)"
    raise ValueError(f"no public name for the source {source!r}")


def _bbox(points) -> list[float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [_r(min(xs)), _r(min(ys)), _r(max(xs)), _r(max(ys))]




def streets() -> list[dict]:
    doc = json.loads((SRC / "osm_streets_prohlis_esn.geojson").read_text(encoding="utf-8"))
    ways: dict[str, list] = defaultdict(list)
    ids: dict[str, list] = defaultdict(list)
    for f in doc["features"]:
        name = f["properties"]["name"]
        ways[name].append([[_r(x), _r(y)] for x, y in f["geometry"]["coordinates"]])
        ids[name].append(f["properties"]["osm_way_id"])
    out = []
    for name in sorted(ways):
        lines = sorted(ways[name])
        out.append({"type": "Feature", "properties": {
            "kind": "street", "name": name, "line": True,
            "osm_way_ids": sorted(ids[name]),
            "source": SOURCE_OSM_STREETS, "licence": OSM,
            "provenance": "EqualStreetNames/equalstreetnames-dresden@1c6b4b4b85f23769df7c2b8b681e0e1f2072a0e7:"
                          "data/ways.geojson (via geodata/sources/osm_streets_prohlis_esn.geojson)",
        }, "geometry": {"type": "MultiLineString", "coordinates": lines}})
    return out


def stops() -> list[dict]:
    doc = json.loads((SRC / "dvb_haltestellen_prohlis_osm2014.geojson").read_text(encoding="utf-8"))
    groups: dict[str, list[list[dict]]] = defaultdict(list)
    for f in sorted(doc["features"], key=lambda f: (f["properties"]["name"], f["properties"]["osm_node_id"])):
        name = f["properties"]["name"]
        pt = f["geometry"]["coordinates"]
        for group in groups[name]:
            if any(_metres(pt, g["geometry"]["coordinates"]) <= STOP_MERGE_M for g in group):
                group.append(f)
                break
        else:
            groups[name].append([f])
    out = []
    for name in sorted(groups):
        for group in groups[name]:
            pts = sorted([_r(c) for c in g["geometry"]["coordinates"][:2]] for g in group)
            lines = sorted({str(line) for g in group for line in g["properties"].get("lines") or []},
                           key=lambda s: (len(s), s))
            out.append({"type": "Feature", "properties": {
                "kind": "stop", "name": name, "lines": lines,
                "osm_node_ids": sorted(g["properties"]["osm_node_id"] for g in group),
                "source": SOURCE_OSM_STOPS, "licence": OSM,
                "provenance": ("offenesdresden/trammap@c67eb0a6647830904ef95ff33596bebee2326278:static/lines/*.json"
                               " (OSM route relations 2014, via "
                               "geodata/sources/dvb_haltestellen_prohlis_osm2014.geojson)"),
            }, "geometry": ({"type": "Point", "coordinates": pts[0]} if len(pts) == 1
                            else {"type": "MultiPoint", "coordinates": pts})})
    return out


def _street_lines() -> dict[str, MultiLineString]:
    doc = json.loads((SRC / "osm_streets_prohlis_esn.geojson").read_text(encoding="utf-8"))
    ways: dict[str, list] = defaultdict(list)
    for f in doc["features"]:
        ways[f["properties"]["name"]].append(f["geometry"]["coordinates"])
    return {name: MultiLineString(lines) for name, lines in ways.items()}


def addresses() -> list[dict]:
    """Every geocode of addresses.csv comes from a source without a data licence (licensing.py):
    published once per address as the nearest vertex of its OSM street line; an address whose
    street is not in the OSM extract is not published (its street stays searchable)."""
    lines = _street_lines()
    out, seen = [], set()
    with (SRC / "addresses.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["kind"] != "address":
                continue
            if not unlicensed(row["source"]):
                raise ValueError(f"a licensed address needs its own wording: {row['name']!r}")
            name = row["name"].partition(" (")[0].strip()
            street = street_of(name)
            if street not in lines or name.split(",")[0] in seen:
                continue
            seen.add(name.split(",")[0])
            vertex = on_osm_street(Point(float(row["lon"]), float(row["lat"])), lines[street])
            out.append({"type": "Feature", "properties": {
                "kind": "address", "name": name, "street": street, "line": True,
                "source": SOURCE_OSM_STREETS, "licence": OSM,
                "accuracy": "street",
                "provenance": f"{row['name']}; geocode {row['source']} (no data licence): published as "
                              f"the nearest vertex of the OSM line of {street}",
            }, "geometry": {"type": "Point", "coordinates": [_r(vertex.x), _r(vertex.y)]}})
    return sorted(out, key=lambda f: (f["properties"]["name"], f["geometry"]["coordinates"]))


def places() -> list[dict]:
    doc = json.loads((SRC / "poi_prohlis_koitschgraben.geojson").read_text(encoding="utf-8"))
    out = []
    for f in doc["features"]:
        p = f["properties"]
        if unlicensed(p["source"]):  # only repeats an address of a source without a licence
            continue
        out.append({"type": "Feature", "properties": {
            "kind": "place", "name": PUBLIC_NAMES.get(p["name"], p["name"]), "address": p.get("address"),
            "stadtteil": p.get("stadtteil_osm"), "source": _plain_source(p["source"]),
            "licence": _licence(p["source"]), "provenance": p["source"],
        }, "geometry": {"type": "Point", "coordinates": [_r(c) for c in f["geometry"]["coordinates"][:2]]}})
    return sorted(out, key=lambda f: (f["properties"]["name"], f["geometry"]["coordinates"]))


def streets_without_line(lines: list[dict], points: list[dict]) -> list[dict]:
    """Streets named by addresses/stops but missing from the OSM extract: bbox only, no line."""
    known = {f["properties"]["name"] for f in lines}
    seen: dict[str, list] = defaultdict(list)
    # the project's own address list says a street exists here (no coordinates taken from it);
    # the OSM stops named after it give the frame
    for row in csv.DictReader((SRC / "addresses.csv").open(encoding="utf-8")):
        street = street_of(row["name"].partition(" (")[0]) if row["kind"] == "address" else None
        if street and street not in known:
            seen.setdefault(street, [])
    for f in points:
        p = f["properties"]
        if p["kind"] == "stop" and p["name"] in seen:
            coords = f["geometry"]["coordinates"]
            seen[p["name"]].extend(coords if f["geometry"]["type"] == "MultiPoint" else [coords])
    out = []
    for street in sorted(s for s in seen if seen[s]):
        out.append({"type": "Feature", "bbox": _bbox(seen[street]), "properties": {
            "kind": "street", "name": street, "line": False,
            "note": "Der Straßenverlauf fehlt im OSM-Auszug; der Rahmen umfasst die Haltestellen dieses Namens",
            "source": SOURCE_OSM_STOPS, "licence": OSM,
        }, "geometry": None})
    return out


def build() -> dict:
    lines = streets()
    points = stops() + addresses()
    features = lines + streets_without_line(lines, points) + points + places()
    return {"type": "FeatureCollection", "name": "places", "attribution": ATTRIBUTION,
            "features": features}


def write(out: Path = OUT) -> int:
    """Write places.geojson to `out`; return its size in bytes."""
    text = json.dumps(build(), ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    write_text(Path(out), text)
    return len(text)
