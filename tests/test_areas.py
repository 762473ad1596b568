"""Domain questions on the bundled data: versions in force, changes, inside-checks, steps."""

from datetime import date

import pytest
from shapely.geometry import Point

from geoservice.domain import areas
from geoservice.domain.timeutil import parse_datetime
from geoservice.errors import NotFound

D = date
PROHLISER_ALLEE_33 = Point(13.798631, 51.004119)  # QM office, geocoded (afeefa)
WALTER_ARNOLD_17 = Point(13.781045, 51.018048)  # next to Stadtteilbüro Am Koitschgraben
ALTSTADT = Point(13.7373, 51.0504)  # Dresden city centre, far outside


@pytest.fixture(scope="module")
def fa(app):
    return app.extensions["geoservice"].dataset.funding_areas


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("1999", []),
        ("2000-07-12", []),
        ("2000-07-13", ["prohlis-am-koitschgraben-2000"]),
        ("2003", ["prohlis-am-koitschgraben-2000"]),
        ("2004-06-30", ["prohlis-am-koitschgraben-2000"]),
        ("2004-07-01", ["prohlis-am-koitschgraben-2004"]),
        ("2004", ["prohlis-am-koitschgraben-2000", "prohlis-am-koitschgraben-2004"]),
        ("2016-09-28", ["prohlis-am-koitschgraben-2004"]),
        ("2016-09-29", ["am-koitschgraben-2016", "prohlis-2016"]),
        ("2018", ["am-koitschgraben-2016", "prohlis-2016"]),
        ("2020-09-30", ["am-koitschgraben-2016", "prohlis-2016"]),
        ("2020-10-01", ["am-koitschgraben-2020", "prohlis-2020"]),
        ("2021", ["am-koitschgraben-2020", "prohlis-2020"]),
        ("2090", ["am-koitschgraben-2020", "prohlis-2020"]),
        ("../1999-12-31", []),
        ("2019/..", ["am-koitschgraben-2016", "prohlis-2016", "am-koitschgraben-2020", "prohlis-2020"]),
    ],
)
def test_versions_in_force(fa, query, expected):
    assert sorted(areas.versions(fa, parse_datetime(query))["id"]) == sorted(expected)


def test_whole_period_returns_every_version(fa):
    assert len(areas.versions(fa, parse_datetime("2000-01-01/2025-12-31"))) == len(fa) == 6


def test_programme_changes_in_october_2020(fa):
    before = areas.versions_on(fa, D(2020, 9, 30))
    after = areas.versions_on(fa, D(2020, 10, 1))
    assert set(before["programme"]) == {"Soziale Stadt"}
    assert set(after["programme"]) == {"Sozialer Zusammenhalt"}


def test_versions_of_one_area(fa):
    assert list(areas.require_area(fa, "prohlis")["id"]) == ["prohlis-2016", "prohlis-2020"]
    with pytest.raises(NotFound, match="nowhere"):
        areas.require_area(fa, "nowhere")


def test_extension_2004_adds_karl_laux_strasse_only(fa):
    parts = {p.change: p.area_ha for p in areas.changes(fa, D(2003, 1, 1), D(2005, 1, 1))}
    assert "removed" not in parts
    assert parts["added"] == pytest.approx(5.5, rel=0.05)
    assert parts["unchanged"] == pytest.approx(352, rel=0.05)


def test_no_change_at_programme_switch(fa):
    parts = {p.change: p.area_ha for p in areas.changes(fa, D(2019, 1, 1), D(2021, 1, 1))}
    assert set(parts) == {"unchanged"}


def test_changes_balance(fa):
    parts = {p.change: p.area_ha for p in areas.changes(fa, D(2010, 1, 1), D(2018, 1, 1))}
    total_2010 = fa.loc["prohlis-am-koitschgraben-2004", "area_ha"]
    assert parts["unchanged"] + parts.get("removed", 0) == pytest.approx(total_2010, abs=0.1)


def test_changes_from_nothing_is_all_added(fa):
    parts = areas.changes(fa, D(1999, 1, 1), D(2003, 1, 1))
    assert [p.change for p in parts] == ["added"]


def test_steps_record_what_changed(fa):
    steps = areas.steps(fa, "prohlis-am-koitschgraben")
    assert [s.version["id"] for s in steps] == ["prohlis-am-koitschgraben-2000", "prohlis-am-koitschgraben-2004"]
    assert steps[1].added_ha == pytest.approx(5.5, rel=0.05) and steps[1].removed_ha == 0
    split = areas.steps(fa, "prohlis")[0]
    assert split.previous_id == "prohlis-am-koitschgraben-2004" and split.added_ha == 0


@pytest.mark.parametrize(
    ("point", "day", "inside"),
    [
        (PROHLISER_ALLEE_33, D(2003, 1, 1), {"prohlis-am-koitschgraben"}),
        (PROHLISER_ALLEE_33, D(2018, 1, 1), {"prohlis"}),
        (WALTER_ARNOLD_17, D(2018, 1, 1), {"am-koitschgraben"}),
        (WALTER_ARNOLD_17, D(2022, 1, 1), {"am-koitschgraben"}),
        (ALTSTADT, D(2022, 1, 1), set()),
        (PROHLISER_ALLEE_33, D(1999, 1, 1), set()),
    ],
)
def test_locate(fa, point, day, inside):
    result = areas.locate(fa, point, day)
    assert {loc.area_id for loc in result if loc.inside} == inside
    assert all(loc.distance_m >= 0 for loc in result)


def test_locate_distance_is_metric(fa):
    far = areas.locate(fa, ALTSTADT, D(2022, 1, 1))
    assert all(loc.distance_m > 3000 for loc in far)  # the centre is ~5 km away
    assert areas.locate(fa, ALTSTADT, D(1999, 1, 1)) == []


def test_derive_area_id(fa):
    assert areas.derive_area_id(fa, PROHLISER_ALLEE_33) == "prohlis"
    assert areas.derive_area_id(fa, WALTER_ARNOLD_17) == "am-koitschgraben"
    assert areas.derive_area_id(fa, ALTSTADT) is None
