"""The per-snapshot area table answers exactly as the DataFrame implementation it replaced.

The reference functions below are the pandas code that served versions, changes and locate
before (a boolean row filter and sort_values per request); the table must give the same rows in
the same order, the same change parts (geometry, hectares) and the same locations, over many days,
day ranges, points and areas.
"""

import random
from datetime import date, timedelta

import pytest
import shapely
from shapely.geometry import Point

from geoservice.domain import areas, crs
from geoservice.domain.timeutil import DayRange


def ref_versions(gdf, when, area_id=None):
    mask = areas.day_overlap(gdf["_t0"].to_numpy(), gdf["_t1"].to_numpy(), when)
    if area_id is not None:
        mask &= (gdf["area_id"] == area_id).to_numpy()
    return gdf[mask].sort_values(["valid_from", "area_id"], kind="stable")


def ref_versions_on(gdf, day, area_id=None):
    return ref_versions(gdf, DayRange(day, date.fromordinal(day.toordinal() + 1)), area_id)


def ref_union(rows):
    return shapely.union_all(rows["metric"].values) if len(rows) else shapely.Polygon()


def ref_changes(gdf, before, after, area_id=None):
    return areas.compare(ref_union(ref_versions_on(gdf, before, area_id)),
                         ref_union(ref_versions_on(gdf, after, area_id)))


def ref_locate(gdf, point_lonlat, day):
    point = crs.lonlat_to_metric(point_lonlat)
    out = []
    for _, row in ref_versions_on(gdf, day).iterrows():
        shape = row["metric"]
        out.append(areas.Location(
            version_id=row["id"], area_id=row["area_id"], name=row["name"],
            programme=row["programme"], inside=bool(shape.covers(point)),
            distance_m=round(float(shape.boundary.distance(point)), 1)))
    return sorted(out, key=lambda loc: (not loc.inside, loc.distance_m))


@pytest.fixture(scope="module")
def fa(app):
    return app.extensions["geoservice"].dataset.funding_areas


def _days(rng, n):
    """Random days 1998-2030 plus the days around each programme change (the edges matter most:
    the random counts were cut to a third to keep the suite under 10 minutes)."""
    edges = []
    for value in (date(2000, 7, 13), date(2004, 7, 1), date(2016, 9, 29), date(2020, 10, 1)):
        edges += [value - timedelta(days=1), value, value + timedelta(days=1)]
    return edges + [date.fromordinal(rng.randint(date(1998, 1, 1).toordinal(),
                                                 date(2030, 12, 31).toordinal())) for _ in range(n)]


def _same_frames(new, old):
    assert list(new.index) == list(old.index)
    assert list(new["id"]) == list(old["id"])


def test_versions_on_and_ranges_equal_reference(fa):
    rng = random.Random(1)
    area_ids = [None, *areas.area_ids(fa), "no-such-area"]
    for day in _days(rng, 120):
        for area_id in area_ids:
            _same_frames(areas.versions_on(fa, day, area_id), ref_versions_on(fa, day, area_id))
    for _ in range(120):
        a, b = sorted(rng.sample(_days(rng, 2), 2))
        when = rng.choice([DayRange(a, b), DayRange(None, b), DayRange(a, None), DayRange(None, None)])
        for area_id in area_ids:
            _same_frames(areas.versions(fa, when, area_id), ref_versions(fa, when, area_id))


def test_changes_equal_reference(fa):
    rng = random.Random(2)
    days = _days(rng, 40)
    for _ in range(60):
        before, after = rng.choice(days), rng.choice(days)
        for area_id in (None, *areas.area_ids(fa)):
            new = areas.changes(fa, before, after, area_id)
            old = ref_changes(fa, before, after, area_id)
            assert [(p.change, p.area_ha, p.geometry.wkb) for p in new] == \
                   [(p.change, p.area_ha, p.geometry.wkb) for p in old], (before, after, area_id)


def test_locate_equals_reference(fa):
    rng = random.Random(3)
    days = _days(rng, 50)
    minx, miny, maxx, maxy = fa.total_bounds
    for _ in range(500):
        point = Point(rng.uniform(minx - 0.01, maxx + 0.01), rng.uniform(miny - 0.01, maxy + 0.01))
        day = rng.choice(days)
        assert areas.locate(fa, point, day) == ref_locate(fa, point, day), (point, day)
    # on the boundary itself (covers, distance 0) and at vertices
    for shape in fa["geometry"]:
        for x, y in shapely.get_coordinates(shape)[:20]:
            day = rng.choice(days)
            assert areas.locate(fa, Point(x, y), day) == ref_locate(fa, Point(x, y), day)


def test_table_is_per_frame(fa):
    assert areas.table(fa) is areas.table(fa)
    copy = fa.copy()
    assert areas.table(copy) is not areas.table(fa)
