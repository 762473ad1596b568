"""A Dataset updated by the features of a few changes, instead of rebuilt from every feature.

`updated(data, changed, ...)` returns a new Dataset (requests that started on the old one keep
it): the changed rows are checked by the rules a full load applies, prepared, and put in place
(a changed feature keeps its place, a new one is appended, a retired one leaves); the frame's
STRtree is built before the new state is served. Derived values of the old state's memo that
stay valid are carried over: whatever belongs to an unchanged collection, and every value that
knows how to follow a changed one (`carry`, e.g. the serialized features: only the changed
rows are serialized again). The answer equals what `build_dataset` builds from all features,
which tests/test_snapshot_delta.py compares.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geoservice.domain.dataset import Dataset, _size, frame, prepare
from geoservice.domain.schema import COLLECTIONS, check_references, promote, validate
from geoservice.errors import DataError

# memo keys (their first element) that describe one collection (the second element) alone
PER_COLLECTION = {"features", "sindex", "times", "all", "ranks"}


@dataclass(frozen=True)
class Moved:
    """Where each row of a changed collection's new frame came from: the old position, or -1."""

    old: gpd.GeoDataFrame
    new: gpd.GeoDataFrame
    source: np.ndarray  # per new position

    @property
    def in_place(self) -> bool:
        """True when every kept row stayed at its position (no row came or went)."""
        kept = self.source >= 0
        return len(self.new) == len(self.old) and bool(np.array_equal(np.flatnonzero(kept),
                                                                      self.source[kept]))


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
    record_ids = dict(data.record_ids)
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
            record_ids = {key: rid for key, rid in record_ids.items() if key[0] != name}
        else:
            new, source = _placed(old, rows, features)
            new.sindex  # the tree now, not on the first request  # noqa: B018
            frames[name], moves[name] = new, Moved(old, new, source)
        for fid, feature in features.items():
            if feature is None:
                record_ids.pop((name, fid), None)
            else:
                record_ids[(name, fid)] = feature.record_id
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
    return result


def _placed(old: gpd.GeoDataFrame, rows: gpd.GeoDataFrame | None,
            features: dict[str, Any]) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Return the new frame (changed rows in place, new ones appended in the store's order, retired
    ones gone) and, per new position, the old position it came from (-1: a changed or new row)."""
    n = len(old)
    source = np.arange(n)
    take = np.arange(n)
    where = old.index.get_indexer(list(features))
    gone = []
    appended = []
    row_of = {fid: i for i, fid in enumerate(rows.index)} if rows is not None else {}
    if rows is not None and (len(row_of) != len(rows) or not set(row_of) <= set(features)):
        raise DataError("store", ["a changed feature's id differs from its record's"])
    for (fid, feature), pos in zip(features.items(), where, strict=True):
        if feature is None:
            if pos >= 0:
                gone.append(pos)
        elif pos >= 0:
            take[pos], source[pos] = n + row_of[fid], -1
        else:
            appended.append(n + row_of[fid])
    take = np.concatenate([np.delete(take, gone), np.array(appended, dtype=take.dtype)])
    source = np.concatenate([np.delete(source, gone), np.full(len(appended), -1)])
    if rows is None:
        return old.iloc[take], source
    extra = set(rows.columns) - set(old.columns)
    if extra:  # a property no served feature has: only a full load makes the columns right
        raise DataError("store", [f"new properties {', '.join(sorted(extra))}"])
    combined = pd.concat([old, rows.reindex(columns=old.columns)])
    return combined.iloc[take], source


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
            value = carry(moved) if carry is not None else None
        if value is not None:
            new._memo[key] = value
            new._memo_bytes[0] += _size(value)
