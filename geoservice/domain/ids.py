"""Row positions by feature id of one collection frame, carried from state to state.

pandas builds the hash table of a frame's index on its first lookup (about 45 ms of CPU at
100,000 projects), and every appended or removed row makes a new index. `RowIds` keeps the ids of
an earlier frame's rows and those of the rows appended since, each by its place in that sequence,
and the places of the rows that left since: a row's position is its place less the places gone
before it. So a change shares the table and adds only the ids of its appended rows and the places
of its removed ones; past ADDED_LIMIT of both, one new table is made. Every lookup by id asks
it through Dataset.position / Dataset.row, never `fid in frame.index` or `frame.loc[fid]`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np

ADDED_LIMIT = 4096  # appended ids and places gone kept apart; more: one new table
NONE = np.empty(0, dtype=np.intp)


@dataclass(frozen=True, eq=False)
class RowIds:
    """Position by id: `base` (rows of an earlier frame), then `added`, without `gone`."""

    base: dict[str, int]  # id -> place (its position in the earlier frame)
    added: dict[str, int]  # id -> place of a row appended since (places go on after base's)
    rows: int  # rows of this frame
    places: int = -1  # places given (base rows, appended rows, gone ones too); -1: `rows`
    gone: np.ndarray = field(default_factory=lambda: NONE)  # places of rows that left, ascending

    def __post_init__(self) -> None:
        if self.places < 0:
            object.__setattr__(self, "places", self.rows)
        # per place gone: the position before which its row was (how many places are gone
        # before a position is how many of these are at or below it)
        object.__setattr__(self, "_before", self.gone - np.arange(len(self.gone)))

    @classmethod
    def of(cls, gdf: gpd.GeoDataFrame) -> RowIds:
        return cls(dict(zip(gdf.index.tolist(), range(len(gdf)), strict=True)), {}, len(gdf))

    def get(self, fid) -> int | None:
        """The row of a feature id, or None (TypeError for an id that cannot be one)."""
        place = self.added.get(fid)
        if place is None:
            place = self.base.get(fid)
        if place is None or not len(self.gone):
            return place
        before = int(np.searchsorted(self.gone, place))
        if before < len(self.gone) and self.gone[before] == place:
            return None  # it left
        return place - before

    def _places(self, positions: np.ndarray) -> np.ndarray:
        """The places of the rows at these positions of this frame."""
        return positions + np.searchsorted(self._before, positions, side="right")

    def carry(self, moved) -> RowIds:
        """The ids of a changed frame (domain.delta.Moved: the old rows without those that left,
        in their order, then the new ones)."""
        if len(moved.new) == self.rows and moved.stable:
            return self
        appended = len(moved.new) - (self.rows - len(moved.gone))
        if len(self.added) + appended + len(self.gone) + len(moved.gone) > ADDED_LIMIT:
            return RowIds.of(moved.new)
        gone = np.union1d(self.gone, self._places(moved.gone)).astype(np.intp) \
            if len(moved.gone) else self.gone
        new = moved.new.index[len(moved.new) - appended:].tolist()
        added = {**self.added, **dict(zip(new, range(self.places, self.places + appended),
                                          strict=True))} if appended else self.added
        return RowIds(self.base, added, len(moved.new), self.places + appended, gone)


class Layered(Mapping):
    """A dict of an earlier state and the entries changed since (a value None: removed), so a
    change copies its own entries, not the dict (a state's record ids per feature id: ~5 ms of
    CPU to copy at 100,000 projects); past ADDED_LIMIT changed entries, one new dict."""

    __slots__ = ("base", "changes")

    def __init__(self, base: dict, changes: dict) -> None:
        self.base, self.changes = base, changes

    @classmethod
    def over(cls, entries: Mapping) -> Layered:
        return entries if isinstance(entries, Layered) else cls(entries, {})  # states' dicts stay

    def updated(self, changes: dict) -> Layered:
        """These entries changed (None: removed)."""
        changes = {**self.changes, **changes}
        if len(changes) > ADDED_LIMIT:
            return Layered(dict(Layered(self.base, changes).items()), {})
        return Layered(self.base, changes)

    def __getitem__(self, key):
        value = self.changes[key] if key in self.changes else self.base[key]
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator:
        changes = self.changes
        yield from (key for key in self.base if key not in changes)
        yield from (key for key, value in changes.items() if value is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def row_ids(gdf: gpd.GeoDataFrame, memo, name: str) -> RowIds:
    """The row ids of a collection's frame, once per state (`memo`: Dataset.memo)."""
    return memo(("ids", name), lambda: RowIds.of(gdf))
