"""Evaluate a checked CQL2 filter as numpy masks over a collection frame's columns (three-valued
logic; STRtree / shapely predicates for the spatial parts)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geoservice.domain.cql.nodes import (
    GEOMETRY,
    And,
    Between,
    Compare,
    Const,
    FeatureTime,
    In,
    IsNull,
    Like,
    Not,
    Or,
    Spatial,
    Temporal,
    fold,
    like_regex,
)
from geoservice.domain.per_row import per_row
from geoservice.domain.schema import CollectionSpec
from geoservice.domain.spatial import spatial_index

Memo = Callable[[Any, Callable[[], Any]], Any]


def _no_memo(_key, factory):
    return factory()


class Columns:
    """The typed columns of one collection frame, built once per (frame, memo) and carried to the
    next states (domain/per_row.py: how each is built must not hold this frame or memo)."""

    def __init__(self, gdf, spec: CollectionSpec, memo: Memo | None = None):
        self.gdf = gdf
        self.spec = spec
        self.memo = memo or _no_memo

    def _per_row(self, key: tuple, columns: tuple[str, ...], build):
        return per_row(self.memo, ("cql", self.spec.name, *key), self.gdf, columns, build)

    def strings(self, prop: str, how: frozenset = frozenset()) -> np.ndarray:
        return self._per_row((prop, tuple(sorted(how))), (prop,), partial(_strings, prop, how))

    def numbers(self, prop: str) -> np.ndarray:
        """Floats (NaN for null); dates as day ordinals."""
        dates = self.spec.types[prop] == "date"
        return self._per_row((prop, "number"), (prop,), partial(_numbers, prop, dates))

    def null(self, prop: str) -> np.ndarray:
        return self._per_row((prop, "null"), (prop,), partial(_null, prop))

    def feature_days(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Closed day intervals (first, last; ±inf open) of the features' time and which are known."""
        return self._per_row(("_days",), ("_t0", "_t1"), _days)


def _strings(prop: str, how: frozenset, gdf) -> np.ndarray:
    values = gdf[prop].to_numpy(dtype=object)
    return np.array([fold(v, how) if isinstance(v, str) else None for v in values] + [None],
                    dtype=object)[:-1]


def _numbers(prop: str, dates: bool, gdf) -> np.ndarray:
    values = gdf[prop].to_numpy(dtype=object)
    if dates:
        return np.array([v.toordinal() if v is not None else np.nan for v in values], dtype=float)
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)


def _null(prop: str, gdf) -> np.ndarray:
    return pd.isna(gdf[prop].astype(object)).to_numpy()


def _days(gdf) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t0 = gdf["_t0"].to_numpy()
    t1 = gdf["_t1"].to_numpy()
    known = t0 < t1
    first = np.where(t0 == np.iinfo(np.int64).min, -np.inf, t0.astype(float))
    last = np.where(t1 == np.iinfo(np.int64).max, np.inf, t1.astype(float) - 1)
    return first, last, known


def compare(values: np.ndarray, op: str, value) -> np.ndarray:
    """Return `values op value` for a comparison operator (numpy arrays or SQL expressions)."""
    if op == "=":
        return values == value
    if op == "<>":
        return values != value
    if op == "<":
        return values < value
    if op == "<=":
        return values <= value
    if op == ">":
        return values > value
    return values >= value


def relation(op: str, a0, a1, b0, b1) -> np.ndarray:
    """CQL2's temporal relations on closed intervals [a0, a1], [b0, b1] (arrays or scalars)."""
    with np.errstate(invalid="ignore"):
        return {
            "t_after": lambda: a0 > b1,
            "t_before": lambda: a1 < b0,
            "t_contains": lambda: (a0 < b0) & (a1 > b1),
            "t_disjoint": lambda: (a1 < b0) | (a0 > b1),
            "t_during": lambda: (a0 > b0) & (a1 < b1),
            "t_equals": lambda: (a0 == b0) & (a1 == b1),
            "t_finishedby": lambda: (a0 < b0) & (a1 == b1),
            "t_finishes": lambda: (a0 > b0) & (a1 == b1),
            "t_intersects": lambda: (a0 <= b1) & (a1 >= b0),
            "t_meets": lambda: a1 == b0,
            "t_metby": lambda: a0 == b1,
            "t_overlappedby": lambda: (a0 > b0) & (a0 < b1) & (a1 > b1),
            "t_overlaps": lambda: (a0 < b0) & (a1 > b0) & (a1 < b1),
            "t_startedby": lambda: (a0 == b0) & (a1 > b1),
            "t_starts": lambda: (a0 == b0) & (a1 < b1),
        }[op]()


def _spatial(op: str, cols: Columns, geom) -> np.ndarray:
    """Return the rows whose geometry stands in relation `op` to `geom` (the collection's spatial
    index, domain/spatial.py; vectorised)."""
    gdf = cols.gdf
    index = spatial_index(gdf, cols.memo, cols.spec.name)
    out = np.zeros(len(gdf), dtype=bool)
    if op == "s_disjoint":
        out[index.query(geom, predicate="intersects")] = True
        return ~out
    if op == "s_equals":
        hits = index.query(geom, predicate="intersects")
        geoms = np.asarray(gdf.geometry.array, dtype=object)[hits]
        out[hits[shapely.equals(geoms, geom)]] = True
        return out
    # STRtree predicates test predicate(geom, tree geometry); ours are (tree geometry, geom)
    predicate = {"s_intersects": "intersects", "s_within": "contains", "s_contains": "within",
                 "s_touches": "touches", "s_overlaps": "overlaps", "s_crosses": "crosses"}[op]
    out[index.query(geom, predicate=predicate)] = True
    return out


def _eval(node, cols: Columns) -> tuple[np.ndarray, np.ndarray]:
    """Return (true, false) masks; rows in neither are unknown (a null was involved)."""
    n = len(cols.gdf)
    if isinstance(node, Const):
        full = np.full(n, node.value)
        return full, ~full
    if isinstance(node, And):
        true, false = np.ones(n, bool), np.zeros(n, bool)
        for part in node.parts:
            t, f = _eval(part, cols)
            true &= t
            false |= f
        return true, false
    if isinstance(node, Or):
        true, false = np.zeros(n, bool), np.ones(n, bool)
        for part in node.parts:
            t, f = _eval(part, cols)
            true |= t
            false &= f
        return true, false
    if isinstance(node, Not):
        t, f = _eval(node.part, cols)
        return f, t
    if isinstance(node, IsNull):
        if node.prop == GEOMETRY:
            missing = shapely.is_missing(np.asarray(cols.gdf.geometry.array, dtype=object))
            return missing, ~missing
        null = cols.null(node.prop)
        return null, ~null
    if isinstance(node, Compare):
        known = ~cols.null(node.prop)
        if node.kind == "string":
            values = cols.strings(node.prop, node.fold)
            hit = np.zeros(n, bool)
            hit[known] = compare(values[known], node.op, node.value).astype(bool)
        else:
            with np.errstate(invalid="ignore"):
                hit = compare(cols.numbers(node.prop), node.op, node.value)
        return hit & known, ~hit & known
    if isinstance(node, Like):
        known = ~cols.null(node.prop)
        values = pd.Series(cols.strings(node.prop, node.fold), dtype=object)
        hit = values.str.match(like_regex(node.pattern), flags=re.DOTALL).fillna(False)
        hit = hit.to_numpy(dtype=bool)
        return hit & known, ~hit & known
    if isinstance(node, In):
        known = ~cols.null(node.prop)
        if node.kind == "string":
            hit = pd.Series(cols.strings(node.prop, node.fold), dtype=object).isin(
                node.values).to_numpy(dtype=bool)  # hashing: no ordering of None and str
        else:
            hit = np.isin(cols.numbers(node.prop), np.array(node.values, dtype=float))
        return hit & known, ~hit & known
    if isinstance(node, Between):
        known = ~cols.null(node.prop)
        values = cols.numbers(node.prop)
        with np.errstate(invalid="ignore"):
            hit = (values >= node.low) & (values <= node.high)
        return hit & known, ~hit & known
    if isinstance(node, Spatial):
        hit = _spatial(node.op, cols, node.geometry)
        return hit, ~hit
    if isinstance(node, Temporal):
        if isinstance(node.left, FeatureTime):
            a0, a1, known = cols.feature_days()
        else:
            a0 = a1 = cols.numbers(node.left.prop)
            known = ~np.isnan(a0)
        b0 = -np.inf if node.right.first is None else float(node.right.first)
        b1 = np.inf if node.right.last is None else float(node.right.last)
        hit = np.asarray(relation(node.op, a0, a1, b0, b1), dtype=bool)
        return hit & known, ~hit & known
    raise TypeError(f"unknown filter node {node!r}")


def mask(node, gdf, spec: CollectionSpec, memo: Memo | None = None) -> np.ndarray:
    """Return the boolean mask of the rows of `gdf` for which the filter is true."""
    if node is None:
        return np.ones(len(gdf), dtype=bool)
    return _eval(node, Columns(gdf, spec, memo))[0]
