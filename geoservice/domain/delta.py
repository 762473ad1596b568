"""A Dataset updated by the features of a few changes, instead of rebuilt from every feature.

`updated(data, changed, ...)` returns a new Dataset (requests that started on the old one keep
it): the changed rows are checked by the rules a full load applies, prepared, and put in place
(a changed feature keeps its place, a new one is appended, a retired one leaves). When every
changed feature keeps its place (a PATCH or PUT), the new frame shares the old one's index and
every column whose values did not change; only the changed columns are copied (pointer copies),
and the spatial index keeps its STRtree (domain/spatial.py: the changed geometries beside it).
When rows leave (a DELETE) or come (a POST), pandas takes or concatenates the frame's rows
(pointer copies: the one step of O(rows) left, ~10-20 ms at 100,000 projects).
Derived values of the old state's memo that stay valid are carried over: whatever belongs to an
unchanged collection, whatever depends only on columns that did not change, and every value
that knows how to follow a changed one (`carry`, in O(changed rows) plus at most a few integer
arrays: the serialized features, only changed and new rows serialized again, each other row's
bytes found by its slot once rows left; the spatial index; the ids, domain/ids.py; the sort
ranks, domain/order.py; values held per row, domain/per_row.py). The answer equals what
`build_dataset` builds from all features, which tests/test_snapshot_delta.py compares.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from geopandas.array import GeometryArray

from geoservice.domain.dataset import Dataset, _size, frame, prepare
from geoservice.domain.ids import NONE, Layered, RowIds, row_ids
from geoservice.domain.schema import COLLECTIONS, check_references, promote, validate
from geoservice.domain.spatial import spatial_index
from geoservice.errors import DataError

# memo keys (their first element) that describe one collection (the second element) alone
PER_COLLECTION = {"features", "sindex", "ids", "times", "all", "ranks", "cql", "derived"}


@dataclass(frozen=True)
class Moved:
    """Where each row of a changed collection's new frame came from: the old position, or -1.

    The new frame is always the old one without the rows that left (`gone`), the others in their
    order (changed ones among them), followed by the new rows.
    """

    old: gpd.GeoDataFrame
    new: gpd.GeoDataFrame
    source: np.ndarray  # per new position: the old position of an unchanged row, or -1
    in_place: bool = False  # every kept row stayed at its position (no row came or went)
    # in place: the columns whose values changed (None: not known, take every one as changed)
    columns: frozenset[str] | None = None
    # per new position: the old position whose geometry the row still has, or -1 (None: source)
    geometry_source: np.ndarray | None = None
    gone: np.ndarray = field(default_factory=lambda: NONE)  # old positions of rows that left, ascending

    @property
    def stable(self) -> bool:
        """Every old row is at its old position (new ones may follow)."""
        return not len(self.gone)

    @cached_property
    def fresh_rows(self) -> gpd.GeoDataFrame:
        """The rows of the new frame that changed or came (source -1), in their order."""
        return self.new.iloc[np.flatnonzero(self.source < 0)]


# a memo value that can follow its collection to the new state: carry(moved) -> new value | None
Carry = Callable[[Moved], Any]


def updated(data: Dataset, changed: dict[str, dict[str, Any]], change_id: int, version: str,
            last_modified: datetime, whole: frozenset[str] = frozenset()) -> Dataset:
    """Return `data` with the changed features (storage Feature, or None: retired) applied.

    `whole` names collections whose every current feature is in `changed` (those whose rules
    span rows, e.g. the funding areas' versions): they are built anew as a full load builds them.
    Raises DataError when the changed rows break a rule (the caller then loads the whole state,
    which reports it as a full load would).
    """
    frames = dict(data.collections)
    moves: dict[str, Moved | None] = {}
    fresh: dict[str, gpd.GeoDataFrame | None] = {}  # the changed rows, prepared
    record_ids = dict(data.record_ids)  # those of changed collections are replaced
    for name, features in changed.items():
        spec = COLLECTIONS[name]
        old = frames[name]
        live = [f for f in features.values() if f is not None]
        raw = promote(frame(live, spec.fields), spec) if live else None
        problems = validate(raw, spec) if raw is not None else []
        if problems:
            raise DataError(f"store: {name}", problems)
        rows = fresh[name] = prepare(raw, spec, data.this_year) if raw is not None else None
        if name in whole:
            if rows is None:
                raise DataError(f"store: {name}", [f"{name}: the file has no features"])
            frames[name], moves[name] = rows, None
            record_ids[name] = {fid: f.record_id for fid, f in features.items() if f is not None}
        else:
            moves[name] = _placed(old, rows, features, row_ids(old, data.memo, name))
            frames[name] = moves[name].new
            record_ids[name] = Layered.over(record_ids.get(name, {})).updated(
                {fid: None if f is None else f.record_id for fid, f in features.items()})
    for name, spec in COLLECTIONS.items():
        if any(ref.collection in moves for ref in spec.references) or moves.get(name, 0) is None:
            problems = check_references(frames[name], spec, frames)  # what it names changed
        elif fresh.get(name) is not None:  # only its changed rows can name something missing
            problems = check_references(fresh[name], spec, frames)
        else:
            problems = []
        if problems:
            raise DataError(f"store: {name}", problems)
    result = replace(data, collections=frames, version=version, last_modified=last_modified,
                     change_id=change_id, record_ids=record_ids, _memo=OrderedDict(),
                     _memo_bytes=[0])
    _carry_memo(data, result, moves)
    for name, moved in moves.items():
        if moved is not None:  # the spatial index now (carried: its tree kept), not on a request
            spatial_index(frames[name], result.memo, name)
    return result


def _placed(old: gpd.GeoDataFrame, rows: gpd.GeoDataFrame | None,
            features: dict[str, Any], ids: RowIds) -> Moved:
    """Return the new frame (changed rows in place, new ones appended in the store's order, retired
    ones gone) and, per new position, the old position it came from (-1: a changed or new row)."""
    n = len(old)
    source = np.arange(n)
    take = np.arange(n)
    where = [-1 if (pos := ids.get(fid)) is None else pos for fid in features]
    gone = []
    appended = []
    changed = []  # (old position, row of `rows`)
    row_of = {fid: i for i, fid in enumerate(rows.index)} if rows is not None else {}
    if rows is not None and (len(row_of) != len(rows) or not set(row_of) <= set(features)):
        raise DataError("store", ["a changed feature's id differs from its record's"])
    for (fid, feature), pos in zip(features.items(), where, strict=True):
        if feature is None:
            if pos >= 0:
                gone.append(pos)
        elif pos >= 0:
            take[pos], source[pos] = n + row_of[fid], -1
            changed.append((pos, row_of[fid]))
        else:
            appended.append(n + row_of[fid])
    in_place = not gone and not appended
    gone = np.array(sorted(gone), dtype=np.intp)
    if rows is None and in_place:  # only features the state does not serve were retired
        return Moved(old, old, source, True, frozenset())
    if rows is not None:
        extra = set(rows.columns) - set(old.columns)
        if extra:  # a property no served feature has: only a full load makes the columns right
            raise DataError("store", [f"new properties {', '.join(sorted(extra))}"])
        if not len(gone):  # every row keeps its place: changed ones set in place, new ones appended
            moved = _in_place(old, rows, changed, source) if changed else \
                Moved(old, old, source, True, frozenset())
            if moved is not None and not appended:
                return moved
            if moved is not None:
                added = rows.iloc[[at - n for at in appended]].reindex(columns=old.columns)
                return Moved(old, pd.concat([moved.new, added]),
                             np.concatenate([source, np.full(len(appended), -1)]))
    take = np.concatenate([np.delete(take, gone), np.array(appended, dtype=take.dtype)])
    source = np.concatenate([np.delete(source, gone), np.full(len(appended), -1)])
    if rows is None:  # rows left, none came: pandas takes the others (pointers, no values)
        return Moved(old, old.take(take), source, in_place, gone=gone)
    combined = pd.concat([old, rows.reindex(columns=old.columns)])
    return Moved(old, combined.iloc[take], source, in_place, gone=gone)


def _in_place(old: gpd.GeoDataFrame, rows: gpd.GeoDataFrame, changed: list[tuple[int, int]],
              source: np.ndarray) -> Moved | None:
    """The new frame when every changed row keeps its place: the old frame's index and unchanged
    columns shared, each changed column copied with the new values set (None: a column whose
    type the new values would change; the caller then concatenates as a full load would type it)."""
    if set(old.columns) != set(rows.columns):
        return None
    positions = np.array([pos for pos, _ in changed], dtype=np.intp)
    picked = np.array([row for _, row in changed], dtype=np.intp)
    geometry = old.geometry.name
    # the changed rows' old and new values, one small table each (a column at a time costs more)
    before = old.iloc[positions].to_numpy(dtype=object)
    after = rows.iloc[picked].reindex(columns=old.columns).to_numpy(dtype=object)
    kinds, fresh_kinds = old.dtypes, rows.dtypes
    new = old.copy(deep=False)
    new.index = old.index  # the same Index object: its hash table of ids is not built again
    columns: set[str] = set()
    geometry_source = None
    for i, column in enumerate(old.columns):
        if column == geometry:
            moved = _moved_geometries(before[:, i], after[:, i])
            if moved.any():
                values = np.asarray(old.geometry.array, dtype=object).copy()
                values[positions] = after[:, i]
                new[column] = GeometryArray(values, crs=old.crs)
                columns.add(column)
                geometry_source = np.arange(len(old))
                geometry_source[positions[moved]] = -1
            continue
        kind = kinds.iloc[i]
        plain = kind == np.dtype(object)
        if not plain and not (isinstance(kind, np.dtype) and fresh_kinds[column] == kind):
            return None
        if all(map(_same, before[:, i], after[:, i])):
            continue
        values = old[column].to_numpy().copy()
        values[positions] = after[:, i] if plain else rows[column].to_numpy()[picked]
        new[column] = pd.Series(values, index=new.index, dtype=kind, copy=False)
        columns.add(column)
    return Moved(old, new, source, True, frozenset(columns), geometry_source)


def _same(a, b) -> bool:
    """True when two values are certainly the same to every answer (else the column is copied)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, (str, int, date)):  # bool is an int
        return a == b
    if isinstance(a, float):  # NaN differs; -0.0 is written otherwise than 0.0
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return repr(a) == repr(b)  # lists, objects: their order and -0.0 matter to the bytes


def _moved_geometries(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Per pair, True when the geometries differ in any coordinate or part (their WKB)."""
    return np.array([a is not b and (a is None or b is None or a.wkb != b.wkb)
                     for a, b in zip(before, after, strict=True)], dtype=bool)


# the columns a memo value of a collection depends on (key -> names; None: treat as changed)
# (values that follow a change themselves have `carry`: the spatial index, ids, serialized
# features, ranks, values per row (domain/per_row.py); what is left: positions, and no ranks)
def _depends(key: tuple) -> frozenset[str] | None:
    if key[0] == "all":
        return frozenset()
    if key[0] == "ranks" and len(key) > 2:  # a column whose values do not compare (None)
        return frozenset({key[2]})
    return None


def _carry_memo(old: Dataset, new: Dataset, moves: dict[str, Moved | None]) -> None:
    """Copy the old memo's values that stay valid into the new state's memo, oldest first."""
    with old._lock:
        entries = list(old._memo.items())
    for key, value in entries:
        if not (isinstance(key, tuple) and len(key) > 1 and key[0] in PER_COLLECTION):
            continue
        if key[1] in moves:
            moved = moves[key[1]]
            carry = getattr(value, "carry", None) if moved is not None else None
            if carry is not None:
                value = carry(moved)
            elif moved is None or not _unchanged(key, moved):
                value = None
        if value is not None:
            new._memo[key] = value
            new._memo_bytes[0] += _size(value)


def _unchanged(key: tuple, moved: Moved) -> bool:
    """True when a memo value of a changed collection depends on no column that changed."""
    depends = _depends(key)
    return moved.in_place and moved.columns is not None and depends is not None \
        and not depends & moved.columns
