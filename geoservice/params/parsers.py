"""Query-parameter parsers: each returns a typed value or raises InvalidParameter naming the value."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import NamedTuple

from geoservice.domain import clock, crs
from geoservice.domain.schema import CollectionSpec
from geoservice.domain.timeutil import DayRange, canonical_point, parse_date, parse_datetime
from geoservice.errors import InvalidParameter

# Numbers are ASCII only: Python's int()/float() also read Arabic-Indic, fullwidth and other
# Unicode digits, which no client means and which would make two spellings of one request.
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
# Longest number text read at all (a longer one is rejected before any conversion).
MAX_NUMBER_CHARS = 64


def _shown(value: str, limit: int = 80) -> str:
    """Return the value for an error message, cut when long (the message still names it)."""
    return value if len(value) <= limit else f"{value[:limit]}… ({len(value)} characters)"


def _float(text: str) -> float | None:
    """Return the finite float an ASCII decimal text spells, else None."""
    text = text.strip()
    if len(text) > MAX_NUMBER_CHARS or not _NUMBER.fullmatch(text):
        return None
    result = float(text)
    return result if math.isfinite(result) else None


# --------------------------------------------------------------------------- parsers

def integer(value: str | None, name: str, default: int, minimum: int) -> int:
    """Parse a whole number >= minimum, or return the default when absent."""
    if value is None:
        return default
    text = value.strip()
    if len(text) > MAX_NUMBER_CHARS or not _INTEGER.fullmatch(text):
        raise InvalidParameter(f"{name}: '{_shown(value)}' is not a whole number "
                               "(ASCII digits 0-9)")
    number = int(text)
    if number < minimum:
        raise InvalidParameter(f"{name}: '{value}' is below the minimum {minimum}")
    return number


def limit(value: str | None, default: int, maximum: int) -> int:
    """Parse `limit`: at least 1; values above the maximum are clamped to it."""
    return min(integer(value, "limit", default, 1), maximum)


def number(value: str | None, name: str) -> float:
    """Parse a required finite number."""
    if value is None or not value.strip():
        raise InvalidParameter(f"{name} is required (a number)")
    result = _float(value)
    if result is None:
        raise InvalidParameter(f"{name}: '{_shown(value)}' is not a finite number "
                               "(ASCII digits, '.', sign and exponent)")
    return result


def bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """Parse `bbox` as 4 numbers (or 6 with heights, which are ignored), lower corner first."""
    if value is None:
        return None
    parts = value.split(",")
    if len(parts) not in (4, 6):
        raise InvalidParameter(f"bbox: '{_shown(value)}' needs 4 or 6 comma-separated numbers, "
                               f"got {len(parts)}")
    numbers = [_float(p) for p in parts]
    bad = [p for p, n in zip(parts, numbers, strict=True) if n is None]
    if bad:
        raise InvalidParameter(f"bbox: '{_shown(bad[0])}' in '{_shown(value)}' is not a finite "
                               "number (ASCII digits, '.', sign and exponent)")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    x0, y0, x1, y1 = numbers
    if x0 > x1 or y0 > y1:
        raise InvalidParameter(f"bbox: '{value}' has its lower corner above or right of its "
                               "upper corner; give minx,miny,maxx,maxy in the axis order of bbox-crs")
    return x0, y0, x1, y1


def crs_param(value: str | None, name: str) -> str:
    """Parse a CRS parameter into its canonical URI (CRS84 when absent)."""
    if value is None:
        return crs.CRS84
    return crs.normalize_crs(value, name)


def boolean(value: str | None, name: str) -> bool:
    """Parse 'true'/'false' (also 1/0, yes/no)."""
    if value is None:
        return False
    text = value.strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise InvalidParameter(f"{name}: '{value}' is not true or false")


def properties(value: str | None, spec: CollectionSpec) -> tuple[str, ...] | None:
    """Parse `properties` (comma list of property names); None means all of them."""
    if value is None:
        return None
    names = set(n.strip() for n in value.split(",") if n.strip())
    unknown = [n for n in names if n not in spec.fields]
    if unknown:
        raise InvalidParameter(f"properties: '{', '.join(sorted(unknown))}' is not a property of "
                               f"{spec.name}; known: {', '.join(spec.fields)}")
    # schema order whatever the request's order: every ordering is one serialized variant
    return tuple(n for n in spec.fields if n in names)


def queryable(spec: CollectionSpec) -> tuple[str, ...]:
    """Return the properties usable as `?property=value` and in `filter`: all of them."""
    return spec.fields


def sortable(spec: CollectionSpec) -> tuple[str, ...]:
    """Return the properties `sortby` accepts (and /sortables lists): every property."""
    return spec.fields


def sortby(value: str | None, spec: CollectionSpec) -> list[tuple[str, bool]]:
    """Parse `sortby` ('+field', '-field' or 'field', comma list) into (field, ascending) pairs."""
    if value is None:
        return []
    keys: list[tuple[str, bool]] = []
    allowed = sortable(spec)
    for raw in value.split(","):
        item = raw.strip()
        ascending = not item.startswith("-")
        name = item[1:].strip() if item[:1] in ("+", "-") else item
        if name not in allowed:
            raise InvalidParameter(f"sortby: '{_shown(item)}' is not sortable in {spec.name}; "
                                   f"use +/- and one of {', '.join(allowed)}")
        if any(name == seen for seen, _ in keys):
            raise InvalidParameter(f"sortby: '{name}' is given more than once in "
                                   f"'{_shown(value)}'; sort by each property once")
        keys.append((name, ascending))
    return keys


# Open ends as QGIS 3.22's OAPIF provider writes them: it has no '..' and sends year 0 and the
# last day of year 9999 instead (`datetime=0000-01-01T00:00:00Z/D`, `datetime=D/9999-12-31T00:00:00Z`;
# qgsoapifprovider.cpp, translateNodeToServer). Neither is a day of the register's calendar.
_OPEN_START = re.compile(r"0000-[0-9]{2}-[0-9]{2}(?:[Tt ].*)?\Z", re.ASCII)
_OPEN_END = re.compile(r"9999-12-31(?:[Tt ].*)?\Z", re.ASCII)
# GDAL's OAPIF driver writes a date as `YYYY-MM-DDT` (SerializeDateTime: the T always, the time
# only when the literal had one)
_DATE_T = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]\Z", re.ASCII)


def _date_t(text: str) -> str:
    match = _DATE_T.match(text.strip())
    return match.group(1) if match else text


def datetime_interval(raw: str | None, param: str = "datetime") -> DayRange:
    """Parse an items `datetime` (timeutil.parse_datetime) where clients' spellings of open ends
    (QGIS 3.22's year 0 and 9999-12-31) mean '..', and GDAL's `YYYY-MM-DDT` means the date."""
    if raw is None or "/" not in raw or raw.count("/") != 1:
        return parse_datetime(None if raw is None else _date_t(raw), param)
    left, right = (part.strip() for part in raw.split("/"))
    left = ".." if _OPEN_START.match(left) else _date_t(left)
    right = ".." if _OPEN_END.match(right) else _date_t(right)
    return parse_datetime(f"{left}/{right}", param)


def one_day(raw: str | None, hint: str, blank_is_today: bool = False) -> date:
    """Parse `datetime` as one day (a date or a date-time: its day in Dresden); today when absent
    (or blank with `blank_is_today`). An interval or a year is a 400 ending in `hint`."""
    if raw is None or (blank_is_today and not raw.strip()):
        return clock.today()
    when = parse_datetime(raw)
    if not when.is_instant:
        raise InvalidParameter(f"datetime: '{raw}' is not a single day; {hint}")
    return when.start


class Period(NamedTuple):
    """A compared period (`from`, `to`): a year is the whole year (every version in force during
    it counts, as on the map pages), a month that month, a date that one day."""

    given: str  # as given, stripped (echoed in answers)
    canonical: str  # YYYY, YYYY-MM or YYYY-MM-DD: one spelling per period (page cache keys)
    days: DayRange


def period(raw: str | None, name: str) -> Period:
    """Parse a required period; raise InvalidParameter naming the value."""
    parse_date(raw, name)  # required, one day, month or year
    given = raw.strip()
    canonical = canonical_point(given, name)
    return Period(given, canonical, parse_datetime(canonical, name))


def lenient_number(raw: str | None) -> str | None:
    """How an HTML form's number is read: spaces dropped, one decimal comma (German) a point."""
    if raw is None:
        return None
    text = raw.strip().replace("\u2009", "").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return text


def embed(raw: str | None) -> bool:
    """Parse a page's `embed`: 1, true or yes (any case) embed; any other value is the full page."""
    return (raw or "").lower() in ("1", "true", "yes")
