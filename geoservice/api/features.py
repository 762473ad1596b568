"""Pre-serialized features and vectorised item selection, cached per Dataset.

Each feature's GeoJSON bytes are built once per (collection, CRS, skipGeometry, properties)
and kept in Dataset.memo; an items request only computes numpy masks / STRtree hits, slices
positions and joins byte strings. Small collections are serialized completely on first use,
large ones lazily, only for the rows actually returned, and kept compressed (domain/packed.py:
a zstd dictionary trained on a sample of the collection's features). A change
(domain/delta.py) shares the bytes of the unchanged rows with the state before it and keeps the
changed and new rows' apart (`FeatureCache.fresh`); once rows left, each row finds its bytes by
its slot (an array of positions), so applying a change costs O(changed rows) plus, when rows
left, one integer array.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import shapely

from geoservice.domain import cql, crs
from geoservice.domain.areas import day_overlap
from geoservice.domain.crs import transform_geoms
from geoservice.domain.dataset import Dataset
from geoservice.domain.order import sort_positions
from geoservice.domain.packed import SAMPLES, Packer
from geoservice.domain.per_row import per_row
from geoservice.domain.rows import columns as _columns
from geoservice.domain.rows import properties_of
from geoservice.domain.rows import rows as _rows
from geoservice.domain.schema import CollectionSpec
from geoservice.domain.spatial import spatial_index
from geoservice.domain.timeutil import DayRange

EAGER_LIMIT = 50_000  # collections up to this size are serialized completely at first use
# rows changed in place or appended that a variant keeps apart from the shared bytes, and slots
# of rows that left kept in them; more: one new array
FRESH_LIMIT = 4096
_NOTHING = np.empty(0, dtype=object)


def _json_default(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot serialize {type(value).__name__}")


def dumps_bytes(value) -> bytes:
    """Serialize to compact UTF-8 JSON (umlauts kept, dates as ISO strings), with orjson.

    The bytes equal json.dumps(..., ensure_ascii=False, separators=(",", ":")) but for floats
    below 1e-4, which orjson writes without exponent (0.00001, not 1e-05). What orjson refuses
    (an integer beyond 64 bits, a key that is not a string) goes through the json module.
    """
    try:
        return orjson.dumps(value, default=_json_default, option=orjson.OPT_SERIALIZE_NUMPY)
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                          default=_json_default).encode()


def dumps(value) -> str:
    """Serialize to compact JSON text (see dumps_bytes)."""
    return dumps_bytes(value).decode()


def _encode(ids, geometries, props: list[dict]) -> list[bytes]:
    return [b'{"type":"Feature","id":' + dumps_bytes(str(fid)) + b',"geometry":' + geometry.encode()
            + b',"properties":' + dumps_bytes(row) + b"}"
            for fid, geometry, row in zip(ids, geometries, props, strict=True)]


def _geojson(geoms: np.ndarray, crs_uri: str, skip_geometry: bool) -> list[str]:
    if skip_geometry:
        return ["null"] * len(geoms)
    return shapely.to_geojson(transform_geoms(geoms, crs_uri)).tolist()


def serialize(gdf: gpd.GeoDataFrame, fields: tuple[str, ...], crs_uri: str,
              skip_geometry: bool) -> list[bytes]:
    """Serialize the rows of gdf as GeoJSON Feature byte strings."""
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    return _encode(gdf.index, _geojson(geoms, crs_uri, skip_geometry),
                   properties_of(gdf, fields))


def _objects(values: list) -> np.ndarray:
    """An object array of byte strings (numpy would make a bytes array of a plain list)."""
    return np.array([*values, b""], dtype=object)[:-1]


@dataclass
class FeatureCache:
    """The serialized features of one collection variant, by row.

    `cache` (and the column arrays `_arrays`) may be shared with the variant of earlier states
    of the collection: they hold, by slot, every row but those in `fresh` (by position: the rows
    changed in place or appended since, their bytes, None until asked). A row's slot is its
    position, or `slots[position]` once rows left (-1: fresh); `cache` may end before the
    appended rows. Rows in no `fresh` have the same content in all of them, so any of those
    states may fill in its bytes.
    """

    gdf: gpd.GeoDataFrame
    fields: tuple[str, ...]
    crs_uri: str
    skip_geometry: bool
    cache: np.ndarray
    memo_bytes: int = 0  # bytes that count against the memo's bound (see feature_cache)
    fresh: dict[int, bytes | None] = field(default_factory=dict)
    slots: np.ndarray | None = None
    keep: bool = True  # False: serialize the rows asked for each time, keep nothing (feature_cache)
    # the bytes in `cache` are packed with it (those in `fresh` are not); None: kept as they are
    packer: Packer | None = None

    def __post_init__(self) -> None:
        self._is_fresh = None  # per row: in `fresh`
        if self.fresh:
            self._is_fresh = np.zeros(len(self.gdf), dtype=bool)
            self._is_fresh[list(self.fresh)] = True

    def _slots(self, positions: np.ndarray) -> np.ndarray:
        """The slots of the rows at `positions` (-1: past `cache`, an appended row)."""
        slots = positions if self.slots is None else self.slots[positions]
        return np.where(slots < len(self.cache), slots, -1) \
            if len(slots) and slots.max() >= len(self.cache) else slots

    def _serialize(self, slots: np.ndarray) -> list[bytes]:
        """Serialize the rows of `slots` (none of them fresh) from the collection's columns as
        arrays (taken once per variant: a page of a large, lazily serialized collection needs no
        DataFrame slice)."""
        arrays = self.__dict__.get("_arrays")
        if arrays is None:
            gdf = self.gdf
            arrays = (gdf.index.to_numpy(dtype=object), np.asarray(gdf.geometry.array, dtype=object),
                      *_columns(gdf, self.fields))
            if self.slots is not None:  # each row's values at its slot
                rows = np.flatnonzero(self.slots >= 0)
                arrays = [_by_slot(values[rows], self.slots[rows], len(self.cache)) for values in arrays]
            arrays = self.__dict__["_arrays"] = (arrays[0], arrays[1], list(arrays[2:]))
        ids, geoms, columns = arrays
        return _encode(ids[slots], _geojson(geoms[slots], self.crs_uri, self.skip_geometry),
                       _rows([column[slots] for column in columns], self.fields, len(slots)))

    def carry(self, moved) -> FeatureCache:
        """The same variant for a changed collection (domain.delta.Moved): the bytes of unchanged
        rows kept, changed and new rows serialized again when asked."""
        source = moved.source
        kept = np.flatnonzero(source >= 0)
        fresh = dict.fromkeys(np.flatnonzero(source < 0).tolist())  # new rows included
        if self.fresh and moved.stable:
            fresh = {**self.fresh, **fresh}
        elif self.fresh:  # rows left: the bytes of fresh rows that stay follow them
            stay = kept[self._is_fresh[source[kept]]]
            fresh.update({pos: self.fresh[old] for pos, old in zip(stay.tolist(), source[stay].tolist(),
                                                                   strict=True)})
        slots = self.slots
        if not moved.stable or slots is not None:  # positions moved once: slots by row
            slots = np.full(len(moved.new), -1, dtype=np.intp)
            slots[kept] = self._slots(source[kept])
            slots[list(fresh)] = -1
        # slots no row reads (of rows that left, or fresh) stay until the next new array
        unread = 0 if slots is None else len(self.cache) - np.count_nonzero(slots >= 0)
        if len(fresh) <= FRESH_LIMIT and unread <= FRESH_LIMIT:
            carried = FeatureCache(moved.new, self.fields, self.crs_uri, self.skip_geometry,
                                   self.cache, self.memo_bytes, fresh, slots, packer=self.packer)
            if "_arrays" in self.__dict__:  # valid for every row not fresh, as `cache`
                carried.__dict__["_arrays"] = self.__dict__["_arrays"]
            return carried
        # too many rows apart: one array of every row's bytes by position (slots are positions)
        slots = np.full(len(moved.new), -1, dtype=np.intp)
        slots[kept] = self._slots(source[kept])
        here = np.empty(0, dtype=np.intp)
        if self._is_fresh is not None:  # the shared arrays are stale at these rows: taken anew
            here = kept[self._is_fresh[source[kept]]]
            slots[here] = -1
        ok = slots >= 0
        cache = np.full(len(moved.new), None, dtype=object)
        cache[ok] = self.cache[slots[ok]]
        made = [(int(new), self.fresh[int(old)]) for new, old in zip(here, source[here], strict=True)
                if self.fresh[int(old)] is not None]
        if made:  # their bytes, as far as serialized
            at, bodies = zip(*made, strict=True)
            cache[list(at)] = _objects(self._packed(list(bodies)))
        carried = FeatureCache(moved.new, self.fields, self.crs_uri, self.skip_geometry, cache,
                               self.memo_bytes, packer=self.packer)
        arrays = self.__dict__.get("_arrays")
        if arrays is not None:  # the columns as arrays, too: only the changed rows taken anew
            stale = np.flatnonzero(~ok)
            rows = moved.new.iloc[stale]
            new = (rows.index.to_numpy(dtype=object), np.asarray(rows.geometry.array, dtype=object),
                   _columns(rows, self.fields))
            ids, geoms, columns = ([_moved(old, part, slots, ok, stale)
                                    for old, part in zip(arrays[2], new[2], strict=True)]
                                   if i == 2 else _moved(arrays[i], new[i], slots, ok, stale)
                                   for i in range(3))
            carried.__dict__["_arrays"] = (ids, geoms, columns)
        return carried

    def take(self, positions) -> list[bytes]:
        """Return the bytes of the rows at `positions` (an array or a sequence of ints),
        serializing missing ones once."""
        positions = np.asarray(positions, dtype=np.intp)  # a list indexes a numpy mask wrongly
        if not self.keep:
            return serialize(self.gdf.iloc[positions], self.fields, self.crs_uri, self.skip_geometry)
        slots = self._slots(positions)
        if len(slots) and slots.min() < 0:  # fresh rows without a slot: set below
            values = np.full(len(positions), None, dtype=object)
            inside = np.flatnonzero(slots >= 0)
            values[inside] = self.cache[slots[inside]]
        else:
            values = self.cache[slots]
        if self._is_fresh is not None:
            over = np.flatnonzero(self._is_fresh[positions])
            if len(over):
                values[over] = self._fresh(positions[over].tolist())
        missing = np.equal(values, None)
        packed = None  # the rows whose bytes came packed from `cache` (not fresh, not just made)
        if self.packer is not None:
            packed = np.flatnonzero(~missing)
            if self._is_fresh is not None:
                packed = packed[~self._is_fresh[positions[packed]]]
        if missing.any():
            todo = slots[missing]
            made = self._serialize(todo)
            self.cache[todo] = _objects(self._packed(made))
            values[missing] = _objects(made)
        out = values.tolist()
        if packed is not None and len(packed):
            unpack = self.packer.unpacking()
            for at in packed.tolist():
                out[at] = unpack(out[at])
        return out

    def _packed(self, bodies: list[bytes]) -> list[bytes]:
        """The bytes as `cache` keeps them (packed, if this variant packs)."""
        if self.packer is None:
            return bodies
        return self.packer.pack(bodies, self._sample)

    def _sample(self) -> list[bytes]:
        """The bytes of up to SAMPLES rows spread over the collection (to train the packer on)."""
        count = len(self.gdf)
        positions = np.unique(np.linspace(0, count - 1, min(SAMPLES, count), dtype=np.intp))
        return serialize(self.gdf.iloc[positions], self.fields, self.crs_uri, self.skip_geometry)

    def _fresh(self, positions: list[int]) -> np.ndarray:
        """The bytes of rows changed in place or appended since `cache` was made (serialized
        once)."""
        todo = sorted({pos for pos in positions if self.fresh[pos] is None})
        if todo:
            for pos, body in zip(todo, serialize(self.gdf.iloc[todo], self.fields, self.crs_uri,
                                                 self.skip_geometry), strict=True):
                self.fresh[pos] = body
        return _objects([self.fresh[pos] for pos in positions])


def _by_slot(values: np.ndarray, slots: np.ndarray, size: int) -> np.ndarray:
    """An array of `size` slots with the values at theirs (the others None)."""
    out = np.full(size, None, dtype=object)
    out[slots] = values
    return out


def _moved(old: np.ndarray, fresh_values: np.ndarray, slots: np.ndarray, kept: np.ndarray,
           fresh: np.ndarray) -> np.ndarray:
    """An array of the new frame: kept rows from the old array's slots, the others from fresh
    values."""
    out = np.empty(len(kept), dtype=object)
    out[kept] = old[slots[kept]]
    out[fresh] = fresh_values
    return out


def feature_cache(data: Dataset, spec: CollectionSpec, crs_uri: str = crs.CRS84,
                  skip_geometry: bool = False, fields: tuple[str, ...] | None = None) -> FeatureCache:
    """Return the memoized serialized features of a collection variant."""
    fields = tuple(fields) if fields is not None else spec.fields
    if fields != spec.fields and len(data.collection(spec.name)) > EAGER_LIMIT:
        # a client's own choice of properties on a large collection: serialized for the request
        # and kept nowhere. Kept, its lazily filled bytes (and column arrays) would grow after the
        # memo counted it, for every one of the thousands of choices a client can send
        return FeatureCache(data.collection(spec.name), fields, crs_uri, skip_geometry, _NOTHING,
                            keep=False)

    def build() -> FeatureCache:
        gdf = data.collection(spec.name)
        cache = np.full(len(gdf), None, dtype=object)
        size = 0
        if len(gdf) <= EAGER_LIMIT:
            serialized = serialize(gdf, fields, crs_uri, skip_geometry)
            # the full-property variants are a fixed set per dataset (CRS x skipGeometry); only a
            # client's choice of `properties` counts against the memo's byte bound
            size = sum(map(len, serialized)) if fields != spec.fields else 0
            cache[:] = np.array(serialized + [b""], dtype=object)[:-1]
            return FeatureCache(gdf, fields, crs_uri, skip_geometry, cache, size)
        return FeatureCache(gdf, fields, crs_uri, skip_geometry, cache, size, packer=Packer())

    return data.memo(("features", spec.name, crs_uri, skip_geometry, fields), build)


def warm(data: Dataset) -> None:
    """Pre-serialize the features of every collection in every supported CRS (small ones fully);
    of a large one, make what its first page in CRS84 needs (its packer's dictionary, its
    columns as arrays: ~80 ms at 100,000 features) in a background thread, so that the first
    request does not wait for it (a worker's first write through an instance waited 220 ms for
    it while reads filled both cores)."""
    from geoservice.domain.schema import COLLECTIONS

    for spec in COLLECTIONS.values():
        for uri in crs.SUPPORTED:
            cache = feature_cache(data, spec, uri)
            if cache.packer is not None and uri == crs.CRS84 and len(cache.gdf):
                threading.Thread(target=cache.take, args=([0],), name="geoservice-warm",
                                 daemon=True).start()


def bbox_hits(data: Dataset, spec: CollectionSpec, box: tuple[float, float, float, float]) -> np.ndarray:
    """Return the positions of the rows intersecting a CRS84 box (unordered).

    The spatial index is taken once per snapshot and follows changes (domain/spatial.py).
    """
    return spatial_index(data.collection(spec.name), data.memo, spec.name).bbox(box)


@dataclass(frozen=True)
class Query:
    """A validated items query (everything that decides which rows are returned, in what order)."""

    bbox_crs84: tuple[float, float, float, float] | None = None
    when: DayRange | None = None
    where: Any = None  # a checked CQL2 tree (domain.cql): `filter` AND the ?property=value params
    sortby: tuple[tuple[str, bool], ...] = ()


def _times(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    return gdf["_t0"].to_numpy(), gdf["_t1"].to_numpy()


def select(data: Dataset, spec: CollectionSpec, query: Query) -> np.ndarray:
    """Return the row positions matching the query, in output order (vectorised, no row loops)."""
    gdf = data.collection(spec.name)
    if query.bbox_crs84 is not None:
        positions = np.sort(bbox_hits(data, spec, query.bbox_crs84))
    else:
        positions = None
    masks = []
    if query.when is not None:
        # the time columns as arrays, memoized: taking k rows costs O(k), no pandas per request
        t0, t1 = per_row(data.memo, ("times", spec.name), gdf, ("_t0", "_t1"), _times)
        if positions is not None:
            t0, t1 = t0[positions], t1[positions]
        masks.append(day_overlap(t0, t1, query.when))
    if query.where is not None:
        found = cql.mask(query.where, gdf, spec, data.memo)
        masks.append(found if positions is None else found[positions])
    if positions is None:
        positions = data.memo(("all", spec.name), lambda: np.arange(len(gdf)))
    if masks:
        positions = positions[np.logical_and.reduce(masks)]
    if query.sortby and len(positions) > 1:
        positions = sort_positions(data, spec, positions, query.sortby)
    return positions
