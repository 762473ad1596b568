"""Checks of the published data files in geodata/ (built by scripts/build_geodata.py)."""

from __future__ import annotations

import csv
import filecmp
import functools
import importlib.util
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Point, shape

REPO = Path(__file__).resolve().parents[1]
GEODATA = REPO / "geodata"
SHARED = Path(__file__).resolve().parents[2] / "shared"
_T = pyproj.Transformer.from_crs(4326, 25833, always_xy=True)


@functools.cache
def _build_module():
    spec = importlib.util.spec_from_file_location("build_geodata", REPO / "scripts" / "build_geodata.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _public(text: str) -> str:
    """The build's public wording of a provenance text (scripts/build_geodata.py: public)."""
    return _build_module().public(text)

VERSION_IDS = [
    "prohlis-am-koitschgraben-2000",
    "prohlis-am-koitschgraben-2004",
    "prohlis-2016",
    "am-koitschgraben-2016",
    "prohlis-2020",
    "am-koitschgraben-2020",
]
FOCUS_IDS = ["schwerpunkt-prohlis", "schwerpunkt-am-koitschgraben", "zwischengebiet"]
AREA_FIELDS = {
    "id",
    "area_id",
    "name",
    "programme",
    "valid_from",
    "valid_to",
    "area_ha",
    "published_area_ha",
    "decision",
    "accuracy",
    "method",
    "source",
    "note",
}
PROJECT_FIELDS = {
    "id",
    "title",
    "description",
    "category",
    "start_year",
    "end_year",
    "status",
    "status_note",
    "address",
    "funding",
    "area_id",
    "location_accuracy",
    "location_method",
    "source",
}
OUTPUTS = [
    "funding_areas.geojson",
    "focus_areas.geojson",
    "projects.geojson",
    "timeline.json",
    "checkpoints.csv",
    "context/stadtteile.geojson",
]


def metric(g):
    return shapely.transform(g, lambda c: np.column_stack(_T.transform(c[:, 0], c[:, 1])))


def load(name):
    return json.loads((GEODATA / name).read_text(encoding="utf-8"))


def feats(name):
    return {f["id"]: f for f in load(name)["features"]}


VERSIONS = feats("funding_areas.geojson")
FOCUS = feats("focus_areas.geojson")
PROJECTS = load("projects.geojson")["features"]
AREAS = {**VERSIONS, **FOCUS}
GEOM_M = {k: metric(shape(f["geometry"])) for k, f in AREAS.items()}


def ha(g):
    return g.area / 1e4


def test_version_and_focus_ids():
    assert list(VERSIONS) == VERSION_IDS
    assert list(FOCUS) == FOCUS_IDS


@pytest.mark.parametrize("fid", VERSION_IDS + FOCUS_IDS)
def test_properties_complete(fid):
    f = AREAS[fid]
    p = f["properties"]
    expected = AREA_FIELDS | ({"part_of"} if fid in FOCUS_IDS else set())
    assert set(p) == expected
    assert p["id"] == f["id"] == fid
    assert p["accuracy"] == "reconstructed"
    assert p["source"].strip() and p["method"].strip() and p["decision"].strip()
    assert p["programme"] in ("Soziale Stadt", "Sozialer Zusammenhalt")
    assert abs(p["area_ha"] - round(ha(GEOM_M[fid]), 2)) < 0.02


@pytest.mark.parametrize("fid", [i for i in VERSION_IDS + FOCUS_IDS])
def test_area_within_5_percent_of_published(fid):
    p = AREAS[fid]["properties"]
    pub = p["published_area_ha"]
    if pub is None:  # Prohlis after 2016: reconstructed as the former focus area Prohlis (203 ha)
        assert fid.startswith("prohlis-20")
        assert p["note"] and "nicht gefunden" in p["note"]
        pub = FOCUS["schwerpunkt-prohlis"]["properties"]["published_area_ha"]
    assert abs(ha(GEOM_M[fid]) - pub) / pub <= 0.05


@pytest.mark.parametrize("fid", VERSION_IDS + FOCUS_IDS)
def test_geometry_valid_and_in_dresden(fid):
    g = shape(AREAS[fid]["geometry"])
    assert g.geom_type in ("Polygon", "MultiPolygon")
    assert g.is_valid
    minx, miny, maxx, maxy = g.bounds
    assert 13.57 <= minx and maxx <= 13.97 and 50.97 <= miny and maxy <= 51.18
    gm = GEOM_M[fid]
    for poly in getattr(gm, "geoms", [gm]):
        assert poly.area >= 100
        for ring in poly.interiors:
            assert shapely.Polygon(ring).area >= 100


def _rings(geom):
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    for poly in polys:
        for i, ring in enumerate(poly):
            yield i == 0, ring


@pytest.mark.parametrize("name", ["funding_areas.geojson", "focus_areas.geojson", "context/stadtteile.geojson"])
def test_rfc7946_winding_and_precision(name):
    for f in load(name)["features"]:
        for exterior, ring in _rings(f["geometry"]):
            assert ring[0] == ring[-1]
            ccw = shapely.LinearRing(ring).is_ccw
            assert ccw == exterior, (f["id"], exterior)
            for x, y in ring:
                assert round(x, 7) == x and round(y, 7) == y


def test_focus_areas_tile_2004():
    parts = [GEOM_M[i] for i in FOCUS_IDS]
    whole = GEOM_M["prohlis-am-koitschgraben-2004"]
    for i in range(3):
        for j in range(i + 1, 3):
            assert parts[i].intersection(parts[j]).area < 1.0  # m², coordinate rounding only
    union = shapely.union_all(parts)
    assert union.symmetric_difference(whole).area < 1.0
    for fid in FOCUS_IDS:
        p = FOCUS[fid]["properties"]
        assert p["part_of"] == "prohlis-am-koitschgraben-2004"
        assert p["area_id"] == "prohlis-am-koitschgraben"
        assert (p["valid_from"], p["valid_to"]) == ("2004-07-01", "2016-09-29")


def test_2000_inside_2004_and_karl_laux_extension():
    g00, g04 = GEOM_M["prohlis-am-koitschgraben-2000"], GEOM_M["prohlis-am-koitschgraben-2004"]
    assert g00.difference(g04).area < 1.0
    ext = ha(g04.difference(g00))
    assert abs(ext - 5.5) <= 0.5  # published: 5.5 ha (Teilbereich Karl-Laux-Strasse)


def test_2016_and_2020_geometries_equal():
    for a in ("prohlis", "am-koitschgraben"):
        assert GEOM_M[f"{a}-2016"].symmetric_difference(GEOM_M[f"{a}-2020"]).area < 1.0
    assert GEOM_M["prohlis-2016"].intersection(GEOM_M["am-koitschgraben-2016"]).area < 1.0


def _d(s):
    return date.fromisoformat(s) if s else date.max


def test_validity_periods():
    by_area = {}
    for fid in VERSION_IDS:
        p = VERSIONS[fid]["properties"]
        assert _d(p["valid_from"]) < _d(p["valid_to"])
        by_area.setdefault(p["area_id"], []).append((_d(p["valid_from"]), _d(p["valid_to"])))
    for periods in by_area.values():
        periods.sort()
        for (_, t1), (f2, _) in zip(periods, periods[1:], strict=False):
            assert t1 <= f2  # no overlap in time
    joint = sorted(by_area["prohlis-am-koitschgraben"])
    assert all(t1 == f2 for (_, t1), (f2, _) in zip(joint, joint[1:], strict=False))  # contiguous
    # the split successors start where the joint area ends
    assert joint[-1][1] == min(f for f, _ in by_area["prohlis"]) == min(f for f, _ in by_area["am-koitschgraben"])
    for a in ("prohlis", "am-koitschgraben"):
        per = sorted(by_area[a])
        assert all(t1 == f2 for (_, t1), (f2, _) in zip(per, per[1:], strict=False))
        assert per[-1][1] == date.max  # still in force


def _checkpoints():
    with open(GEODATA / "checkpoints.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", _checkpoints(), ids=lambda r: r["name"][:40])
def test_checkpoint_inside(row):
    p = metric(Point(float(row["lon"]), float(row["lat"])))
    assert row["source"].strip()
    for fid in row["must_be_in"].split("|"):
        assert GEOM_M[fid].distance(p) <= 5.0, (fid, GEOM_M[fid].distance(p))


def test_checkpoints_match_shared_addresses():
    src = SHARED / "research" / "addresses.csv"
    if not src.exists():
        pytest.skip("shared research folder not available")
    with open(src, encoding="utf-8") as f:
        rows = {r["name"]: r for r in csv.DictReader(f)}
    for cp in _checkpoints():
        r = rows[cp["name"]]
        assert abs(float(r["lat"]) - float(cp["lat"])) < 1e-7 and abs(float(r["lon"]) - float(cp["lon"])) < 1e-7


# ------------------------------------------------------------------ projects
def test_projects_count_and_ids():
    ids = [f["id"] for f in PROJECTS]
    assert len(PROJECTS) == 40
    assert len(set(ids)) == 40
    for f in PROJECTS:
        assert f["id"] == f["properties"]["id"]
        assert f["id"].isascii() and f["id"] == f["id"].lower() and " " not in f["id"]


@pytest.mark.parametrize("f", PROJECTS, ids=lambda f: f["id"])
def test_project_fields(f):
    p = f["properties"]
    assert set(p) == PROJECT_FIELDS
    assert p["status"] in ("geplant", "laufend", "abgeschlossen")
    assert p["location_accuracy"] in ("address", "street", "approximate")
    assert p["area_id"] in (None, "prohlis", "am-koitschgraben", "prohlis-am-koitschgraben")
    assert p["source"].strip() and p["location_method"].strip() and p["title"].strip()
    for k in ("start_year", "end_year"):
        assert p[k] is None or (isinstance(p[k], int) and 1990 <= p[k] <= 2040)
    assert p["funding"] is None or p["funding"].strip()
    assert f["geometry"]["type"] in ("Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
    assert shape(f["geometry"]).is_valid


def _area_of(geom_m):
    versions = sorted(VERSIONS.values(), key=lambda f: f["properties"]["valid_from"], reverse=True)
    for f in versions:
        p = f["properties"]
        if p["area_id"] != "prohlis-am-koitschgraben" and _contains(GEOM_M[f["id"]], geom_m):
            return p["area_id"]
    for f in versions:
        if f["properties"]["area_id"] == "prohlis-am-koitschgraben" and _contains(GEOM_M[f["id"]], geom_m):
            return "prohlis-am-koitschgraben"
    return None


def _contains(area, g):
    if g.geom_type == "Point":
        return area.distance(g) < 0.05
    inter = area.intersection(g)
    return (inter.area > g.area / 2) if g.area else (inter.length > g.length / 2)


@pytest.mark.parametrize("f", PROJECTS, ids=lambda f: f["id"])
def test_project_area_id_is_spatial(f):
    assert f["properties"]["area_id"] == _area_of(metric(shape(f["geometry"])))


def test_projects_match_csv():
    with open(GEODATA / "sources" / "projects.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == [f["properties"]["title"] for f in PROJECTS]
    for r, f in zip(rows, PROJECTS, strict=True):
        p = f["properties"]
        # the source is the csv's, with the research trail in plain words (build_geodata.public);
        # the coordinate trail after "|" and "(... nicht gelesen)" remarks go to provenance.json
        assert p["status_note"] == re.sub(r"\s*\([^()]*nicht gelesen\)", "", r["status"])
        assert p["category"] == r["category"]
        assert p["source"] == _public(r["source"].split("|")[0].strip())
        if r["lat"].strip() and "Afeefa" not in r["source"]:  # licensed coordinates are used as given
            lon, lat = f["geometry"]["coordinates"]
            assert abs(lat - float(r["lat"])) < 1e-7 and abs(lon - float(r["lon"])) < 1e-7


# ------------------------------------------------------------------ timeline / context
def test_timeline_sorted_and_sourced():
    tl = load("timeline.json")
    assert len(tl) >= 20
    assert [e["date"] for e in tl] == sorted(e["date"] for e in tl)
    for e in tl:
        date.fromisoformat(e["date"])
        assert set(e) == {"date", "date_precision", "title", "description", "kind", "area_id", "source"}
        assert e["date_precision"] in ("day", "month", "year")
        assert e["kind"] in ("decision", "programme", "office", "project", "history")
        assert e["source"].strip() and e["title"].strip()
        if e["date_precision"] != "day":
            assert e["date"].endswith("-01")
        if e["date_precision"] == "year":
            assert e["date"].endswith("-01-01")
    days = {e["date"] for e in tl if e["kind"] == "decision"}
    assert {"2000-07-13", "2004-07-01", "2010-05-05", "2016-09-29"} <= days


def test_context_stadtteile():
    fs = load("context/stadtteile.geojson")["features"]
    assert sorted(f["properties"]["ref"] for f in fs) == ["71", "72", "73", "74", "75", "76", "77"]
    for f in fs:
        assert f["properties"]["attribution"] == "© OpenStreetMap contributors, ODbL 1.0"
        assert shape(f["geometry"]).is_valid


# ------------------------------------------------------------------ reproducibility
def test_build_is_reproducible(tmp_path):
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_geodata.py"), "--out", str(tmp_path)],
        check=True,
        cwd=tmp_path,
        capture_output=True,
    )
    for name in OUTPUTS:
        assert filecmp.cmp(GEODATA / name, tmp_path / name, shallow=False), name
