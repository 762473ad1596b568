"""Values a state derives one per row, each from its row alone, carried to the next state.

A filter's typed columns (domain/cql: folded strings, numbers, nulls, day spans) and the time
columns as arrays are built once per state, in O(rows) of Python for some. `PerRow` keeps with
such a value how it is computed and which columns it reads, so a change (domain/delta.py `Moved`)
computes it only for the rows that changed or came and takes the other rows' entries (positions
shift when rows left), or keeps it as it is when its columns did not change in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np


@dataclass(frozen=True, eq=False)
class PerRow:
    """An array with one entry per row (or a tuple of them), and how to compute it for rows."""

    value: Any
    # the value for a frame's rows; it holds no frame or state (the states it follows would stay)
    build: Callable[[gpd.GeoDataFrame], Any]
    columns: frozenset[str]  # the columns `build` reads

    def carry(self, moved) -> PerRow:
        """The value for a changed frame (domain.delta.Moved)."""
        if moved.columns is not None and not self.columns & moved.columns:
            return self  # in place, and none of its columns changed
        fresh = np.flatnonzero(moved.source < 0)  # changed and new rows
        part = self.build(moved.fresh_rows) if len(fresh) else None
        return PerRow(_placed(self.value, part, moved.source, fresh), self.build, self.columns)


def _placed(value, part, source: np.ndarray, fresh: np.ndarray):
    if isinstance(value, tuple):
        parts = (None,) * len(value) if part is None else part
        return tuple(_placed(v, p, source, fresh) for v, p in zip(value, parts, strict=True))
    out = value[source]  # the entries of fresh rows are set next
    if part is not None:
        out[fresh] = part
    return out


def per_row(memo, key: tuple, gdf: gpd.GeoDataFrame, columns: tuple[str, ...],
            build: Callable[[gpd.GeoDataFrame], Any]) -> Any:
    """`build(gdf)`, once per state (`memo`: Dataset.memo) and carried to the next ones."""
    return memo(key, lambda: PerRow(build(gdf), build, frozenset(columns))).value
