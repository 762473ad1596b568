"""What changed between two stored records of a feature (pure functions, no Flask).

The store keeps every record version of a feature (storage/sql.py). Listing them answers "who
changed what, when"; this module works out the "what": the properties that differ, with their
values before and after, and how far the geometry moved - for points the distance between the
old and the new position, for polygons the area of the symmetric difference and the Hausdorff
distance, for lines the Hausdorff distance. Everything is measured in EPSG:25833 (metres), the
city's official CRS; geometries come in as CRS84 (lon/lat) shapely geometries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import shapely
from shapely import Geometry

from geoservice.domain import crs
from geoservice.domain.areas import SQM_PER_HA

CREATED = "created"
CHANGED = "changed"
RETIRED = "retired"
RESTORED = "restored"  # a retired feature stored again under the same id
UNCHANGED = "unchanged"

_POINTS = frozenset({"Point", "MultiPoint"})
_POLYGONS = frozenset({"Polygon", "MultiPolygon"})


@dataclass(frozen=True)
class FieldChange:
    """One property whose value differs; None stands for absent or null."""

    name: str
    before: object
    after: object


@dataclass(frozen=True)
class GeometryChange:
    """How a geometry changed, measured in EPSG:25833.

    `moved_m`: for points the distance between the old and the new position; for other types the
    Hausdorff distance (the farthest any part of one shape lies from the other). For polygons also
    the area of the symmetric difference and the areas before and after, in hectares.
    """

    kind: str  # "point", "polygon", "line" or "other"
    moved_m: float
    symmetric_difference_ha: float | None = None
    area_before_ha: float | None = None
    area_after_ha: float | None = None


@dataclass(frozen=True)
class RecordState:
    """What a diff needs of one record: its properties, lon/lat geometry and retired flag."""

    properties: dict
    geometry: Geometry | None
    retired: bool = False


@dataclass(frozen=True)
class RecordDiff:
    """How one record differs from the record before it."""

    status: str  # CREATED, CHANGED, RETIRED, RESTORED or UNCHANGED
    fields: tuple[FieldChange, ...] = ()
    geometry: GeometryChange | None = None
    area_ha: float | None = field(default=None)  # polygon area of this record, for every status


def _normalize(value):
    """Compare dates and their ISO strings, ints and equal floats as the same value."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def diff_properties(before: dict, after: dict) -> list[FieldChange]:
    """Return the properties whose values differ, in the order they appear (before first)."""
    names = list(dict.fromkeys([*before, *after]))
    return [FieldChange(name, before.get(name), after.get(name)) for name in names
            if _normalize(before.get(name)) != _normalize(after.get(name))]


def _kind(geom: Geometry) -> str:
    if geom.geom_type in _POINTS:
        return "point"
    if geom.geom_type in _POLYGONS:
        return "polygon"
    if geom.geom_type in ("LineString", "MultiLineString", "LinearRing"):
        return "line"
    return "other"


def area_ha(geom_lonlat: Geometry | None) -> float | None:
    """Return a polygon's area in hectares (EPSG:25833, 0.01 ha), None for other geometries."""
    if geom_lonlat is None or geom_lonlat.is_empty or _kind(geom_lonlat) != "polygon":
        return None
    return round(crs.lonlat_to_metric(geom_lonlat).area / SQM_PER_HA, 2)


def diff_geometry(before: Geometry | None, after: Geometry | None) -> GeometryChange | None:
    """Return how a CRS84 geometry changed, or None when it did not (or one side is missing)."""
    if before is None or after is None or before.is_empty or after.is_empty:
        return None
    if shapely.equals_exact(before, after, tolerance=0) or before.equals(after):
        return None
    old, new = crs.lonlat_to_metric(before), crs.lonlat_to_metric(after)
    kind = _kind(old) if _kind(old) == _kind(new) else "other"
    if kind == "point":
        # a MultiPoint is measured by its centroid (the middle of its points)
        moved = old.centroid.distance(new.centroid)
        return GeometryChange("point", round(float(moved), 1))
    hausdorff = round(float(shapely.hausdorff_distance(old, new)), 1)
    if kind == "polygon":
        return GeometryChange(
            "polygon", hausdorff,
            symmetric_difference_ha=round(shapely.symmetric_difference(old, new).area / SQM_PER_HA, 2),
            area_before_ha=round(old.area / SQM_PER_HA, 2),
            area_after_ha=round(new.area / SQM_PER_HA, 2),
        )
    return GeometryChange(kind, hausdorff)


def diff_record(previous: RecordState | None, current: RecordState) -> RecordDiff:
    """Return how a record differs from the one before it (None: it is the feature's first)."""
    size = area_ha(current.geometry)
    if previous is None:
        return RecordDiff(RETIRED if current.retired else CREATED, area_ha=size)
    if current.retired:
        return RecordDiff(RETIRED, area_ha=size)
    fields = tuple(diff_properties(previous.properties, current.properties))
    geometry = diff_geometry(previous.geometry, current.geometry)
    if previous.retired:
        return RecordDiff(RESTORED, fields, geometry, size)
    return RecordDiff(CHANGED if fields or geometry else UNCHANGED, fields, geometry, size)


def diff_history(records: Sequence[RecordState]) -> list[RecordDiff]:
    """Return, for each record of a feature (oldest first), how it differs from the one before.

    A record after a retirement is compared with the last record before it (the retired record
    repeats that content), so "restored" lists what changed since the feature was last live.
    """
    out = []
    previous: RecordState | None = None
    for record in records:
        out.append(diff_record(previous, record))
        previous = record
    return out
