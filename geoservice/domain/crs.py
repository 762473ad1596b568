"""Coordinate reference systems offered by the service and cached pyproj transformations."""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely import Geometry

from geoservice.errors import InvalidParameter

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"
# The city's official CRS: ETRS89 / UTM zone 33N. Areas and distances are computed in it.
METRIC_EPSG = 25833
STORAGE_CRS = CRS84
# Where EPSG:25833 is defined (lon/lat west, south, east, north: Europe between 12°E and 18°E):
# outside it metres and distances are meaningless (far outside, the projection gives infinity).
METRIC_AREA_OF_USE = (12.0, 34.79, 18.01, 84.01)

# What the API advertises (OGC API - Features Part 2). Order = order in `crs` lists.
SUPPORTED = {
    CRS84: "WGS 84 longitude/latitude (CRS84)",
    EPSG_URI.format(code=4326): "WGS 84 latitude/longitude (EPSG:4326)",
    EPSG_URI.format(code=25833): "ETRS89 / UTM zone 33N (EPSG:25833)",
    EPSG_URI.format(code=3857): "WGS 84 / Pseudo-Mercator (EPSG:3857)",
}


def normalize_crs(value: str, param: str = "crs") -> str:
    """Return the canonical URI of a supported CRS given as URI, 'EPSG:n' or '[EPSG:n]'."""
    text = value.strip().strip("[]")
    lowered = text.lower()
    if lowered in ("crs84", "ogc:crs84", "urn:ogc:def:crs:ogc:1.3:crs84", CRS84.lower()):
        return CRS84
    code = None
    if lowered.startswith("epsg:"):
        code = text[5:]
    elif lowered.startswith("http://www.opengis.net/def/crs/epsg/0/"):
        code = text.rsplit("/", 1)[1]
    elif lowered.startswith("urn:ogc:def:crs:epsg::"):
        code = text.rsplit(":", 1)[1]
    # ASCII digits only, and few of them: int() would read Unicode digits and raise on 4,301
    if code is not None and code.isascii() and code.isdigit() and len(code) <= 10:
        uri = EPSG_URI.format(code=int(code))
        if uri in SUPPORTED:
            return uri
    shown = value if len(value) <= 80 else f"{value[:80]}… ({len(value)} characters)"
    raise InvalidParameter(
        f"{param}: '{shown}' is not supported; use one of {', '.join(SUPPORTED)}"
    )


@cache
def pyproj_crs(uri_or_code: str | int) -> CRS:
    """Return the pyproj CRS for a URI from SUPPORTED, an 'EPSG:n' string or an EPSG code."""
    if uri_or_code == CRS84:
        return CRS.from_user_input("OGC:CRS84")
    if isinstance(uri_or_code, str) and uri_or_code.startswith("http://www.opengis.net/def/crs/EPSG/0/"):
        return CRS.from_epsg(int(uri_or_code.rsplit("/", 1)[1]))
    return CRS.from_user_input(uri_or_code)


@cache
def xy_bounds(uri: str) -> tuple[float, float, float, float]:
    """Return (min x, min y, max x, max y) of a supported CRS's area of use in its own units.

    x is easting or longitude, y northing or latitude, whatever the CRS's axis order; the
    bounds are pyproj's area of use (WGS 84 degrees) projected into the CRS.
    """
    target = pyproj_crs(uri)
    area = target.area_of_use
    west, south, east, north = area.bounds if area is not None else (-180.0, -90.0, 180.0, 90.0)
    if target.is_geographic:
        return west, south, east, north
    to_crs = Transformer.from_crs(pyproj_crs(CRS84), target, always_xy=True)
    return tuple(float(v) for v in to_crs.transform_bounds(west, south, east, north,
                                                           densify_pts=21))


@cache
def transformer(source: str | int, target: str | int) -> Transformer:
    """Return a cached transformer that keeps each CRS's authority axis order."""
    return Transformer.from_crs(pyproj_crs(source), pyproj_crs(target))


def transform_geometry(geom: Geometry, source: str | int, target: str | int) -> Geometry:
    """Transform a shapely geometry between two CRSs (axis order as each CRS defines it)."""
    if source == target:
        return geom
    project = transformer(source, target).transform
    return shapely.transform(geom, lambda xs, ys: project(xs, ys), interleaved=False)


def lonlat_to_metric(geom: Geometry) -> Geometry:
    """Project a CRS84 geometry to EPSG:25833 metres."""
    return transform_geometry(geom, CRS84, METRIC_EPSG)


def metric_to_lonlat(geom: Geometry) -> Geometry:
    """Project an EPSG:25833 geometry back to CRS84."""
    return transform_geometry(geom, METRIC_EPSG, CRS84)


def content_crs_header(uri: str) -> str:
    """Return the value of the Content-Crs response header for a CRS URI."""
    return f"<{uri}>"


DECIMALS = {True: 7, False: 3}  # coordinate decimals for degrees / metres


def is_geographic(crs_uri: str) -> bool:
    """Return True for CRSs with degrees as units."""
    return pyproj_crs(crs_uri).is_geographic


def transform_geoms(geoms: np.ndarray, target: str) -> np.ndarray:
    """Transform CRS84 shapely geometries to `target` in one vectorised call (axis order of
    target), rounded to DECIMALS (~1 cm / 1 mm)."""
    if target == CRS84:
        return geoms
    project = transformer(CRS84, target)
    decimals = DECIMALS[is_geographic(target)]

    def _apply(x, y):
        tx, ty = project.transform(x, y)
        return np.round(tx, decimals), np.round(ty, decimals)

    return shapely.transform(geoms, _apply, interleaved=False)
