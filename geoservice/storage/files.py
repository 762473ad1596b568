"""File backend: GeoJSON / JSON files in one folder, replaced atomically, watched for changes."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import mapping
from shapely.geometry.polygon import orient

from geoservice.domain.schema import FUNDING_AREAS, PROJECTS, CollectionSpec, check_references, validate
from geoservice.errors import DataError
from geoservice.storage.base import Dataset, prepare

FOCUS_AREAS_FILE = "focus_areas.geojson"
TIMELINE_FILE = "timeline.json"
CONTEXT_FILE = "context/stadtteile.geojson"
COORD_DECIMALS = 7


def read_geojson(path: Path) -> gpd.GeoDataFrame:
    """Read a GeoJSON file into a CRS84 GeoDataFrame, or raise DataError naming the file."""
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise DataError(str(path), [f"cannot be read as GeoJSON: {exc}"]) from None
    return gdf.set_crs("OGC:CRS84", allow_override=True)


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


def to_feature_collection(gdf: gpd.GeoDataFrame, spec: CollectionSpec, name: str) -> str:
    """Serialize validated features in the repository's reviewable GeoJSON layout."""
    features = []
    for pos in range(len(gdf)):
        row = gdf.iloc[pos]
        props = {}
        for field_name in spec.fields:
            value = row.get(field_name)
            if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
                value = None
            elif hasattr(value, "isoformat"):
                value = value.isoformat()[:10]
            elif hasattr(value, "item"):
                value = value.item()
            props[field_name] = value
        geometry = mapping(_rfc7946(gdf.geometry.iloc[pos]))
        geometry = {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])}
        features.append({"type": "Feature", "id": props["id"], "properties": props,
                         "geometry": geometry})
    collection = {"type": "FeatureCollection", "name": name, "features": features}
    # the same layout as scripts/build_geodata.py, so a re-import of unchanged data is byte-identical
    return json.dumps(collection, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


class FileStore:
    """Store backed by the files in one data folder (the repository's geodata/ by default)."""

    def __init__(self, data_dir: str | os.PathLike):
        self.data_dir = Path(data_dir)

    def _paths(self) -> list[Path]:
        return [self.data_dir / name for name in (
            FUNDING_AREAS.filename, PROJECTS.filename, FOCUS_AREAS_FILE, TIMELINE_FILE,
            CONTEXT_FILE)]

    def signature(self) -> str:
        """Return mtimes and sizes of the data files; replacing a file changes it."""
        parts = []
        for path in self._paths():
            try:
                stat = path.stat()
                parts.append(f"{path.name}:{stat.st_mtime_ns}:{stat.st_size}:{stat.st_ino}")
            except FileNotFoundError:
                parts.append(f"{path.name}:missing")
        return "|".join(parts)

    def _collection(self, spec: CollectionSpec) -> gpd.GeoDataFrame:
        path = self.data_dir / spec.filename
        gdf = read_geojson(path)
        problems = validate(gdf, spec)
        if problems:
            raise DataError(str(path), problems)
        return prepare(gdf, spec)

    def load(self) -> Dataset:
        """Read and validate every file; raise DataError (file, feature, problem) on the first bad file."""
        for path in self._paths():
            if not path.is_file():
                raise DataError(str(path), ["file is missing"])
        digest = hashlib.sha256()
        for path in self._paths():
            digest.update(path.read_bytes())
        areas = self._collection(FUNDING_AREAS)
        projects = self._collection(PROJECTS)
        problems = check_references(projects, areas)
        if problems:
            raise DataError(str(self.data_dir / PROJECTS.filename), problems)
        focus = read_geojson(self.data_dir / FOCUS_AREAS_FILE)
        focus = focus.set_index(pd.Index(focus["id"].astype(str), name="fid"), drop=False)
        try:
            timeline = json.loads((self.data_dir / TIMELINE_FILE).read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DataError(str(self.data_dir / TIMELINE_FILE), [f"not valid JSON: {exc}"]) from None
        bad = [f"entry {i + 1}: needs date, title and source" for i, item in enumerate(timeline)
               if not all(item.get(k) for k in ("date", "title", "source"))]
        if bad:
            raise DataError(str(self.data_dir / TIMELINE_FILE), bad)
        mtime = max(path.stat().st_mtime for path in self._paths())
        return Dataset(
            funding_areas=areas,
            projects=projects,
            focus_areas=focus,
            timeline=tuple(timeline),
            context=read_geojson(self.data_dir / CONTEXT_FILE),
            version=digest.hexdigest()[:16],
            last_modified=datetime.fromtimestamp(int(mtime), tz=UTC),
        )

    def replace(self, spec: CollectionSpec, gdf: gpd.GeoDataFrame) -> None:
        """Write the collection to a temporary file beside the target, then rename it over it."""
        target = self.data_dir / spec.filename
        text = to_feature_collection(gdf, spec, target.stem)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=self.data_dir)
        try:
            os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
