"""Validated time parameters: instants, days, years and intervals as half-open day ranges.

Validity in the data is by calendar day in Dresden (Europe/Berlin): a version with
valid_from=2016-09-29 is in force from the first instant of that day, and valid_to is exclusive.
Every query is turned into a half-open range of days [start, end); None is an open end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from geoservice.domain.clock import LOCAL_TZ
from geoservice.errors import InvalidParameter

# [0-9], never \d: \d also matches Arabic-Indic, fullwidth and other Unicode digits, which
# int() and date() would then read. `\Z`, never `$`: `$` also matches before a final newline.
_YEAR = re.compile(r"^[0-9]{4}\Z")
_YEAR_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})\Z")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DATETIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?\Z"
)


@dataclass(frozen=True)
class DayRange:
    """Half-open range of days [start, end); None means unbounded on that side."""

    start: date | None
    end: date | None

    @property
    def is_instant(self) -> bool:
        """True for a single day."""
        return (
            self.start is not None
            and self.end is not None
            and self.end - self.start == timedelta(days=1)
        )


ALL_TIME = DayRange(None, None)


def _parse_point(text: str, param: str) -> tuple[date, date]:
    """Parse one RFC 3339 date-time, date, year-month or year into its [first day, day after last)."""
    text = text.strip()
    try:
        if _YEAR.match(text):
            year = int(text)
            return date(year, 1, 1), date(year + 1, 1, 1)
        if m := _YEAR_MONTH.match(text):
            year, month = int(m.group(1)), int(m.group(2))
            first = date(year, month, 1)
            nxt = date(year + (month == 12), month % 12 + 1, 1)
            return first, nxt
        if _DATE.match(text):
            day = date.fromisoformat(text)
            return day, day + timedelta(days=1)
        if _DATETIME.match(text):
            moment = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(LOCAL_TZ)
            day = moment.date()
            return day, day + timedelta(days=1)
    except (ValueError, OverflowError) as exc:  # OverflowError: the day after 9999-12-31
        raise InvalidParameter(f"{param}: '{text}' is not a valid date ({exc})") from None
    raise InvalidParameter(
        f"{param}: '{text}' is not an RFC 3339 date-time, a date (YYYY-MM-DD) or a year (YYYY)"
    )


def parse_datetime(value: str | None, param: str = "datetime") -> DayRange:
    """Parse an OGC `datetime` value: instant, 'start/end' interval with '..' or '' for open ends."""
    if value is None:
        return ALL_TIME
    value = value.strip()
    if not value:
        raise InvalidParameter(f"{param}: empty value; give an instant or an interval 'start/end'")
    if "/" not in value:
        start, end = _parse_point(value, param)
        return DayRange(start, end)
    parts = value.split("/")
    if len(parts) != 2:
        raise InvalidParameter(f"{param}: '{value}' has more than one '/'")
    left, right = (p.strip() for p in parts)
    if left in ("", "..") and right in ("", ".."):
        return ALL_TIME
    start = None if left in ("", "..") else _parse_point(left, param)[0]
    end = None if right in ("", "..") else _parse_point(right, param)[1]
    if start is not None and end is not None and start >= end:
        raise InvalidParameter(f"{param}: interval '{value}' ends before it starts")
    return DayRange(start, end)


def parse_date(value: str | None, param: str) -> date:
    """Parse a required single day (a year means its 1 January); the bad value is named."""
    if value is None or not value.strip():
        raise InvalidParameter(f"{param} is required (a date YYYY-MM-DD or a year YYYY)")
    return _parse_point(value, param)[0]


def canonical_point(value: str, param: str) -> str:
    """Return the canonical spelling of one point in time: YYYY for a year, YYYY-MM for a month,
    else the day YYYY-MM-DD (a date-time means its day in Dresden)."""
    start, end = _parse_point(value, param)
    if (start.month, start.day) == (1, 1) and end == date(start.year + 1, 1, 1):
        return f"{start.year:04d}"
    if start.day == 1 and (end - start).days > 1:
        return f"{start.year:04d}-{start.month:02d}"
    return start.isoformat()


def parse_recorded(value: str, param: str = "recorded") -> datetime:
    """Parse the transaction-time parameter into a UTC instant (naive, as the store keeps it).

    An RFC 3339 date-time with offset is that instant; a date (or year-month, year) means the end
    of that period in Dresden, i.e. the state the register showed at the close of that day.
    """
    text = value.strip()
    if _DATETIME.match(text):
        try:
            moment = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
        except ValueError as exc:
            raise InvalidParameter(f"{param}: '{text}' is not a valid date-time ({exc})") from None
        if moment.tzinfo is None:
            raise InvalidParameter(f"{param}: '{text}' needs a time zone (e.g. Z or +01:00)")
    elif text in ("9999", "9999-12", "9999-12-31"):
        return datetime.max  # the end of the last representable day: the newest state
    else:
        _first, after = _parse_point(text, param)
        moment = datetime.combine(after, datetime.min.time(), LOCAL_TZ) - timedelta(microseconds=1)
    try:
        return moment.astimezone(UTC).replace(tzinfo=None)
    except (OverflowError, ValueError):
        if moment.year == 9999:  # later than UTC can say in 9999: the newest state as well
            return datetime.max
        raise InvalidParameter(f"{param}: '{text}' is out of range") from None


# Project statuses whose unknown end means "still going on" (see project_days).
ONGOING = "laufend"


def project_days(start_year: int | None, end_year: int | None, status: str | None,
                 this_year: int) -> tuple[date, date] | None:
    """Return the half-open days [first, after last) a project is known to run, or None.

    The one rule for a project's time (the `datetime` parameter, CQL2 T_ functions, the
    collection's temporal extent): an unknown start year means no known time, so the project
    matches no time query; an unknown end of an ongoing project (status 'laufend') means it is
    known to run until this year; an unknown end of a planned or finished project means only its
    start year is known. Nothing is extended into a future the sources do not state.
    """
    if start_year is None:
        return None
    if end_year is not None:
        last = end_year
    elif status == ONGOING:
        last = max(start_year, this_year)
    else:
        last = start_year
    return date(start_year, 1, 1), date(last + 1, 1, 1)
