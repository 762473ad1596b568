"""Geometry helpers of the build: EPSG:25833 <-> WGS84, polygon cleaning, cutting along streets."""

from __future__ import annotations

import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.ops import split, unary_union

from .sources import METRIC

TO_M = pyproj.Transformer.from_crs(4326, METRIC, always_xy=True)
TO_LL = pyproj.Transformer.from_crs(METRIC, 4326, always_xy=True)
MIN_RING_M2 = 100.0  # 0.01 ha: smaller parts and holes are dropped as slivers


def _tf(tr):
    def f(c):
        x, y = tr.transform(c[:, 0], c[:, 1])
        return np.column_stack([x, y])

    return f


def to_m(g):
    return shapely.transform(g, _tf(TO_M))


def to_ll(g):
    return shapely.transform(g, _tf(TO_LL))


def pt(lon: float, lat: float) -> Point:
    return Point(*TO_M.transform(lon, lat))


def polys_only(g) -> MultiPolygon:
    """Polygonal part of g, without parts and holes smaller than 0.01 ha."""
    out = []
    for p in getattr(g, "geoms", [g]):
        if p.geom_type in ("GeometryCollection", "MultiPolygon"):
            out.extend(polys_only(p).geoms)
            continue
        if p.geom_type != "Polygon" or p.area < MIN_RING_M2:
            continue
        holes = [h for h in p.interiors if Polygon(h).area >= MIN_RING_M2]
        out.append(Polygon(p.exterior, holes))
    return MultiPolygon(out)


def clean(g):
    g = polys_only(shapely.make_valid(g))
    g = shapely.make_valid(g)
    g = polys_only(g)
    return g if len(g.geoms) != 1 else g.geoms[0]


def ha(g) -> float:
    return round(g.area / 1e4, 2)


def extend(line: LineString, d: float = 1000.0) -> LineString:
    """Prolong both end segments of a street line straight by d metres (to cut a polygon completely)."""
    c = list(line.coords)
    a, b = np.array(c[0]), np.array(c[1])
    y, z = np.array(c[-2]), np.array(c[-1])
    s = a + (a - b) / np.linalg.norm(a - b) * d
    e = z + (z - y) / np.linalg.norm(z - y) * d
    return LineString([tuple(s)] + c + [tuple(e)])


def side(poly, line, ref: Point):
    """The part(s) of poly, cut by line, that contain the reference point ref."""
    parts = split(poly, line).geoms
    keep = [p for p in parts if p.buffer(0.01).contains(ref)]
    if not keep:
        raise RuntimeError("reference point not in any part")
    return unary_union(keep)


def lonlat(g_m, multi: bool = False):
    """Metric geometry -> WGS84 lon/lat geometry (ring order and rounding: geoservice.storage.geojson).

    multi=True writes a Polygon as a MultiPolygon of one part (funding and focus areas are
    MultiPolygon throughout, so GIS clients see one geometry type per layer)."""
    g = to_ll(g_m)
    if multi and g.geom_type == "Polygon":
        g = MultiPolygon([g])
    return g
