"""The order of a collection's rows by sortby keys: numpy on per-state ranks of each column.

A column's ranks (`Ranks`) are built once per state (a sorted set of its values: about 40 ms of
CPU per column at 100,000 projects) and follow a changed frame (domain/delta.py) in O(changed
rows): rows that left take their ranks with them, a changed or new row's value is looked up among
the sorted values, a value not seen before is inserted, moving the ranks above it up by one. Ranks
of values that no longer occur are kept (up to a bound): sorting needs the order of the ranks,
not that they are dense, so the order equals that of ranks built afresh (tests/test_carry.py,
tests/test_snapshot_delta.py).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geoservice.domain.dataset import Dataset
from geoservice.domain.schema import CollectionSpec

STALE_VALUES = 1024  # values no row has kept beyond twice the rows; more: built afresh


@dataclass(frozen=True, eq=False)
class Ranks:
    """Per row, the place of its value among the column's distinct values (-1: null)."""

    column: str
    ranks: np.ndarray
    values: list  # distinct values (not null), ascending; some may no longer occur

    @property
    def count(self) -> int:
        """Greater than every rank: where nulls go."""
        return len(self.values)

    @classmethod
    def of(cls, gdf: gpd.GeoDataFrame, column: str) -> Ranks | None:
        """The ranks of a frame's column; None when its values do not compare with each other."""
        values = gdf[column].astype(object).to_numpy()
        present = [v for v in values if not pd.isna(v)]
        try:
            ordered = sorted(set(present))
        except TypeError:
            return None
        order = {value: rank for rank, value in enumerate(ordered)}
        ranks = np.array([-1 if pd.isna(v) else order[v] for v in values], dtype=np.int64)
        return cls(column, ranks, ordered)

    def carry(self, moved) -> Ranks | None:
        """The ranks of a changed frame (domain.delta.Moved); None when a new value does not
        compare with the others (they are then built afresh, when asked)."""
        if moved.columns is not None and self.column not in moved.columns:
            return self  # in place, and this column's values did not change
        fresh = np.flatnonzero(moved.source < 0)  # changed and new rows
        ranks = self.ranks[moved.source]  # the fresh rows' entries are set below
        if not len(fresh):
            return Ranks(self.column, ranks, self.values)
        news = moved.new[self.column].iloc[fresh].astype(object).to_numpy()
        values, inserted = list(self.values), []
        try:
            for value in news:
                if pd.isna(value):
                    continue
                at = bisect_left(values, value)
                if at == len(values) or values[at] != value:
                    values.insert(at, value)
                    inserted.append(bisect_left(self.values, value))  # its place among the old
            if inserted:  # the ranks at or above an inserted value's place move up
                ranks += np.searchsorted(np.sort(np.array(inserted)), ranks, side="right")
            ranks[fresh] = [-1 if pd.isna(value) else bisect_left(values, value) for value in news]
        except TypeError:
            return None
        if len(values) > 2 * len(ranks) + STALE_VALUES:  # mostly values no row has any more
            return None
        return Ranks(self.column, ranks, values)


def ranks(data: Dataset, spec: CollectionSpec, column: str) -> Ranks | None:
    """The ranks of a collection's column, once per state (carried to the next, domain/delta.py)."""
    return data.memo(("ranks", spec.name, column),
                     lambda: Ranks.of(data.collection(spec.name), column))


def sort_positions(data: Dataset, spec: CollectionSpec, positions: np.ndarray,
                   sortby: tuple[tuple[str, bool], ...]) -> np.ndarray:
    """Return positions ordered by the sortby keys: stable, nulls last in either direction.

    numpy on per-state ranks (as DataFrame.sort_values(kind="stable", na_position="last")
    orders them; tests/test_select_bbox.py compares both).
    """
    keys = []
    for name, ascending in sortby:
        ranked = ranks(data, spec, name)
        if ranked is None:  # mixed types: let pandas decide, as before
            frame = data.collection(spec.name).iloc[positions][[n for n, _ in sortby]].copy()
            frame["_pos"] = positions
            frame = frame.sort_values([n for n, _ in sortby], ascending=[a for _, a in sortby],
                                      kind="stable", na_position="last")
            return frame["_pos"].to_numpy()
        count = ranked.count
        key = ranked.ranks[positions]
        keys.append(np.where(key < 0, count, key if ascending else count - 1 - key))
    return positions[np.lexsort(keys[::-1])]
