"""Where the build reads from: the JSON data files and the copied source files of geodata/sources/."""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

from shapely.geometry import LineString
from shapely.ops import linemerge, unary_union

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "geodata" / "sources"
METRIC = 25833  # ETRS89 / UTM 33N: every area is computed in metres


@functools.cache
def data(name: str):
    """One JSON data file of geodata/sources/ (e.g. "citations"), parsed."""
    return json.loads((SRC / f"{name}.json").read_text(encoding="utf-8"))


def cite(refs: list[str]) -> list[str]:
    """Resolve citation keys of citations.json; a URL stands for itself. Fails on an unknown key."""
    citations = data("citations")
    out = []
    for ref in refs:
        if ref.startswith(("http://", "https://")):
            out.append(ref)
        elif ref in citations:
            out.append(citations[ref])
        else:
            raise KeyError(f"unknown citation key {ref!r} (geodata/sources/citations.json)")
    return out


def read_csv(name: str) -> list[dict]:
    with open(SRC / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load():
    """The copied source files: election districts (2019, 2024), Stadtteile, streets, addresses, projects."""
    import geopandas as gpd

    wb = gpd.read_file(SRC / "dresden_wahlbezirke_2019_2024_prohlis_bbox.geojson").to_crs(METRIC)
    k19 = wb[wb["layer"].str.startswith("Kommunalwahl 2019")].set_index("wb").geometry
    l24 = wb[wb["layer"].str.startswith("Landtagswahl 2024")].set_index("wb").geometry
    st = gpd.read_file(SRC / "dresden_stadtteile_prohlis_umfeld_osm.geojson")
    streets = gpd.read_file(SRC / "osm_streets_prohlis_esn.geojson").to_crs(METRIC)
    return k19, l24, st, streets, read_csv("addresses.csv"), read_csv("projects.csv")


class Streets:
    """The OSM street lines (metric), by name."""

    def __init__(self, gdf):
        self.gdf = gdf.sort_values(["name", "osm_way_id"]).reset_index(drop=True)

    def union(self, name):
        geoms = list(self.gdf[self.gdf["name"] == name].geometry)
        if not geoms:
            raise KeyError(name)
        return unary_union(geoms)

    def longest(self, name) -> LineString:
        m = self.union(name)
        if m.geom_type == "MultiLineString":
            m = linemerge(m)
        return max(getattr(m, "geoms", [m]), key=lambda x: (round(x.length, 3), x.wkt))


class Addr:
    """The geocoded places of addresses.csv, found by the unique prefix of their name."""

    def __init__(self, rows):
        self.rows = rows

    def get(self, prefix):
        hits = [r for r in self.rows if r["name"].startswith(prefix)]
        if len(hits) != 1:
            raise KeyError(f"{prefix!r}: {len(hits)} hits")
        r = hits[0]
        return r, float(r["lon"]), float(r["lat"])
