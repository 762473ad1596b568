"""Funding-area questions: which versions are valid when, what changed, is a point inside."""

from __future__ import annotations

import bisect
import threading
import weakref
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import shapely
from shapely import Geometry

from geoservice.domain import crs
from geoservice.domain.dataset import OPEN_END, OPEN_START
from geoservice.domain.timeutil import DayRange
from geoservice.errors import NotFound

SQM_PER_HA = 10_000


def day_overlap(t0: np.ndarray, t1: np.ndarray, when: DayRange) -> np.ndarray:
    """Return the mask of [t0, t1) ordinal-day spans overlapping the day range `when`."""
    start = when.start.toordinal() if when.start else OPEN_START
    end = when.end.toordinal() if when.end else OPEN_END
    return (t0 < end) & (t1 > start)


@dataclass(frozen=True)
class Version:
    """One boundary version as plain values, for answers that need no DataFrame."""

    position: int  # row position in the funding-areas frame
    id: str
    area_id: str
    name: str
    programme: str
    t0: int  # ordinal days of [valid_from, valid_to)
    t1: int
    metric: Geometry  # EPSG:25833, prepared (fast covers)
    boundary: Geometry  # its boundary, for distances


class AreaTable:
    """The funding areas of one snapshot as tuples, built once per (immutable) frame.

    Versions are kept in answer order (valid_from, then area_id, stably), with prepared metric
    shapes. The set of versions in force changes only at the few days where a version starts or
    ends, so the days are cut into segments at those days; everything that depends only on the
    versions in force (the versions of a day, the union of their shapes, a comparison of two
    days) is per segment and computed at most once.
    """

    def __init__(self, areas: gpd.GeoDataFrame):
        starts = areas["valid_from"].tolist()
        order = sorted(range(len(areas)),
                       key=lambda i: (starts[i] is None, starts[i] or date.min,
                                      str(areas["area_id"].iat[i])))
        t0, t1 = areas["_t0"].to_numpy(), areas["_t1"].to_numpy()
        metrics = areas["metric"].to_numpy()
        rows = []
        for i in order:
            shape = metrics[i]
            shapely.prepare(shape)
            rows.append(Version(i, str(areas["id"].iat[i]), str(areas["area_id"].iat[i]),
                                areas["name"].iat[i], areas["programme"].iat[i],
                                int(t0[i]), int(t1[i]), shape, shape.boundary))
        self.rows: tuple[Version, ...] = tuple(rows)
        self.by_position = {row.position: row for row in rows}
        self.by_area: dict[str, tuple[Version, ...]] = {}
        for row in rows:
            self.by_area.setdefault(row.area_id, ())
            self.by_area[row.area_id] += (row,)
        self.cuts = sorted({v for row in rows for v in (row.t0, row.t1)
                            if v not in (OPEN_START, OPEN_END)})
        self._memo: dict = {}
        self._lock = threading.Lock()

    def _once(self, key, build):
        value = self._memo.get(key)
        if value is None:
            value = build()
            with self._lock:
                value = self._memo.setdefault(key, value)
        return value

    def segment(self, day: date) -> int:
        """Return the number of the segment (between version starts/ends) holding `day`."""
        return bisect.bisect_right(self.cuts, day.toordinal())

    def on(self, day: date, area_id: str | None = None) -> tuple[Version, ...]:
        """Return the versions in force on `day` (one area's if area_id), in answer order."""
        ordinal = day.toordinal()
        if area_id is not None and area_id not in self.by_area:
            return ()  # no memo entry per unknown id
        return self._once(("on", self.segment(day), area_id), lambda: tuple(
            row for row in (self.rows if area_id is None else self.by_area.get(area_id, ()))
            if row.t0 <= ordinal < row.t1))

    def overlapping(self, when: DayRange, area_id: str | None = None) -> list[int]:
        """Return the frame positions of versions overlapping `when`, in answer order."""
        start = when.start.toordinal() if when.start else OPEN_START
        end = when.end.toordinal() if when.end else OPEN_END
        rows = self.rows if area_id is None else self.by_area.get(area_id, ())
        return [row.position for row in rows if row.t0 < end and row.t1 > start]

    def union_on(self, day: date, area_id: str | None = None) -> Geometry:
        """Return the union of the metric shapes in force on `day` (empty polygon if none)."""
        return self._once(("union", self.segment(day), area_id), lambda: _union(
            [row.metric for row in self.on(day, area_id)]))

    def union_of(self, positions: tuple[int, ...]) -> Geometry:
        """Return the union of the metric shapes of some versions (empty polygon if none)."""
        return self._once(("union-of", positions), lambda: _union(
            [self.by_position[p].metric for p in positions]))

    def period_change_features(self, before: DayRange, after: DayRange,
                               area_id: str | None = None) -> list[tuple[ChangePart, dict]]:
        """Return the parts added, removed and unchanged between the versions in force at any time
        in two periods (a year: every version of that year), with their GeoJSON geometries.

        Keyed by the two sets of versions (finitely many), so each comparison is computed once.
        """
        first = tuple(self.overlapping(before, area_id))
        second = tuple(self.overlapping(after, area_id))
        return self._once(("period-features", first, second), lambda: [
            (part, shapely.geometry.mapping(part.geometry))
            for part in compare(self.union_of(first), self.union_of(second))])

    def changes(self, before: date, after: date, area_id: str | None = None) -> list[ChangePart]:
        """Return compare() of the areas in force on two days, computed once per segment pair."""
        if area_id is not None and area_id not in self.by_area:
            return compare(shapely.Polygon(), shapely.Polygon())
        return self._once(("changes", self.segment(before), self.segment(after), area_id),
                          lambda: compare(self.union_on(before, area_id),
                                          self.union_on(after, area_id)))


_TABLES: dict[int, tuple[weakref.ref, AreaTable]] = {}
_TABLES_LOCK = threading.Lock()


def table(areas: gpd.GeoDataFrame) -> AreaTable:
    """Return the AreaTable of a funding-areas frame, built on first use.

    Keyed by the frame's identity: a Dataset's frames are never mutated while serving, and an
    entry goes when its frame is garbage (a reload), so this holds one table per live snapshot.
    """
    hit = _TABLES.get(id(areas))
    if hit is not None and hit[0]() is areas:
        return hit[1]
    built = AreaTable(areas)
    with _TABLES_LOCK:
        for key in [k for k, (ref, _t) in _TABLES.items() if ref() is None]:
            del _TABLES[key]
        _TABLES[id(areas)] = (weakref.ref(areas), built)
    return built


def versions(areas: gpd.GeoDataFrame, when: DayRange, area_id: str | None = None) -> gpd.GeoDataFrame:
    """Return the boundary versions overlapping `when` (one area's if area_id), oldest first."""
    return areas.iloc[table(areas).overlapping(when, area_id)]


def versions_on(areas: gpd.GeoDataFrame, day: date, area_id: str | None = None) -> gpd.GeoDataFrame:
    """Return the versions in force on one day."""
    return areas.iloc[[row.position for row in table(areas).on(day, area_id)]]


def version_on(areas: gpd.GeoDataFrame, day: date, area_id: str):
    """Return the row of the area's version in force on `day` (a Series), or None."""
    found = table(areas).on(day, area_id)
    return areas.iloc[found[0].position] if found else None


def area_ids(areas: gpd.GeoDataFrame) -> list[str]:
    """Return every area_id, ordered by first validity."""
    return list(dict.fromkeys(areas.sort_values("valid_from")["area_id"]))


def require_area(areas: gpd.GeoDataFrame, area_id: str) -> gpd.GeoDataFrame:
    """Return all versions of one area, oldest first, or raise NotFound naming the id."""
    rows = areas[areas["area_id"] == area_id]
    if rows.empty:
        raise NotFound(f"area '{area_id}' does not exist; known areas: {', '.join(area_ids(areas))}")
    return rows.sort_values("valid_from", kind="stable")


def _union(shapes: list[Geometry]) -> Geometry:
    return shapely.union_all(shapes) if len(shapes) else shapely.Polygon()


def _union_metric(rows: gpd.GeoDataFrame) -> Geometry:
    return _union(rows["metric"].values)


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
    index = table(areas)
    if area_id is not None and area_id not in index.by_area:
        require_area(areas, area_id)
    return index.changes(before, after, area_id)


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
    point = shapely.Point(crs.transformer(crs.CRS84, crs.METRIC_EPSG).transform(
        point_lonlat.x, point_lonlat.y))
    out = [Location(version_id=row.id, area_id=row.area_id, name=row.name,
                    programme=row.programme, inside=bool(row.metric.covers(point)),
                    distance_m=round(float(row.boundary.distance(point)), 1))
           for row in table(areas).on(day)]
    return sorted(out, key=lambda loc: (not loc.inside, loc.distance_m))


def newest_first(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The versions in the order derive_area_id tries them."""
    return areas.sort_values("valid_from", ascending=False)


def derive_area_id(areas: gpd.GeoDataFrame, geom_lonlat: Geometry,
                   ordered: bool = False) -> str | None:
    """Return the area_id of the newest version containing most of the geometry, else None
    (`ordered`: `areas` is newest_first(areas) already)."""
    metric = crs.lonlat_to_metric(geom_lonlat)
    probe = metric.representative_point() if metric.geom_type in ("Point", "MultiPoint") else metric
    best = None
    for _, row in (areas if ordered else newest_first(areas)).iterrows():
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
