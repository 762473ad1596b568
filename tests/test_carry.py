"""Values carried from state to state (domain/delta.py `Moved`) answer as ones built afresh from
the new frame: positions by id (domain/ids.py, across its bound), sort ranks (domain/order.py)
and values per row (domain/per_row.py), over random changes in place, appended and retired rows,
and rows that only leave; a state's record ids by feature id (`Layered`) as a dict changed alike."""

from __future__ import annotations

import random

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geoservice.domain import ids
from geoservice.domain.delta import Moved
from geoservice.domain.ids import Layered, RowIds
from geoservice.domain.order import Ranks
from geoservice.domain.per_row import PerRow

TITLES = ["Aue", "Bad", "Dorf", "Elbe", "Park", None]  # repeated values and nulls


def _frame(ids_: list[str], titles: list, years: list) -> gpd.GeoDataFrame:
    points = gpd.GeoSeries([shapely.Point(i, i) for i in range(len(ids_))], crs="OGC:CRS84")
    return gpd.GeoDataFrame({"id": ids_, "title": np.array([*titles, 0], dtype=object)[:-1],
                             "year": np.array([*years, 0], dtype=object)[:-1]},
                            geometry=points.values, crs="OGC:CRS84",
                            index=pd.Index(ids_, name="fid"))


def _title(rng: random.Random):
    return rng.choice(TITLES) if rng.random() < 0.7 else f"Neu {rng.randint(0, 999):03d}"


def _changed(rng: random.Random, old: gpd.GeoDataFrame, serial: list[int]) -> Moved:
    """One random change: in place (titles), or rows retired (alone, or with changed and new
    rows), as domain/delta.py places them."""
    n = len(old)
    titles, years = list(old["title"]), list(old["year"])
    if rng.random() < 0.3:  # in place: some titles changed
        changed = rng.sample(range(n), rng.randint(1, 3))
        for pos in changed:
            titles[pos] = _title(rng)
        source = np.arange(n)
        source[changed] = -1
        return Moved(old, _frame(list(old.index), titles, years), source, True,
                     frozenset({"title"}))
    gone = sorted(rng.sample(range(n), rng.randint(0, 3) if n > 30 else 0))
    changed = rng.sample(range(n), rng.randint(0, 2)) if rng.random() < 0.5 else []
    for pos in changed:
        titles[pos] = _title(rng)
    appended = rng.randint(0, 3) if rng.random() < 0.5 else 0
    keep = [pos for pos in range(n) if pos not in gone]
    new_ids = [f"n{serial[0] + i}" for i in range(appended)]
    serial[0] += appended
    new = _frame([old.index[pos] for pos in keep] + new_ids,
                 [titles[pos] for pos in keep] + [_title(rng) for _ in new_ids],
                 [years[pos] for pos in keep] + [rng.choice([2001, 2020, None]) for _ in new_ids])
    source = np.array([-1 if pos in changed else pos for pos in keep] + [-1] * appended,
                      dtype=np.intp)
    return Moved(old, new, source, gone=np.array(gone, dtype=np.intp))


def _dense(ranks: Ranks) -> np.ndarray:
    """Ranks without gaps (nulls -1): two rankings order rows alike exactly when these agree."""
    out = np.full(len(ranks.ranks), -1)
    present = ranks.ranks >= 0
    out[present] = np.unique(ranks.ranks[present], return_inverse=True)[1]
    return out


def _years(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    years = gdf["year"].to_numpy(dtype=object)
    return pd.isna(years), np.array([0 if pd.isna(y) else y for y in years], dtype=np.int64)


@pytest.mark.parametrize("seed", [1, 2])
def test_carried_values_equal_values_built_afresh(seed, monkeypatch):
    monkeypatch.setattr(ids, "ADDED_LIMIT", 12)  # the ids are made anew past it, too
    rng = random.Random(seed)
    frame = _frame([f"f{i}" for i in range(60)], [rng.choice(TITLES) for _ in range(60)],
                   [rng.choice([1999, 2010, None]) for _ in range(60)])
    row_ids, ranks = RowIds.of(frame), Ranks.of(frame, "title")
    years = PerRow(_years(frame), _years, frozenset({"year"}))
    serial, seen, tables = [0], set(frame.index), set()
    for _ in range(80):
        moved = _changed(rng, frame, serial)
        row_ids, ranks, years = row_ids.carry(moved), ranks.carry(moved), years.carry(moved)
        frame = moved.new
        seen |= set(frame.index)
        tables.add(id(row_ids.base))
        fresh = RowIds.of(frame)
        assert all(row_ids.get(fid) == fresh.get(fid) for fid in [*seen, "unbekannt"])
        assert np.array_equal(_dense(ranks), Ranks.of(frame, "title").ranks)
        assert all(np.array_equal(a, b) for a, b in zip(years.value, _years(frame), strict=True))
    assert len(tables) > 1


def test_ranks_of_values_that_do_not_compare_are_built_afresh():
    frame = _frame(["a", "b"], ["Aue", "Bad"], [None, None])
    new = _frame(["a", "b", "c"], ["Aue", "Bad", 7], [None, None, None])
    moved = Moved(frame, new, np.array([0, 1, -1]))
    assert Ranks.of(frame, "title").carry(moved) is None and Ranks.of(new, "title") is None


def test_layered_entries_equal_a_dict_changed_alike(monkeypatch):
    monkeypatch.setattr(ids, "ADDED_LIMIT", 6)  # folded into one dict past it, too
    rng = random.Random(5)
    plain = {f"f{i}": i for i in range(20)}
    layered, bases = Layered.over(dict(plain)), set()
    for n in range(60):
        changes = {f"f{rng.randint(0, 30)}": rng.choice([None, 100 + n]) for _ in range(2)}
        layered = layered.updated(changes)
        for key, value in changes.items():
            if value is None:
                plain.pop(key, None)
            else:
                plain[key] = value
        bases.add(id(layered.base))
        assert layered == plain and dict(layered) == plain and len(layered) == len(plain)
        assert all(layered.get(f"f{i}") == plain.get(f"f{i}") for i in range(32))
    assert len(bases) > 1
