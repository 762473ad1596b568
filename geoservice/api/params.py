"""Query-parameter parsers: each returns a typed value or raises InvalidParameter naming the value."""

from __future__ import annotations

import math

from geoservice.domain import crs
from geoservice.domain.schema import CollectionSpec
from geoservice.errors import InvalidParameter


def integer(value: str | None, name: str, default: int, minimum: int) -> int:
    """Parse a whole number >= minimum, or return the default when absent."""
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise InvalidParameter(f"{name}: '{value}' is not a whole number") from None
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
    try:
        result = float(value)
    except ValueError:
        raise InvalidParameter(f"{name}: '{value}' is not a number") from None
    if not math.isfinite(result):
        raise InvalidParameter(f"{name}: '{value}' is not a finite number")
    return result


def bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """Parse `bbox` as 4 numbers (or 6 with heights, which are ignored), lower corner first."""
    if value is None:
        return None
    parts = value.split(",")
    if len(parts) not in (4, 6):
        raise InvalidParameter(f"bbox: '{value}' needs 4 or 6 comma-separated numbers, "
                               f"got {len(parts)}")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise InvalidParameter(f"bbox: '{value}' contains a value that is not a number") from None
    if not all(math.isfinite(n) for n in numbers):
        raise InvalidParameter(f"bbox: '{value}' contains a value that is not finite")
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
    names = tuple(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))
    unknown = [n for n in names if n not in spec.fields]
    if unknown:
        raise InvalidParameter(f"properties: '{', '.join(unknown)}' is not a property of "
                               f"{spec.name}; known: {', '.join(spec.fields)}")
    return names


def sortable(spec: CollectionSpec) -> tuple[str, ...]:
    """Return the properties `sortby` accepts: id, title, the queryables and the time fields."""
    names = ["id", *(["title"] if "title" in spec.fields else []), *spec.queryables,
             *spec.time_fields]
    return tuple(dict.fromkeys(names))


def sortby(value: str | None, spec: CollectionSpec) -> list[tuple[str, bool]]:
    """Parse `sortby` ('+field', '-field' or 'field', comma list) into (field, ascending) pairs."""
    if value is None:
        return []
    keys = []
    allowed = sortable(spec)
    for raw in value.split(","):
        item = raw.strip()
        ascending = not item.startswith("-")
        name = item.lstrip("+-").strip()
        if name not in allowed:
            raise InvalidParameter(f"sortby: '{raw.strip()}' is not sortable in {spec.name}; "
                                   f"use +/- and one of {', '.join(allowed)}")
        keys.append((name, ascending))
    return keys
