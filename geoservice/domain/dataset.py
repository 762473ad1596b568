"""The immutable Dataset every request reads, and how stored features become one.

Each worker serves an immutable Dataset built from the store's state after one change
(storage/sql.py `load(change_id)`), and swaps it when the store changes. `build_dataset()`
validates and indexes stored features (the start-up and import rules of domain/schema.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoservice.domain import crs
from geoservice.domain.clock import this_year as current_year
from geoservice.domain.ids import row_ids
from geoservice.domain.schema import (
    COLLECTIONS,
    DAYS,
    FUNDING_AREAS,
    PROJECTS,
    CollectionSpec,
    check_references,
    parse_time,
    promote,
    validate,
)
from geoservice.domain.timeutil import ONGOING, project_days
from geoservice.errors import DataError

# Bounds of each Dataset's memo (derived values: serialized collections, rendered pages, ...).
MEMO_ENTRIES = 2048
MEMO_BYTES = 32 * 2**20


def _size(value) -> int:
    """Return the bytes a memo value holds in byte strings (objects may say so: `memo_bytes`)."""
    if hasattr(value, "memo_bytes"):
        return int(value.memo_bytes)
    if isinstance(value, (bytes, str)):
        return len(value)
    if isinstance(value, tuple):
        return sum(len(v) for v in value if isinstance(v, (bytes, str)))
    return 0


# Ordinal day numbers of open ends, so time filters are vectorised comparisons.
OPEN_START = np.iinfo(np.int64).min
OPEN_END = np.iinfo(np.int64).max


@dataclass(frozen=True, eq=False)
class Dataset:
    """Everything the service serves, loaded once, indexed, and never mutated while serving."""

    collections: dict[str, gpd.GeoDataFrame]  # every registered collection by its spec's name
    focus_areas: gpd.GeoDataFrame
    timeline: tuple[dict[str, Any], ...]
    context: gpd.GeoDataFrame
    version: str
    last_modified: datetime
    change_id: int = 0  # the store's last change this state includes
    historical: bool = False  # a past state asked for with `recorded=`, never the live one
    this_year: int = 0  # "this year" of ongoing projects (timeutil.project_days) in this state
    record_ids: dict = field(default_factory=dict, repr=False)  # collection -> fid -> record id
    _memo: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _memo_bytes: list = field(default_factory=lambda: [0], repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_id(self, collection: str, fid: str) -> int | None:
        """Return the stored record a feature of this state was read from."""
        return self.record_ids.get(collection, {}).get(fid)

    def collection(self, name: str) -> gpd.GeoDataFrame:
        """Return the GeoDataFrame of an OGC collection by its name."""
        return self.collections[name]

    def position(self, collection: str, fid) -> int | None:
        """Return the row position of a feature in a collection's frame, or None (no such id in
        this state: unknown, retired, or not yet written).

        The one lookup by feature id (pages, feeds, mails, the editor, the API): the ids carried
        from state to state (domain/ids.py), never the frame's pandas index, whose hash table
        the first lookup after a POST or DELETE (a new index) would build again, in every worker.
        """
        try:
            return row_ids(self.collections[collection], self.memo, collection).get(fid)
        except TypeError:  # an id that cannot be one (unhashable)
            return None

    def has(self, collection: str, fid) -> bool:
        """Is the feature in this state of the collection (see `position`)?"""
        return self.position(collection, fid) is not None

    def row(self, collection: str, fid) -> pd.Series | None:
        """Return a feature's row (as `frame.loc[fid]` gives it), or None (see `position`)."""
        pos = self.position(collection, fid)
        return None if pos is None else self.collections[collection].iloc[pos]

    @property
    def funding_areas(self) -> gpd.GeoDataFrame:
        return self.collections[FUNDING_AREAS.name]

    @property
    def projects(self) -> gpd.GeoDataFrame:
        return self.collections[PROJECTS.name]

    @property
    def memo_bytes(self) -> int:
        """Return the bytes this dataset's memo holds (what a cache of datasets must count)."""
        return self._memo_bytes[0]

    def memo(self, key: Any, factory: Callable[[], Any]) -> Any:
        """Return a value derived from this dataset, computing it once (e.g. serialized pages).

        The memo is an LRU bounded by entries (MEMO_ENTRIES) and by the bytes of the byte
        strings it holds (MEMO_BYTES), so no stream of distinct requests can grow it without end.
        """
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = factory()
        with self._lock:
            if key in self._memo:
                return self._memo[key]
            self._memo[key] = value
            self._memo_bytes[0] += _size(value)
            while len(self._memo) > MEMO_ENTRIES or (self._memo_bytes[0] > MEMO_BYTES and len(self._memo) > 1):
                _old_key, old = self._memo.popitem(last=False)
                self._memo_bytes[0] -= _size(old)
            return value


def _ordinal(values: list[date | None], open_value: int) -> np.ndarray:
    return np.array([v.toordinal() if v is not None else open_value for v in values], dtype=np.int64)


def prepare(gdf: gpd.GeoDataFrame, spec: CollectionSpec, this_year: int | None = None) -> gpd.GeoDataFrame:
    """Normalize types (dates, years, nulls), index by id and add vectorised time columns.

    Assumes the frame passed validation. `_t0`/`_t1` are ordinal days of [start, end) (a
    feature without a known time has _t0 >= _t1); `_ongoing` marks an open end that is really
    going on (a version in force until further notice, a running project without end year).
    """
    gdf = gdf.copy()
    for name in spec.fields:
        if name not in gdf.columns:
            gdf[name] = None
    start, end = spec.time_fields
    starts = [parse_time(spec, v) for v in gdf[start]]
    ends = [parse_time(spec, v) for v in gdf[end]]
    gdf[start] = pd.Series(starts, index=gdf.index, dtype=object)
    gdf[end] = pd.Series(ends, index=gdf.index, dtype=object)
    if spec.time_model == DAYS:
        gdf["_t0"] = _ordinal(starts, OPEN_START)
        gdf["_t1"] = _ordinal(ends, OPEN_END)
        gdf["_ongoing"] = np.array([e is None for e in ends])  # in force until further notice
    else:
        # the one rule for a project's time (timeutil.project_days): no known start, no time
        # (_t0 >= _t1: matches no time query); an unknown end is this year while ongoing, else
        # the start year only
        this_year = this_year or current_year()
        spans = [project_days(s, e, st, this_year)
                 for s, e, st in zip(starts, ends, gdf["status"], strict=True)]
        gdf["_t0"] = np.array([d[0].toordinal() if d else OPEN_END for d in spans], dtype=np.int64)
        gdf["_t1"] = np.array([d[1].toordinal() if d else OPEN_START for d in spans], dtype=np.int64)
        gdf["_ongoing"] = np.array([bool(d) and e is None and st == ONGOING
                                    for d, e, st in zip(spans, ends, gdf["status"], strict=True)])
    if spec.versioned:  # the area operations (domain/areas.py) measure in metres
        gdf["metric"] = gpd.GeoSeries(gdf.geometry, crs="OGC:CRS84").to_crs(crs.METRIC_EPSG).values
    for name in spec.fields:  # each as Python objects, every null None
        if name in (start, end):
            continue
        values = gdf[name].to_numpy(dtype=object)
        missing = pd.isna(values)
        gdf[name] = pd.Series(np.where(missing, None, values) if missing.any() else values,
                              index=gdf.index, dtype=object, copy=False)
    gdf = gdf.set_index(pd.Index(gdf["id"].astype(str), name="fid"), drop=False)
    gdf.sindex  # build the STRtree now, not on the first request  # noqa: B018
    return gdf


def derived_columns(spec: CollectionSpec) -> tuple[str, ...]:
    """The columns prepare() adds to a collection's stored properties (never stored themselves)."""
    return ("_t0", "_t1", "_ongoing", *(("metric",) if spec.versioned else ()))


def stored_columns(gdf: gpd.GeoDataFrame, spec: CollectionSpec | None = None) -> dict[str, list]:
    """The properties a frame was built from (frame(), and prepare() when `spec` names the
    collection), column by column in the frame's order: frame() of rows made of them, prepared
    again, is the same frame (a state kept from memory, storage/snapshot.py). Time fields
    prepare() parsed are given back as ISO days (years stay ints); every other value is the
    frame's own as a Python object, NaN included (a property a row lacked, as frame() read it)."""
    skip = {gdf.geometry.name, *(derived_columns(spec) if spec is not None else ())}
    columns = {}
    for name in gdf.columns:
        if name in skip:
            continue
        values = gdf[name].to_numpy(dtype=object).tolist()
        if spec is not None and name in spec.time_fields:
            values = [v.isoformat() if isinstance(v, date) else v for v in values]
        columns[name] = values
    return columns


def frame(features, spec_fields: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """Return stored features (storage.geojson.Feature) as a CRS84 GeoDataFrame.

    Columns are the properties in stored order (then any of `spec_fields` missing); values keep
    their JSON types, exactly as the files hold them. A load's features come column by column
    (storage.geojson.FeatureColumns: `columns`, `wkb`), taken as they are; the same frame.
    """
    by_column = getattr(features, "columns", None)
    if by_column is not None and len(features):
        missing = [float("nan")] * len(features)  # as from_records fills a key a row lacks
        table = pd.DataFrame({**by_column, **{name: missing for name in spec_fields
                                              if name not in by_column}})
        wkb = features.wkb
    else:
        rows = [f.properties for f in features]
        columns = list(dict.fromkeys([*(k for r in rows for k in r), *spec_fields]))
        table = pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
        wkb = [f.wkb for f in features]
    geoms = shapely.from_wkb(np.array(wkb, dtype=object)) if len(features) else []
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, crs="OGC:CRS84").values,
                            crs="OGC:CRS84")


def _fids(features) -> list:
    """The ids of stored features (a list of Feature, or a load's FeatureColumns)."""
    fids = getattr(features, "fids", None)
    return fids if fids is not None else [f.fid for f in features]


def _record_ids(features) -> dict:
    """Feature id -> stored record id of stored features (see `_fids`)."""
    record_ids = getattr(features, "record_ids", None)
    if record_ids is not None:
        return dict(zip(features.fids, record_ids, strict=True))
    return {f.fid: f.record_id for f in features}


def _indexed(gdf: gpd.GeoDataFrame, features) -> gpd.GeoDataFrame:
    return gdf.set_index(pd.Index(_fids(features), name="fid"), drop=False)


def build_dataset(collections: dict, version: str, last_modified: datetime, change_id: int = 0,
                  sources: dict[str, str] | None = None, historical: bool = False,
                  this_year: int | None = None) -> Dataset:
    """Validate and index stored features into a Dataset; DataError names collection and feature.

    `collections` maps the stored collection names (storage.geojson.FILES) to feature lists;
    `sources` names where each came from in error messages (default: "store: NAME");
    `this_year` is how far ongoing projects without an end run (default: today's year).
    """
    this_year = this_year or current_year()
    def source(name: str) -> str:
        return (sources or {}).get(name, f"store: {name}")

    def checked(spec: CollectionSpec) -> gpd.GeoDataFrame:
        # records written before funding areas became MultiPolygon-only (an older database, a
        # `recorded=` state) hold Polygons: they are served as MultiPolygons of one part
        gdf = promote(frame(collections.get(spec.name, []), spec.fields), spec)
        problems = validate(gdf, spec)
        if problems:
            raise DataError(source(spec.name), problems)
        return prepare(gdf, spec, this_year)

    frames = {name: checked(spec) for name, spec in COLLECTIONS.items()}
    for name, spec in COLLECTIONS.items():
        problems = check_references(frames[name], spec, frames)
        if problems:
            raise DataError(source(name), problems)
    focus = collections.get("focus-areas", [])
    timeline = [f.properties for f in collections.get("timeline", [])]
    bad = [f"entry {i + 1}: needs date, title and source" for i, item in enumerate(timeline)
           if not all(item.get(k) for k in ("date", "title", "source"))]
    if bad:
        raise DataError(source("timeline"), bad)
    context = collections.get("context", [])
    record_ids = {name: _record_ids(features) for name, features in collections.items()}
    return Dataset(
        collections=frames,
        focus_areas=_indexed(frame(focus), focus),
        timeline=tuple(timeline),
        context=frame(context),
        version=version,
        last_modified=last_modified,
        change_id=change_id,
        historical=historical,
        this_year=this_year,
        record_ids=record_ids,
    )
