"""bbox selection: the STRtree's envelope test equals `intersects` for points, and select() agrees
with a plain geometric filter on the served data."""

import random

import geopandas as gpd
import numpy as np
import shapely

from geoservice.api import features
from geoservice.domain.order import sort_positions
from geoservice.domain.schema import FUNDING_AREAS, PROJECTS


def test_points_envelope_query_equals_intersects():
    rng = random.Random(5)
    # points on a coarse grid, so that many lie exactly on box edges and corners
    xs = [round(rng.uniform(0, 10), 1) for _ in range(5000)]
    ys = [round(rng.uniform(0, 10), 1) for _ in range(5000)]
    tree = shapely.STRtree(shapely.points(xs, ys))
    for _ in range(2000):
        x0, x1 = sorted(round(rng.uniform(-1, 11), 1) for _ in range(2))
        y0, y1 = sorted(round(rng.uniform(-1, 11), 1) for _ in range(2))
        if x0 == x1 or y0 == y1:
            continue
        box = shapely.box(x0, y0, x1, y1)
        assert np.array_equal(np.sort(tree.query(box)),
                              np.sort(tree.query(box, predicate="intersects"))), (x0, y0, x1, y1)


def _reference(gdf: gpd.GeoDataFrame, box) -> list[int]:
    return list(np.flatnonzero(gdf.geometry.intersects(shapely.box(*box)).to_numpy()))


def test_select_bbox_matches_geometric_filter(app):
    data = app.extensions["geoservice"].dataset
    rng = random.Random(6)
    for spec in (PROJECTS, FUNDING_AREAS):
        gdf = data.collection(spec.name)
        minx, miny, maxx, maxy = gdf.total_bounds
        boxes = [tuple(gdf.geometry.iloc[0].bounds)]  # a box whose edges touch a geometry
        for _ in range(300):
            x0, x1 = sorted(rng.uniform(minx - 0.005, maxx + 0.005) for _ in range(2))
            y0, y1 = sorted(rng.uniform(miny - 0.005, maxy + 0.005) for _ in range(2))
            boxes.append((x0, y0, x1, y1))
        for x, y in shapely.get_coordinates(gdf.geometry.to_numpy())[:50]:
            boxes.append((x, y, x + 0.001, y + 0.001))  # a corner exactly on a vertex/point
        for box in boxes:
            got = features.select(data, spec, features.Query(bbox_crs84=box))
            assert list(got) == _reference(gdf, box), (spec.name, box)


def _pandas_sorted(gdf, positions, sortby):
    frame = gdf.iloc[positions][[name for name, _ in sortby]].copy()
    frame["_pos"] = positions
    frame = frame.sort_values([name for name, _ in sortby], ascending=[asc for _, asc in sortby],
                              kind="stable", na_position="last")
    return list(frame["_pos"])


def test_sortby_matches_pandas_stable_sort(app):
    from geoservice.params import sortable

    data = app.extensions["geoservice"].dataset
    rng = random.Random(7)
    for spec in (PROJECTS, FUNDING_AREAS):
        gdf = data.collection(spec.name)
        names = sortable(spec)
        for _ in range(400):
            keys = tuple((name, rng.random() < 0.5) for name in rng.sample(names, rng.randint(1, 3)))
            positions = np.sort(rng.sample(range(len(gdf)), rng.randint(2, len(gdf))))
            positions = np.array(positions, dtype=np.intp)
            assert list(sort_positions(data, spec, positions, keys)) == \
                _pandas_sorted(gdf, positions, keys), keys
