"""The one time parser: instants, dates, years, intervals and their edges."""

from datetime import date

import numpy as np
import pytest

from geoservice.domain.areas import day_overlap
from geoservice.domain.dataset import OPEN_END, OPEN_START
from geoservice.domain.timeutil import DayRange, parse_date, parse_datetime, project_days
from geoservice.errors import InvalidParameter

D = date


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2012", D(2012, 1, 1), D(2013, 1, 1)),
        ("2012-05", D(2012, 5, 1), D(2012, 6, 1)),
        ("2012-12", D(2012, 12, 1), D(2013, 1, 1)),
        ("2012-05-01", D(2012, 5, 1), D(2012, 5, 2)),
        ("2018-06-01T12:00:00Z", D(2018, 6, 1), D(2018, 6, 2)),
        # 23:30 UTC on 28 Sept is already 29 Sept in Dresden
        ("2016-09-28T23:30:00Z", D(2016, 9, 29), D(2016, 9, 30)),
        ("2016-09-29T00:30:00+02:00", D(2016, 9, 29), D(2016, 9, 30)),
        ("2000-01-01/2025-12-31", D(2000, 1, 1), D(2026, 1, 1)),
        ("2003/2004", D(2003, 1, 1), D(2005, 1, 1)),
        ("../2000-07-13", None, D(2000, 7, 14)),
        ("2020-10-01/..", D(2020, 10, 1), None),
        ("/2010", None, D(2011, 1, 1)),
        ("../..", None, None),
    ],
)
def test_parse_datetime(text, start, end):
    assert parse_datetime(text) == DayRange(start, end)


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "2012-13-01", "2012-02-30", "12", "2012/2011", "2012/2013/2014", "20121", "2012-5-1",
     "2012-05-01T25:00:00Z"],
)
def test_parse_datetime_rejects_and_names_value(text):
    with pytest.raises(InvalidParameter) as info:
        parse_datetime(text)
    assert "datetime" in info.value.description
    if text.strip():
        assert text.split("/")[0] in info.value.description or text in info.value.description


def test_missing_datetime_means_all_time():
    assert parse_datetime(None) == DayRange(None, None)


def test_parse_date_requires_value_and_names_parameter():
    assert parse_date("2016", "from") == D(2016, 1, 1)
    with pytest.raises(InvalidParameter, match="from is required"):
        parse_date(None, "from")


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ((D(2000, 7, 13), D(2004, 7, 1)), (D(2004, 7, 1), D(2004, 7, 2)), False),  # valid_to exclusive
        ((D(2000, 7, 13), D(2004, 7, 1)), (D(2004, 6, 30), D(2004, 7, 1)), True),
        ((D(2020, 10, 1), None), (D(2999, 1, 1), None), True),  # open end
        ((D(2000, 7, 13), None), (None, D(2000, 7, 13)), False),  # before the start
        ((None, None), (D(1990, 1, 1), D(1990, 1, 2)), True),
    ],
)
def test_overlaps_half_open(a, b, overlap):
    def overlaps(x, y):  # [t0, t1) as the frames keep it (_t0/_t1), tested by areas.day_overlap
        t0 = np.array([x[0].toordinal() if x[0] else OPEN_START])
        t1 = np.array([x[1].toordinal() if x[1] else OPEN_END])
        return bool(day_overlap(t0, t1, DayRange(*y))[0])
    assert overlaps(a, b) is overlap
    assert overlaps(b, a) is overlap


def test_project_years_are_inclusive():
    first, after = project_days(2010, 2012, "abgeschlossen", 2024)
    assert first <= D(2012, 12, 31) < after and not D(2013, 1, 1) < after
    assert parse_datetime("2010/2012") == DayRange(first, after)
