"""Funding-area questions: which versions are valid when, what changed, is a point inside."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import shapely
from shapely import Geometry

from geoservice.domain import crs
from geoservice.domain.timeutil import DayRange
from geoservice.errors import NotFound
from geoservice.storage.base import OPEN_END, OPEN_START

SQM_PER_HA = 10_000


def time_mask(gdf: gpd.GeoDataFrame, when: DayRange) -> np.ndarray:
    """Return a boolean mask of rows whose [_t0, _t1) overlaps the day range `when`."""
    start = when.start.toordinal() if when.start else OPEN_START
    end = when.end.toordinal() if when.end else OPEN_END
    return (gdf["_t0"].to_numpy() < end) & (gdf["_t1"].to_numpy() > start)


def versions(areas: gpd.GeoDataFrame, when: DayRange, area_id: str | None = None) -> gpd.GeoDataFrame:
    """Return the boundary versions overlapping `when` (one area's if area_id), oldest first."""
    mask = time_mask(areas, when)
    if area_id is not None:
        mask &= (areas["area_id"] == area_id).to_numpy()
    return areas[mask].sort_values(["valid_from", "area_id"], kind="stable")


def versions_on(areas: gpd.GeoDataFrame, day: date, area_id: str | None = None) -> gpd.GeoDataFrame:
    """Return the versions in force on one day."""
    return versions(areas, DayRange(day, date.fromordinal(day.toordinal() + 1)), area_id)


def area_ids(areas: gpd.GeoDataFrame) -> list[str]:
    """Return every area_id, ordered by first validity."""
    return list(dict.fromkeys(areas.sort_values("valid_from")["area_id"]))


def require_area(areas: gpd.GeoDataFrame, area_id: str) -> gpd.GeoDataFrame:
    """Return all versions of one area, oldest first, or raise NotFound naming the id."""
    rows = areas[areas["area_id"] == area_id]
    if rows.empty:
        raise NotFound(f"area '{area_id}' does not exist; known areas: {', '.join(area_ids(areas))}")
    return rows.sort_values("valid_from", kind="stable")


def _union_metric(rows: gpd.GeoDataFrame) -> Geometry:
    return shapely.union_all(rows["metric"].values) if len(rows) else shapely.Polygon()


def hectares(geom_metric: Geometry) -> float:
    """Return the area of an EPSG:25833 geometry in hectares, rounded to 0.01."""
    return round(geom_metric.area / SQM_PER_HA, 2)


@dataclass(frozen=True)
class ChangePart:
    """One part of a comparison: added, removed or unchanged, in CRS84 with its size."""

    change: str
    geometry: Geometry
    area_ha: float


def compare(before: Geometry, after: Geometry, min_ha: float = 0.01) -> list[ChangePart]:
    """Split two EPSG:25833 geometries into added, removed and unchanged parts (CRS84, ha)."""
    pieces = {
        "added": shapely.difference(after, before),
        "removed": shapely.difference(before, after),
        "unchanged": shapely.intersection(before, after),
    }
    out = []
    for change, geom in pieces.items():
        # drop slivers from floating-point noise; they are not changes anyone decided
        polys = [g for g in getattr(geom, "geoms", [geom])
                 if g.geom_type == "Polygon" and g.area >= min_ha * SQM_PER_HA]
        if polys:
            merged = shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]
            lonlat = shapely.transform(crs.metric_to_lonlat(merged), lambda xy: np.round(xy, 7))  # ~1 cm
            out.append(ChangePart(change, lonlat, hectares(merged)))
    return out


def changes(areas: gpd.GeoDataFrame, before: date, after: date,
            area_id: str | None = None) -> list[ChangePart]:
    """Return the parts added, removed and unchanged between the areas in force on two days."""
    if area_id is not None:
        require_area(areas, area_id)
    return compare(_union_metric(versions_on(areas, before, area_id)),
                  _union_metric(versions_on(areas, after, area_id)))


@dataclass(frozen=True)
class Step:
    """One version of an area and how it differs from the area's previous version."""

    version: dict
    added_ha: float
    removed_ha: float
    previous_id: str | None


def steps(areas: gpd.GeoDataFrame, area_id: str) -> list[Step]:
    """Return an area's versions in order, each with hectares added/removed since the one before.

    The first version of an area split off another (e.g. Prohlis 2016 from the joint area) is
    compared with the version of any area in force the day before it started.
    """
    rows = require_area(areas, area_id)
    out = []
    previous = None
    for _, row in rows.iterrows():
        if previous is None:
            day_before = date.fromordinal(row["valid_from"].toordinal() - 1)
            prior = versions_on(areas, day_before)
            before = _union_metric(prior) if len(prior) else shapely.Polygon()
            prev_id = ", ".join(prior["id"]) or None
        else:
            before, prev_id = previous["metric"], previous["id"]
        out.append(Step(
            version={k: row[k] for k in row.index if k not in ("geometry", "metric", "_t0", "_t1", "_ongoing")},
            added_ha=hectares(shapely.difference(row["metric"], before)),
            removed_ha=hectares(shapely.difference(before, row["metric"])) if previous is not None else 0.0,
            previous_id=prev_id,
        ))
        previous = row
    return out


@dataclass(frozen=True)
class Location:
    """Where a point lies relative to one boundary version in force on the asked day."""

    version_id: str
    area_id: str
    name: str
    programme: str
    inside: bool
    distance_m: float


def locate(areas: gpd.GeoDataFrame, point_lonlat: Geometry, day: date) -> list[Location]:
    """Return, for each version in force on `day`, whether the point is inside and its distance
    in metres to that boundary (nearest edge, whether inside or outside)."""
    point = crs.lonlat_to_metric(point_lonlat)
    out = []
    for _, row in versions_on(areas, day).iterrows():
        shape = row["metric"]
        out.append(Location(
            version_id=row["id"], area_id=row["area_id"], name=row["name"],
            programme=row["programme"], inside=bool(shape.covers(point)),
            distance_m=round(float(shape.boundary.distance(point)), 1),
        ))
    return sorted(out, key=lambda loc: (not loc.inside, loc.distance_m))


def derive_area_id(areas: gpd.GeoDataFrame, geom_lonlat: Geometry) -> str | None:
    """Return the area_id of the newest version containing most of the geometry, else None."""
    metric = crs.lonlat_to_metric(geom_lonlat)
    probe = metric.representative_point() if metric.geom_type in ("Point", "MultiPoint") else metric
    best = None
    for _, row in areas.sort_values("valid_from", ascending=False).iterrows():
        shape = row["metric"]
        if probe.geom_type == "Point":
            hit = shape.covers(probe)
        elif probe.length and not probe.area:
            hit = shapely.intersection(shape, probe).length > probe.length / 2
        else:
            hit = shapely.intersection(shape, probe).area > probe.area / 2
        if hit:
            best = row["area_id"]
            break
    return best
