"""The spatial index carried from state to state (domain/spatial.py) answers as a tree of the
current geometries does: random changes in place, appended and retired rows, points and
polygons, envelope queries and predicates, through the overlay and across its rebuild."""

from __future__ import annotations

import random

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geoservice.domain import spatial
from geoservice.domain.delta import Moved
from geoservice.domain.spatial import SpatialIndex

PREDICATES = (None, "intersects", "contains", "within", "touches", "overlaps", "crosses")


def _geometry(rng: random.Random, polygons: bool):
    x, y = round(rng.uniform(0, 10), 1), round(rng.uniform(0, 10), 1)  # a coarse grid: edges meet
    if polygons and rng.random() < 0.5:
        return shapely.box(x, y, x + round(rng.uniform(0.1, 2), 1), y + round(rng.uniform(0.1, 2), 1))
    if rng.random() < 0.02:  # no geometry / an empty one (in no tree, and no answer)
        return None if polygons else shapely.Point()
    return shapely.Point(x, y)


def _frame(geoms: list, ids: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ids}, geometry=gpd.GeoSeries(geoms, crs="OGC:CRS84").values,
                            crs="OGC:CRS84", index=ids)


def _changed(rng: random.Random, old: gpd.GeoDataFrame, polygons: bool, serial: list[int]) -> Moved:
    """One random change: in place (geometries moved), or rows appended and retired."""
    geoms = list(old.geometry)
    ids = list(old.index)
    n = len(ids)
    if rng.random() < 0.6:  # in place: some rows moved, some changed otherwise
        moved = rng.sample(range(n), rng.randint(1, 5))
        same = rng.sample(range(n), 2)  # changed rows that keep their geometry
        for pos in moved:
            geoms[pos] = _geometry(rng, polygons)
        new = _frame(geoms, ids)
        source = np.arange(n)
        source[moved + same] = -1
        geometry_source = np.arange(n)
        geometry_source[moved] = -1
        return Moved(old, new, source, True, frozenset({"geometry"}), geometry_source)
    gone = set(rng.sample(range(n), rng.randint(0, 3)))
    keep = [pos for pos in range(n) if pos not in gone]
    fresh = rng.randint(0, 4)
    for _ in range(fresh):
        serial[0] += 1
    new = _frame([geoms[pos] for pos in keep] + [_geometry(rng, polygons) for _ in range(fresh)],
                 [ids[pos] for pos in keep] + [f"n{serial[0] - i}" for i in range(fresh)])
    source = np.array(keep + [-1] * fresh)
    return Moved(old, new, source, not gone and not fresh, gone=np.array(sorted(gone), dtype=np.intp))


@pytest.mark.parametrize("polygons", [False, True])
def test_a_carried_index_answers_as_a_new_tree(polygons, monkeypatch):
    monkeypatch.setattr(spatial, "REBUILD_ROWS", 40)  # the overlay is folded into a tree, too
    rng = random.Random(11 + polygons)
    frame = _frame([_geometry(rng, polygons) for _ in range(400)], [f"f{i}" for i in range(400)])
    index = SpatialIndex.of(frame)
    assert index.points is not polygons
    serial, rebuilt = [0], 0
    for _ in range(60):
        moved = _changed(rng, frame, polygons, serial)
        carried = index.carry(moved)
        rebuilt += carried.tree is not index.tree
        frame, index = moved.new, carried
        fresh = SpatialIndex.of(frame)
        assert index.rows == len(frame)
        if not polygons:
            assert index.points == fresh.points
        for _ in range(15):
            x0, x1 = sorted(round(rng.uniform(-1, 11), 1) for _ in range(2))
            y0, y1 = sorted(round(rng.uniform(-1, 11), 1) for _ in range(2))
            box = (x0, y0, x1 + 0.1, y1 + 0.1)
            assert sorted(index.bbox(box)) == sorted(fresh.bbox(box)), box
            geom = shapely.box(*box) if rng.random() < 0.5 else _geometry(rng, True)
            for predicate in PREDICATES:
                assert sorted(index.query(geom, predicate)) == sorted(fresh.query(geom, predicate))
    assert rebuilt, "the overlay never passed its bound"


def test_an_unchanged_geometry_keeps_the_index():
    rng = random.Random(3)
    frame = _frame([_geometry(rng, False) for _ in range(50)], [f"f{i}" for i in range(50)])
    index = SpatialIndex.of(frame)
    source = np.arange(50)
    source[7] = -1
    moved = Moved(frame, frame.copy(), source, True, frozenset({"title"}))
    assert index.carry(moved) is index
