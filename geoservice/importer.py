"""Import of official data for the planners' GIS staff: read any format, transform, validate, replace.

Nothing is written unless every feature passes the same rules as start-up; the write is an atomic
rename, so a running service (which reloads changed files) never sees a half-written file.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio

from geoservice.api import downloads
from geoservice.domain import areas as area_domain
from geoservice.domain import crs as crs_domain
from geoservice.domain.schema import FUNDING_AREAS, PROJECTS, CollectionSpec, check_references, validate
from geoservice.errors import DataError, InvalidParameter
from geoservice.storage.base import Dataset, Store, prepare

SHAPEFILE_FIELD_LENGTH = 10  # DBF truncates field names; map them back


@dataclass
class ImportReport:
    """What an import found and did."""

    collection: str
    features: int = 0
    source_crs: str = ""
    written: bool = False
    notes: list[str] = field(default_factory=list)


def _open_path(path: Path) -> str:
    # zipped Shapefiles (and other zipped sources) are read through GDAL's /vsizip/
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


def read_source(path: Path, crs: str | None = None, layer: str | None = None,
                notes: list[str] | None = None) -> tuple[gpd.GeoDataFrame, str]:
    """Read GeoJSON, GeoPackage, zipped Shapefile or GML and return it in CRS84 with the source CRS."""
    if not path.is_file():
        raise DataError(str(path), ["file does not exist"])
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gdf = gpd.read_file(_open_path(path), layer=layer, engine="pyogrio")
        if notes is not None:
            notes.extend(f"reader: {w.message}" for w in caught)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, OSError) as exc:
        raise DataError(str(path), [f"cannot be read as GeoJSON, GeoPackage, zipped Shapefile or GML: {exc}"]) from None
    declared = gdf.crs
    if crs:
        try:
            wanted = crs_domain.pyproj_crs(crs)
        except Exception:  # pyproj raises CRSError for unknown input
            raise InvalidParameter(f"--crs: '{crs}' is not a CRS pyproj knows (e.g. EPSG:25833)") from None
        if declared is not None and not declared.equals(wanted):
            raise DataError(str(path), [
                f"the file declares {declared.to_string()} but --crs says {crs}; "
                "drop --crs or fix the file"])
        gdf = gdf.set_crs(wanted, allow_override=True)
    elif declared is None:
        if path.suffix.lower() in (".geojson", ".json"):
            gdf = gdf.set_crs("OGC:CRS84")  # RFC 7946: GeoJSON without crs member is CRS84
        else:
            raise DataError(str(path), ["the file declares no CRS; pass --crs (e.g. EPSG:25833 or EPSG:31469)"])
    source_crs = gdf.crs.to_string()
    return gdf.to_crs("OGC:CRS84"), source_crs


def _restore_field_names(gdf: gpd.GeoDataFrame, spec: CollectionSpec) -> gpd.GeoDataFrame:
    renames = {}
    for name in spec.fields:
        short = name[:SHAPEFILE_FIELD_LENGTH]
        if name not in gdf.columns and short != name and short in gdf.columns:
            renames[short] = name
    return gdf.rename(columns=renames)


def normalize(gdf: gpd.GeoDataFrame, spec: CollectionSpec, current: Dataset, notes: list[str]) -> gpd.GeoDataFrame:
    """Derive computed fields the way the bundled data does (area_ha, project area_id)."""
    gdf = _restore_field_names(gdf, spec)
    if spec is FUNDING_AREAS and len(gdf):
        if "area_ha" not in gdf.columns or gdf["area_ha"].isna().all():
            metric = gdf.geometry.to_crs(crs_domain.METRIC_EPSG)
            gdf["area_ha"] = [round(g.area / 10_000, 2) if g is not None else None for g in metric]
            notes.append("area_ha computed from the geometries in EPSG:25833")
    if spec is PROJECTS and len(gdf) and gdf.geometry.notna().all() and gdf.geometry.is_valid.all():
        derived = [area_domain.derive_area_id(current.funding_areas, g) for g in gdf.geometry]
        changed = sum(1 for old, new in zip(gdf.get("area_id", [None] * len(gdf)), derived, strict=True) if old != new)
        gdf["area_id"] = derived
        if changed:
            notes.append(f"area_id derived spatially; {changed} feature(s) differ from the file")
    return gdf


def import_file(store: Store, current: Dataset, spec: CollectionSpec, path: Path,
                crs: str | None = None, layer: str | None = None, dry_run: bool = False) -> ImportReport:
    """Validate a file against every rule and, unless dry_run, replace the collection atomically."""
    report = ImportReport(collection=spec.name)
    gdf, report.source_crs = read_source(path, crs, layer, report.notes)
    report.features = len(gdf)
    gdf = normalize(gdf, spec, current, report.notes)
    problems = validate(gdf, spec)
    if not problems:
        prepared = prepare(gdf, spec)
        if spec is FUNDING_AREAS:
            problems = [f"the current projects would break: {p}"
                        for p in check_references(current.projects, prepared)]
        else:
            problems = check_references(prepared, current.funding_areas)
    if problems:
        raise DataError(str(path), problems)
    if not dry_run:
        store.replace(spec, prepare(gdf, spec))
        report.written = True
    return report


def export(current: Dataset, spec: CollectionSpec, out: Path) -> int:
    """Write a collection as GeoPackage for QGIS users: the same file as the API's f=gpkg."""
    gdf = current.collection(spec.name)
    out.write_bytes(downloads.geopackage(gdf, spec, spec.fields, crs_domain.CRS84, skip_geometry=False))
    return len(gdf)
