"""The storage interface: a Store loads an immutable Dataset and replaces collections atomically.

Files are the backend today (storage/files.py); a PostGIS backend for multi-instance deployments
implements the same three methods and nothing above this layer changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd

from geoservice.domain import crs
from geoservice.domain.schema import FUNDING_AREAS, PROJECTS, CollectionSpec, as_date, as_year

# Ordinal day numbers of open ends, so time filters are vectorised comparisons.
OPEN_START = np.iinfo(np.int64).min
OPEN_END = np.iinfo(np.int64).max


@dataclass(frozen=True, eq=False)
class Dataset:
    """Everything the service serves, loaded once, indexed, and never mutated while serving."""

    funding_areas: gpd.GeoDataFrame
    projects: gpd.GeoDataFrame
    focus_areas: gpd.GeoDataFrame
    timeline: tuple[dict[str, Any], ...]
    context: gpd.GeoDataFrame
    version: str
    last_modified: datetime
    _memo: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def collection(self, name: str) -> gpd.GeoDataFrame:
        """Return the GeoDataFrame of an OGC collection by its name."""
        return {FUNDING_AREAS.name: self.funding_areas, PROJECTS.name: self.projects}[name]

    def memo(self, key: Any, factory: Callable[[], Any]) -> Any:
        """Return a value derived from this dataset, computing it once (e.g. serialized pages)."""
        try:
            return self._memo[key]
        except KeyError:
            pass
        value = factory()
        with self._lock:
            return self._memo.setdefault(key, value)


class Store(Protocol):
    """What the rest of the service needs from storage."""

    def signature(self) -> str:
        """Return a cheap token that changes whenever the stored data changes."""

    def load(self) -> Dataset:
        """Read, validate and index all collections; raise DataError naming file and feature."""

    def replace(self, spec: CollectionSpec, gdf: gpd.GeoDataFrame) -> None:
        """Atomically replace a collection with already validated CRS84 features."""


def _ordinal(values: list[date | None], open_value: int) -> np.ndarray:
    return np.array([v.toordinal() if v is not None else open_value for v in values], dtype=np.int64)


def prepare(gdf: gpd.GeoDataFrame, spec: CollectionSpec) -> gpd.GeoDataFrame:
    """Normalize types (dates, years, nulls), index by id and add vectorised time columns.

    Assumes the frame passed validation. `_t0`/`_t1` are ordinal days of [start, end).
    """
    gdf = gdf.copy()
    for name in spec.fields:
        if name not in gdf.columns:
            gdf[name] = None
    start, end = spec.time_fields
    if spec is FUNDING_AREAS:
        starts = [as_date(v) for v in gdf[start]]
        ends = [as_date(v) for v in gdf[end]]
        gdf[start] = pd.Series(starts, index=gdf.index, dtype=object)
        gdf[end] = pd.Series(ends, index=gdf.index, dtype=object)
        gdf["_t0"] = _ordinal(starts, OPEN_START)
        gdf["_t1"] = _ordinal(ends, OPEN_END)
        gdf["metric"] = gpd.GeoSeries(gdf.geometry, crs="OGC:CRS84").to_crs(crs.METRIC_EPSG).values
    else:
        starts = [as_year(v) for v in gdf[start]]
        ends = [as_year(v) for v in gdf[end]]
        gdf[start] = pd.Series(starts, index=gdf.index, dtype=object)
        gdf[end] = pd.Series(ends, index=gdf.index, dtype=object)
        gdf["_t0"] = _ordinal([date(y, 1, 1) if y else None for y in starts], OPEN_START)
        gdf["_t1"] = _ordinal([date(y + 1, 1, 1) if y else None for y in ends], OPEN_END)
    for name in spec.fields:
        if name in (start, end):
            continue
        gdf[name] = gdf[name].astype(object).where(gdf[name].notna(), None)
    gdf = gdf.set_index(pd.Index(gdf["id"].astype(str), name="fid"), drop=False)
    gdf.sindex  # build the STRtree now, not on the first request  # noqa: B018
    return gdf
