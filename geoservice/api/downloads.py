"""File downloads of items: GeoPackage (via pyogrio) and CSV with a WKT geometry column."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geoservice.api.features import DECIMALS, is_geographic, properties_of, transform_geoms
from geoservice.domain import crs
from geoservice.domain.schema import CollectionSpec


def _column(values: pd.Series) -> pd.Series:
    """Give a property column a type GeoPackage can store (Int64, float, ISO date text or text)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return values.astype("boolean")
    if present and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in present):
        return values.astype("Int64")
    if present and all(isinstance(v, (int, float, np.number)) for v in present):
        return values.astype("float64")
    return values.map(lambda v: None if v is None else
                      v.isoformat() if isinstance(v, date) else str(v)).astype(object)


def geopackage(rows: gpd.GeoDataFrame, spec: CollectionSpec, fields: tuple[str, ...],
               target: str, skip_geometry: bool) -> bytes:
    """Return the rows as a GeoPackage file (x = easting/longitude, as GeoPackage stores it)."""
    frame = pd.DataFrame(properties_of(rows, fields), columns=list(fields))
    frame = frame.apply(_column)
    if skip_geometry:
        out = frame
    else:
        geoms = gpd.GeoSeries(rows.geometry.values, crs="OGC:CRS84").to_crs(crs.pyproj_crs(target))
        out = gpd.GeoDataFrame(frame, geometry=geoms.values, crs=geoms.crs)
    fd, path = tempfile.mkstemp(suffix=".gpkg")
    os.close(fd)
    os.unlink(path)  # pyogrio creates the file itself
    try:
        pyogrio.write_dataframe(out, path, layer=spec.name, driver="GPKG")
        with open(path, "rb") as handle:
            return handle.read()
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)


def csv_text(rows: gpd.GeoDataFrame, fields: tuple[str, ...], target: str,
             skip_geometry: bool) -> bytes:
    """Return the rows as CSV (UTF-8), geometry as WKT in the axis order of `target`."""
    buffer = io.StringIO()
    columns = list(fields) + ([] if skip_geometry else ["geometry"])
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    if not skip_geometry:
        geoms = transform_geoms(np.asarray(rows.geometry.array, dtype=object), target)
        wkt = shapely.to_wkt(geoms, rounding_precision=DECIMALS[is_geographic(target)], trim=True)
    for pos, props in enumerate(properties_of(rows, fields)):
        line = ["" if props[f] is None else
                props[f].isoformat() if isinstance(props[f], date) else props[f] for f in fields]
        if not skip_geometry:
            line.append(wkt[pos])
        writer.writerow(line)
    return buffer.getvalue().encode("utf-8")


def build(fmt: str, rows: gpd.GeoDataFrame, spec: CollectionSpec, fields: tuple[str, ...] | None,
          target: str, skip_geometry: bool) -> bytes:
    """Return the download in `fmt` ('gpkg' or 'csv')."""
    fields = tuple(fields) if fields is not None else spec.fields
    if fmt == "gpkg":
        return geopackage(rows, spec, fields, target, skip_geometry)
    return csv_text(rows, fields, target, skip_geometry)
