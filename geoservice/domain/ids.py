"""Row positions by feature id of one collection frame, carried from state to state.

pandas builds the hash table of a frame's index on its first lookup (about 45 ms of CPU at
100,000 projects), and every appended row makes a new index. `RowIds` keeps the ids of an earlier
frame's rows (each still at its position) and those of the rows appended since, so a change that
keeps every row in place shares it and one that appends rows adds only theirs; a change that
removes rows (positions shift) drops it, and it is built again on the next lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd

ADDED_LIMIT = 4096  # appended ids kept apart; more: one new table


@dataclass(frozen=True, eq=False)
class RowIds:
    """Position by id: `base` (rows of an earlier frame, at the same places), then `added`."""

    base: dict[str, int]
    added: dict[str, int]
    rows: int

    @classmethod
    def of(cls, gdf: gpd.GeoDataFrame) -> RowIds:
        return cls(dict(zip(gdf.index.tolist(), range(len(gdf)), strict=True)), {}, len(gdf))

    def get(self, fid) -> int | None:
        """The row of a feature id, or None (TypeError for an id that cannot be one)."""
        pos = self.added.get(fid)
        return self.base.get(fid) if pos is None else pos

    def carry(self, moved) -> RowIds | None:
        """The ids of a changed frame (domain.delta.Moved); None when rows moved."""
        if not moved.stable:
            return None
        if len(moved.new) == self.rows:
            return self
        new = moved.new.index[self.rows:].tolist()
        if len(self.added) + len(new) > ADDED_LIMIT:
            return RowIds.of(moved.new)
        added = dict(zip(new, range(self.rows, len(moved.new)), strict=True))
        return RowIds(self.base, {**self.added, **added}, len(moved.new))


def row_ids(gdf: gpd.GeoDataFrame, memo, name: str) -> RowIds:
    """The row ids of a collection's frame, once per state (`memo`: Dataset.memo)."""
    return memo(("ids", name), lambda: RowIds.of(gdf))
