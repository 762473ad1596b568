"""The spatial index of one collection frame, carried from state to state as the rows change.

An STRtree costs O(n) to build (about 150 ms at 100,000 projects on a loaded machine), and a
change of a few rows would build it again for every state. `SpatialIndex` is instead a tree of
some earlier state's geometries plus a small overlay: the rows whose geometry is not in the tree
(changed or new since the tree was built) are tested directly, and the tree's entries of rows that
changed or left are masked. A query gives exactly the rows a tree of the current geometries
gives; the tree is built afresh when the overlay passes a share of the rows (REBUILD_*).
tests/test_spatial.py compares both on random changes, points and polygons.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

# the overlay is folded into a new tree when it holds more rows than this, or this share
REBUILD_ROWS = 1024
REBUILD_SHARE = 1 / 16


def _bounds(geoms: np.ndarray) -> np.ndarray:
    """Envelopes (n x 4); NaN for a missing or empty geometry, which no envelope test passes."""
    return shapely.bounds(geoms) if len(geoms) else np.empty((0, 4))


def _all_points(geoms: np.ndarray) -> bool:
    types = shapely.get_type_id(geoms)
    return bool(len(types)) and bool(np.all(types == 0))


@dataclass(frozen=True, eq=False)
class SpatialIndex:
    """Row positions by geometry for one frame: a tree plus an overlay of rows not in it."""

    tree: gpd.sindex.SpatialIndex  # of the frame it was built for (shared with that frame)
    at: np.ndarray | None  # per tree item, the row position now (-1: changed or gone); None: same
    item: np.ndarray | None  # per row, its tree item (-1: in the overlay); None: the same
    extra: np.ndarray  # positions of the overlay's rows, ascending
    extra_geoms: np.ndarray
    extra_bounds: np.ndarray
    points: bool  # every geometry a point: the envelope test is the exact answer
    rows: int
    built: int  # rows of the frame the tree was built for (its items, empty geometries too)

    @classmethod
    def of(cls, gdf: gpd.GeoDataFrame) -> SpatialIndex:
        """The index of a frame's geometries (its STRtree: built once, kept by the frame)."""
        geoms = np.asarray(gdf.geometry.array, dtype=object)
        none = np.empty(0, dtype=object)
        return cls(gdf.sindex, None, None, np.empty(0, dtype=np.intp), none, _bounds(none),
                   _all_points(geoms), len(gdf), len(gdf))

    def query(self, geom, predicate: str | None = None) -> np.ndarray:
        """Positions (unordered) of the rows whose envelope meets geom's (predicate None), or
        for which `predicate(geom, row's geometry)` holds, as STRtree.query answers."""
        hits = self.tree.query(geom, predicate=predicate)
        if self.at is not None:
            hits = self.at[hits]
            hits = hits[hits >= 0]
        if not len(self.extra):
            return hits
        x0, y0, x1, y1 = shapely.bounds(geom)
        b = self.extra_bounds
        near = np.flatnonzero((b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0))
        if predicate is not None and len(near):
            near = near[getattr(shapely, predicate)(geom, self.extra_geoms[near])]
        return np.concatenate([hits, self.extra[near]]) if len(near) else hits

    def bbox(self, box: tuple[float, float, float, float]) -> np.ndarray:
        """Positions (unordered) of the rows intersecting an axis-parallel box. For points the
        envelope test is exact (a point meets a box exactly when it lies in it, edges included),
        so the exact predicate (40x slower at 100k points) is skipped."""
        return self.query(shapely.box(*box), None if self.points else "intersects")

    def carry(self, moved) -> SpatialIndex:
        """The index of a changed frame (domain.delta.Moved): the tree kept, the rows whose
        geometry changed or that are new in the overlay; a new tree past the overlay's bound."""
        new = moved.new
        if moved.columns is not None and new.geometry.name not in moved.columns:
            return self  # same rows at the same places, same geometries: the same answers
        source = moved.source if moved.geometry_source is None else moved.geometry_source
        n = len(new)
        item = np.full(n, -1, dtype=np.intp)
        kept = source >= 0
        item[kept] = source[kept] if self.item is None else self.item[source[kept]]
        extra = np.flatnonzero(item < 0)
        if len(extra) > REBUILD_ROWS + n * REBUILD_SHARE:
            return SpatialIndex.of(new)  # a tree of the current geometries (O(n), seldom)
        at = np.full(self.built, -1, dtype=np.intp)
        in_tree = item >= 0
        at[item[in_tree]] = np.flatnonzero(in_tree)
        geoms = np.asarray(new.geometry.array, dtype=object)[extra]
        # the tree's live rows are points when `points` was true; the overlay is checked
        return SpatialIndex(self.tree, at, item, extra, geoms, _bounds(geoms),
                            self.points and (not len(geoms) or _all_points(geoms)), n, self.built)


def spatial_index(gdf: gpd.GeoDataFrame, memo, name: str) -> SpatialIndex:
    """The spatial index of a collection's frame, once per state (`memo`: Dataset.memo)."""
    return memo(("sindex", name), lambda: SpatialIndex.of(gdf))
