"""The reviewable file form of the data (geodata/): read it into records, write records back.

`geodata/` is the versioned, reviewable source of the bundled data and its open-data
publication. The database is seeded from these files, and `geodata dump` writes the database's
current state back into them byte-identically (the layout scripts/build_geodata.py writes:
sorted keys, one-space indent, UTF-8, coordinates rounded to 7 decimals, RFC 7946 ring order).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.polygon import orient

from geoservice.domain.schema import COLLECTIONS, CollectionSpec, parse_time
from geoservice.errors import DataError

COORD_DECIMALS = 7


@dataclass(frozen=True)
class FileCollection:
    """One stored collection and the file that is its reviewable form."""

    name: str
    filename: str
    geometry: bool = True  # False: a JSON list of plain objects (the timeline)


FOCUS_AREAS = FileCollection("focus-areas", "focus_areas.geojson")
TIMELINE = FileCollection("timeline", "timeline.json", geometry=False)
CONTEXT = FileCollection("context", "context/stadtteile.geojson")


class _Files(Mapping):
    """Every stored collection by name: the registered ones (domain/schema.py), then the others.

    Read live, so a collection registered after this import is seeded and loaded too."""

    def _all(self) -> dict[str, FileCollection]:
        return {c.name: c for c in (
            *(FileCollection(spec.name, spec.filename) for spec in COLLECTIONS.values()),
            FOCUS_AREAS, TIMELINE, CONTEXT)}

    def __getitem__(self, name: str) -> FileCollection:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


FILES = _Files()


@dataclass(frozen=True, slots=True)
class Feature:
    """A feature as the store keeps it: id, JSON properties and WKB geometry (lon/lat)."""

    fid: str
    properties: dict
    wkb: bytes | None
    record_id: int | None = None  # the stored record it was read from (None: not stored yet)
    digest: str | None = None  # the stored content digest (None: not stored yet)


# The value of a property a feature lacks, in FeatureColumns (as DataFrame.from_records of the
# features' dicts fills it: NaN); compared by identity, never equal to a stored value.
MISSING = float("nan")


class FeatureColumns(Sequence):
    """The stored features of one collection as a load reads them: column by column.

    A Sequence of Feature (each made when asked for), so every reader of a list of features
    reads this too; a load's own readers (domain/dataset.py `frame`) take the columns as they
    are. A state of 100,000 projects held a properties dict per feature while it was indexed
    (~460 bytes each); freed after the build, they left ~50 MiB of emptied pools behind that
    Python's allocator could not give back to the system, amid the strings that stay.
    """

    __slots__ = ("fids", "columns", "wkb", "record_ids")

    def __init__(self) -> None:
        self.fids: list[str] = []
        self.columns: dict[str, list] = {}  # in the order the features first name them
        self.wkb: list[bytes | None] = []
        self.record_ids: list[int | None] = []

    def append(self, fid: str, properties: dict, wkb: bytes | None, record_id: int | None,
               seen: dict) -> None:
        """Add a feature. Every key and every string or integer value is replaced by the equal
        object in `seen` (added when new): json.loads makes new objects for each feature, and a
        state of 100,000 projects would otherwise hold 100,000 copies of each status, category,
        source, year and key. Pass one `seen` for all features of a state."""
        count = len(self.fids)
        columns = self.columns
        for key, value in properties.items():
            column = columns.get(key)
            if column is None:
                column = columns[seen.setdefault(key, key)] = [MISSING] * count
            column.append(seen.setdefault(value, value) if type(value) in (str, int) else value)
        if len(properties) != len(columns):  # a key earlier features had
            for column in columns.values():
                if len(column) == count:
                    column.append(MISSING)
        self.fids.append(seen.setdefault(fid, fid))
        self.wkb.append(wkb)
        self.record_ids.append(record_id)

    def properties(self, index: int) -> dict:
        return {key: column[index] for key, column in self.columns.items()
                if column[index] is not MISSING}

    def __len__(self) -> int:
        return len(self.fids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return Feature(self.fids[index], self.properties(index), self.wkb[index],
                       self.record_ids[index])

    def __iter__(self) -> Iterator[Feature]:
        for index in range(len(self)):
            yield self[index]


def _rfc7946(geom):
    """Orient polygon rings as RFC 7946 wants: exteriors counter-clockwise, holes clockwise."""
    if geom.geom_type == "Polygon":
        return orient(geom, 1.0)
    if geom.geom_type == "MultiPolygon":
        return shapely.MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    return geom


def _round(coords):
    """Round coordinates to 7 decimals (~1 cm) and drop vertices repeated by the rounding."""
    if coords and isinstance(coords[0], (int, float)):
        return [round(float(v), COORD_DECIMALS) for v in coords]
    out = [_round(c) for c in coords]
    if out and isinstance(out[0], list) and out[0] and isinstance(out[0][0], float):
        out = [c for i, c in enumerate(out) if i == 0 or c != out[i - 1]]
    return out


def normal_geometry(geom) -> dict:
    """Return a shapely geometry as GeoJSON in the published form (RFC 7946 order, 7 decimals)."""
    geometry = mapping(_rfc7946(geom))
    return {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])}


def _plain(value):
    """Return a property value as plain JSON (None for nulls, ISO dates, Python numbers)."""
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if hasattr(value, "item"):
        return value.item()
    return value


def features_from_frame(gdf: gpd.GeoDataFrame, spec: CollectionSpec) -> list[Feature]:
    """Turn validated CRS84 rows into stored features (the published property set and geometry)."""
    out = []
    geoms = gdf.geometry.to_numpy()
    for pos, props in enumerate(gdf.reindex(columns=list(spec.fields)).to_dict("records")):
        properties = {name: _plain(props.get(name)) for name in spec.fields}
        for name in spec.time_fields:
            value = parse_time(spec, properties[name])  # whole years or ISO days
            properties[name] = value.isoformat() if hasattr(value, "isoformat") else value
        geometry = shapely.geometry.shape(normal_geometry(geoms[pos]))
        out.append(Feature(str(properties["id"]), properties, shapely.to_wkb(geometry)))
    return out


def _feature(item: dict, source: str, pos: int) -> Feature:
    if not isinstance(item, dict) or not isinstance(item.get("properties"), dict):
        raise DataError(source, [f"feature {pos + 1}: not a GeoJSON Feature with properties"])
    fid = item.get("id", item["properties"].get("id"))
    if not isinstance(fid, str) or not fid:
        raise DataError(source, [f"feature {pos + 1}: has no string id"])
    try:
        wkb = shapely.to_wkb(shape(item["geometry"])) if item.get("geometry") else None
    except (KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
        raise DataError(source, [f"feature {pos + 1} (id '{fid}'): geometry cannot be read ({exc})"]) from None
    return Feature(fid, item["properties"], wkb)


def _timeline_ids(entries: list[dict]) -> list[str]:
    """Give each milestone a stable id from its date and title (the file has none)."""
    ids: list[str] = []
    for entry in entries:
        base = f"{entry.get('date', '')}-" + "".join(
            ch if ch.isalnum() else "-" for ch in str(entry.get("title", "")).lower()).strip("-")
        base = "-".join(part for part in base.split("-") if part)[:120] or "milestone"
        fid, n = base, 2
        while fid in ids:
            fid, n = f"{base}-{n}", n + 1
        ids.append(fid)
    return ids


def read_collection(data_dir: Path, collection: FileCollection) -> list[Feature]:
    """Read one file of the data folder into stored features; DataError names file and feature."""
    path = Path(data_dir) / collection.filename
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(str(path), ["file is missing"]) from None
    except (OSError, ValueError) as exc:
        raise DataError(str(path), [f"not valid JSON: {exc}"]) from None
    if not collection.geometry:
        if not isinstance(document, list) or not all(isinstance(e, dict) for e in document):
            raise DataError(str(path), ["must be a JSON list of objects"])
        return [Feature(fid, entry, None) for fid, entry in zip(_timeline_ids(document), document, strict=True)]
    if not isinstance(document, dict) or not isinstance(document.get("features"), list):
        raise DataError(str(path), ["not a GeoJSON FeatureCollection"])
    return [_feature(item, str(path), pos) for pos, item in enumerate(document["features"])]


def render_collection(collection: FileCollection, features: Iterable[Feature]) -> str:
    """Return the file text of a collection in the repository's reviewable layout."""
    if not collection.geometry:
        document = [f.properties for f in features]
    else:
        document = {
            "features": [{
                "geometry": normal_geometry(shapely.from_wkb(f.wkb)) if f.wkb is not None else None,
                "id": f.fid, "properties": f.properties, "type": "Feature",
            } for f in features],
            "name": Path(collection.filename).stem,
            "type": "FeatureCollection",
        }
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def remove_stale_temp(path: Path) -> list[Path]:
    """Remove the temporary files a killed write_atomically(path) left beside `path`."""
    removed = []
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)
        removed.append(stale)
    return removed


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write text (or bytes) to a temporary file beside `path` and rename it over `path`.

    Leftovers of an earlier write that was killed are removed first. A `path` that exists and is
    no regular file (a device such as /dev/stdout) is written directly. An operating-system error
    (read-only folder, permission denied, disk full) names `path`, and leaves no temporary file.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        if path.exists() and not path.is_file():
            path.write_bytes(data)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
