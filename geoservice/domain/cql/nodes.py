"""The checked tree of a CQL2 filter (what parse() returns, mask() and storage.cql_sql read),
the operator tables, the text folding every comparison uses, and FilterError."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from geoservice.errors import InvalidParameter

GEOMETRY = "geometry"
MAX_NODES = 500

COMPARISON = {"=", "<>", "<", "<=", ">", ">="}
FLIP = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
SPATIAL = {"s_intersects", "s_disjoint", "s_equals", "s_touches", "s_within", "s_contains",
           "s_overlaps", "s_crosses"}
TEMPORAL = {"t_after", "t_before", "t_contains", "t_disjoint", "t_during", "t_equals",
            "t_finishedby", "t_finishes", "t_intersects", "t_meets", "t_metby",
            "t_overlappedby", "t_overlaps", "t_startedby", "t_starts"}
# the relation seen from the other side: T_BEFORE(a, b) == T_AFTER(b, a)
T_CONVERSE = {"t_after": "t_before", "t_before": "t_after", "t_contains": "t_during",
              "t_during": "t_contains", "t_finishedby": "t_finishes", "t_finishes": "t_finishedby",
              "t_meets": "t_metby", "t_metby": "t_meets", "t_overlappedby": "t_overlaps",
              "t_overlaps": "t_overlappedby", "t_startedby": "t_starts", "t_starts": "t_startedby",
              "t_intersects": "t_intersects", "t_disjoint": "t_disjoint", "t_equals": "t_equals"}
S_CONVERSE = {"s_within": "s_contains", "s_contains": "s_within"}


class FilterError(InvalidParameter):
    """A filter the service cannot evaluate: the message names where and what."""


def shown(value, limit: int = 80) -> str:
    """Show a value in an error message (JSON unless a string), cut after `limit` characters."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else f"{text[:limit]}…"


# --- the checked tree ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class And:
    parts: tuple


@dataclass(frozen=True)
class Or:
    parts: tuple


@dataclass(frozen=True)
class Not:
    part: Any


@dataclass(frozen=True)
class Compare:
    """`prop op value`; value is a NFC (and folded) str, a float, or a day ordinal for dates."""

    op: str
    prop: str
    kind: str  # string | integer | number | date
    value: Any
    fold: frozenset = frozenset()  # {"casei", "accenti"}


@dataclass(frozen=True)
class Like:
    prop: str
    pattern: str  # NFC and folded like the property
    fold: frozenset = frozenset()


@dataclass(frozen=True)
class In:
    prop: str
    kind: str
    values: tuple
    fold: frozenset = frozenset()


@dataclass(frozen=True)
class Between:
    prop: str
    kind: str
    low: Any
    high: Any


@dataclass(frozen=True)
class IsNull:
    prop: str


@dataclass(frozen=True)
class Spatial:
    """`op(geometry, literal)` with the literal in CRS84."""

    op: str
    geometry: Any  # shapely geometry, CRS84


@dataclass(frozen=True)
class FeatureTime:
    """The feature's time: a funding area's validity, a project's years."""


@dataclass(frozen=True)
class DateProp:
    """One date property as an instant (its day)."""

    prop: str


@dataclass(frozen=True)
class Days:
    """A literal: the closed interval of day ordinals [first, last]; None is an open end."""

    first: int | None
    last: int | None


@dataclass(frozen=True)
class Temporal:
    """`op(left, right)` with a feature operand on the left and a literal on the right."""

    op: str
    left: FeatureTime | DateProp
    right: Days


@dataclass(frozen=True)
class Filter:
    """A checked filter: its tree of nodes."""

    node: Any


# --- folding -------------------------------------------------------------------------------------

def nfc(text: str) -> str:
    """Return text in Unicode NFC (what every comparison sees)."""
    return unicodedata.normalize("NFC", text)


def fold(text: str, how: frozenset) -> str:
    """Return NFC text, without combining marks (accenti) and case-folded (casei) as asked."""
    text = nfc(text)
    if "accenti" in how:
        text = nfc("".join(c for c in unicodedata.normalize("NFD", text)
                           if not unicodedata.combining(c)))
    if "casei" in how:
        text = nfc(text.casefold())
    return text


def like_regex(pattern: str) -> str:
    """Return an anchored regular expression for a CQL2 LIKE pattern (% any text, _ one char).

    Built so that matching never backtracks badly, whatever the pattern ('%a%a%a…%b' on a long
    text): each segment between two % is fixed-length, so taking its leftmost occurrence is
    always right, and an atomic group (?>…) commits to it.
    """
    segments, current, escaped = [], [], False
    for char in pattern:
        if escaped:
            current.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            segments.append("".join(current))
            current = []
        elif char == "_":
            current.append(".")
        else:
            current.append(re.escape(char))
    if escaped:
        current.append(re.escape("\\"))
    segments.append("".join(current))
    if len(segments) == 1:
        return rf"\A{segments[0]}\Z"
    middle = "".join(f"(?>.*?{seg})" for seg in segments[1:-1] if seg)
    return rf"\A{segments[0]}{middle}.*{segments[-1]}\Z"
