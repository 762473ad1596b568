"""The files of items downloads: GeoPackage and CSV, both typed by the collection's schema.

The renderers `f=gpkg` and `f=csv` (api/formats/) answer with them; `geodata export` (importer.py)
writes them. Below the HTTP layer: it knows no request.

The schema (`spec.types`) decides every column: GeoPackage stores integer as INTEGER, number as
REAL, date as DATE and string as TEXT (written through pyogrio's raw writer, which maps numpy
int64 / float64 / datetime64[D] / object arrays to exactly these); the feature `id` is always
the first column. CRS84 and EPSG:4326 downloads are registered as EPSG:4326 (GeoPackage always
stores x = longitude), other CRSs by their EPSG code. CSV writes the geometry as WKT with x =
easting/longitude and y = northing/latitude in every CRS, EPSG:4326 included.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from datetime import date

import geopandas as gpd
import numpy as np
import pyogrio.raw
import shapely

from geoservice.domain import crs
from geoservice.domain.crs import DECIMALS, is_geographic, transform_geoms
from geoservice.domain.rows import properties_of
from geoservice.domain.schema import CollectionSpec

# GeoPackage 1.2: read without warnings by GDAL >= 2.2 (Debian 12's GDAL 3.6, QGIS 3.22); GDAL's
# default since 3.7 is 1.4, which older readers report as "only partially supported".
GPKG_VERSION = "1.2"


def download_fields(spec: CollectionSpec, fields: tuple[str, ...] | None) -> tuple[str, ...]:
    """Return the columns of a download: the requested properties, always led by `id`."""
    fields = tuple(fields) if fields is not None else spec.fields
    return ("id", *[name for name in fields if name != "id"])


def _array(values: list, kind: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Return one typed column for pyogrio and its null mask (None when nothing is null)."""
    nulls = np.array([v is None for v in values], dtype=bool)
    if kind == "integer":
        data = np.array([0 if v is None else int(v) for v in values], dtype=np.int64)
        return data, nulls if nulls.any() else None
    if kind == "number":
        return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64), None
    if kind == "date":
        data = np.array([None if v is None else (v if isinstance(v, date) else date.fromisoformat(str(v)))
                         for v in values], dtype="datetime64[D]")
        return data, None  # NaT is written as NULL
    return np.array([None if v is None else str(v) for v in values], dtype=object), None


def geometry_type(spec: CollectionSpec, geoms: np.ndarray) -> str:
    """Return the layer's geometry type: the collection's one type if it has one (funding areas:
    MultiPolygon), else the one type present."""
    if len(spec.geometry_types) == 1:
        return next(iter(spec.geometry_types))
    types = {g.geom_type for g in geoms if g is not None}
    return types.pop() if len(types) == 1 else "Unknown"


def gpkg_crs(target: str) -> str:
    """Return the EPSG code a GeoPackage registers for a CRS of the API (CRS84 -> EPSG:4326)."""
    if target == crs.CRS84:
        return "EPSG:4326"
    return f"EPSG:{target.rsplit('/', 1)[1]}"


def attribution(spec: CollectionSpec) -> str:
    """Return the attribution text with the licences of a collection (German, as the data)."""
    names = "; ".join(f"{lic.name} <{lic.url}>: {lic.covers}" for lic in spec.licences)
    return f"{spec.attribution} Lizenzen: {names}."


def geopackage(rows: gpd.GeoDataFrame, spec: CollectionSpec, fields: tuple[str, ...],
               target: str, skip_geometry: bool) -> bytes:
    """Return the rows as a GeoPackage 1.2 file with typed columns, the EPSG CRS and metadata."""
    fields = download_fields(spec, fields)
    props = properties_of(rows, fields)
    arrays, masks = [], []
    for name in fields:
        data, mask = _array([p[name] for p in props], spec.types.get(name, "string"))
        arrays.append(data)
        masks.append(mask)
    geoms = np.asarray(rows.geometry.array, dtype=object)
    code = gpkg_crs(target)
    if skip_geometry:
        wkb, geom_type, layer_crs = None, None, None
    else:
        if code != "EPSG:4326":  # x = easting, as GeoPackage stores every CRS
            geoms = np.asarray(gpd.GeoSeries(geoms, crs="OGC:CRS84").to_crs(code).array, dtype=object)
        wkb = shapely.to_wkb(geoms)
        geom_type, layer_crs = geometry_type(spec, geoms), code
    text = attribution(spec)
    fd, path = tempfile.mkstemp(suffix=".gpkg")
    os.close(fd)
    os.unlink(path)  # pyogrio creates the file itself
    try:
        pyogrio.raw.write(
            path, wkb, arrays, fields=list(fields), field_mask=masks, layer=spec.name,
            driver="GPKG", geometry_type=geom_type, crs=layer_crs,
            dataset_options={"VERSION": GPKG_VERSION},
            layer_options={"IDENTIFIER": spec.title, "DESCRIPTION": text},
            layer_metadata={"ATTRIBUTION": spec.attribution,
                            "LICENSE": " ; ".join(lic.url for lic in spec.licences)},
            dataset_metadata={"ATTRIBUTION": text})
        with open(path, "rb") as handle:
            return handle.read()
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)


def xy_geometries(geoms: np.ndarray, target: str) -> np.ndarray:
    """Return geometries in `target` with x = easting/longitude (EPSG:4326 as lon/lat)."""
    if is_geographic(target):  # CRS84 and EPSG:4326 share the datum: lon/lat as stored
        return geoms
    return transform_geoms(geoms, target)  # the projected CRSs offered are easting, northing


CSV_GEOMETRY = "WKT"
# A text cell a spreadsheet would read as a formula (OWASP "CSV Injection"): it gets a leading
# apostrophe, which spreadsheets show as text. Numbers, dates and the WKT column stay as they are.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Return a CSV cell's value with a text that starts like a formula prefixed by an apostrophe."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def csv_text(rows: gpd.GeoDataFrame, fields: tuple[str, ...], target: str,
             skip_geometry: bool) -> bytes:
    """Return the rows as CSV (UTF-8), geometry as WKT with x = easting/longitude.

    The geometry column is named `WKT`: GDAL's CSV driver (and so QGIS) reads a column of that
    name as the geometry without options (not `geometry`, which needs GEOM_POSSIBLE_NAMES).
    Text cells that start like a formula are neutralised (neutralise())."""
    buffer = io.StringIO()
    columns = list(fields) + ([] if skip_geometry else [CSV_GEOMETRY])
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    if not skip_geometry:
        geoms = xy_geometries(np.asarray(rows.geometry.array, dtype=object), target)
        wkt = shapely.to_wkt(geoms, rounding_precision=DECIMALS[is_geographic(target)], trim=True)
    for pos, props in enumerate(properties_of(rows, fields)):
        line = ["" if props[f] is None else
                props[f].isoformat() if isinstance(props[f], date) else neutralise(props[f])
                for f in fields]
        if not skip_geometry:
            line.append(wkt[pos])
        writer.writerow(line)
    return buffer.getvalue().encode("utf-8")

