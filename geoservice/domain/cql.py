"""CQL2 filters (OGC API – Features Part 3, OGC 21-065 CQL2) over a collection's columns.

`parse()` reads CQL2 text or JSON with the `cql2` package, then checks the common JSON form
against the collection's schema (`CollectionSpec.types`): every property must exist, every
literal must have the property's type, every operator must be one this module evaluates. The
result is a small tree of nodes (below) that `mask()` evaluates as numpy masks over the
collection's columns (STRtree / shapely predicates for the spatial parts) and that
`geoservice.storage.cql_sql` translates to SQL.

Semantics, the same everywhere:
- Three-valued logic as in SQL: a comparison with a null property is unknown, NOT of unknown is
  unknown, only true rows are returned.
- Strings are compared in Unicode NFC; CASEI() compares case-folded, ACCENTI() without
  combining marks (NFD, marks removed). LIKE takes % and _ (backslash escapes them).
- Time is in whole days. A feature's time (`INTERVAL(valid_from, valid_to)` of a funding area,
  `INTERVAL(start_year, end_year)` of a project) is exactly what the `datetime` parameter tests:
  the validity [valid_from, valid_to) or the project's years (timeutil.project_days); a feature
  without a known time matches no temporal predicate. Literals are days (a TIMESTAMP is its day
  in Dresden, as in `datetime`); temporal relations follow CQL2 on closed intervals of days.
- Geometry literals are in `filter-crs` (its axis order) and are compared in CRS84.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cql2
import numpy as np
import pandas as pd
import shapely

from geoservice.domain import crs
from geoservice.domain.schema import CollectionSpec
from geoservice.domain.timeutil import parse_datetime
from geoservice.errors import InvalidParameter

GEOMETRY = "geometry"
MAX_FILTER_CHARS = 20_000
MAX_NODES = 500
# cql2's parsers recurse per nesting level; a few thousand levels overflow the native stack and
# kill the process (a segfault, not an exception), so deeper input is refused before parsing.
MAX_DEPTH = 64

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

# pest's rule names in cql2's syntax errors, in words
_EXPECTED = {
    "GEOMETRY": "a geometry", "Identifier": "a property name", "Negative": "'-'",
    "UnaryNot": "NOT", "True": "TRUE", "False": "FALSE", "Null": "NULL", "DECIMAL": "a number",
    "Double": "a number", "SingleQuotedString": "a 'quoted string'",
    "ExpressionInParentheses": "'(' expression ')'", "Array": "a list '(…)'",
    "EOI": "the end of the filter", "Expr": "an expression", "NotFlag": "NOT", "And": "AND",
    "Or": "OR", "Add": "'+'", "Subtract": "'-'", "Multiply": "'*'", "Mult": "'*'",
    "Divide": "'/'", "Modulo": "'%'", "Power": "'^'", "Eq": "'='", "NotEq": "'<>'",
    "Lt": "'<'", "LtEq": "'<='", "Gt": "'>'", "GtEq": "'>='", "Like": "LIKE", "In": "IN",
    "BetweenPostfix": "BETWEEN", "IsNullPostfix": "IS NULL",
}


# cql2 (Rust, pyo3) reports errors as Exception; a Rust panic arrives as pyo3's PanicException,
# a BaseException. Either is the client's filter failing to parse, never a server error.
_PARSER_FAILURES = BaseException
_NEVER_SWALLOWED = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)


class FilterError(InvalidParameter):
    """A filter the service cannot evaluate: the message names where and what."""


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
    """A checked filter: its tree, and the CQL2 JSON it was checked from."""

    node: Any
    cql2_json: Any


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


# --- parsing and checking ------------------------------------------------------------------------

def _shown(value, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else f"{text[:limit]}…"


def _literal(value) -> str:
    """Show a literal as CQL2 text would: 'string', number, DATE('…'), TIMESTAMP('…')."""
    if isinstance(value, str):
        return "'" + _shown(value) + "'"
    if isinstance(value, bool) or value is None:
        return {True: "TRUE", False: "FALSE", None: "NULL"}[value]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict) and len(value) == 1:
        key, inner = next(iter(value.items()))
        if key in ("date", "timestamp"):
            return f"{key.upper()}('{inner}')"
    return _shown(value)


def _syntax_error(text: str, message: str) -> FilterError:
    """Turn cql2's pest error into 'filter: syntax error at line L, column C …: expected …'."""
    where = re.search(r"-->\s*(\d+):(\d+)", message)
    expected = re.search(r"=\s*expected (.+)", message)
    if where:
        line, column = int(where.group(1)), int(where.group(2))
        lines = text.split("\n")
        row = lines[line - 1] if 0 < line <= len(lines) else ""
        before = row[max(0, column - 31):column - 1]
        after = row[column - 1:column + 19]
        place = (f"at line {line}, column {column} (after '{before}'"
                 + (f", at '{after}'" if after else ", at the end") + ")")
    else:
        place = "in the filter"
    if expected:
        names = [n.strip() for n in re.split(r",\s*(?:or\s+)?|\s+or\s+", expected.group(1)) if n.strip()]
        words = list(dict.fromkeys(_EXPECTED.get(n, n) for n in names))
        what = "expected " + ", ".join(words)
    else:
        what = message.strip().splitlines()[0] if message.strip() else "not CQL2"
    return FilterError(f"filter: syntax error {place}: {what}")


class _Checker:
    """Walk cql2's JSON form, check it against a collection's schema, build the node tree."""

    def __init__(self, spec: CollectionSpec, filter_crs: str, text: str, lang: str):
        self.spec = spec
        self.filter_crs = filter_crs
        self.text = text
        self.lang = lang
        self.count = 0

    # errors name the place: a character position in CQL2 text, the JSON path in CQL2 JSON
    def error(self, problem: str, token: str | None, path: str) -> FilterError:
        where = ""
        if self.lang == "cql2-text" and token:
            pos = self.text.lower().find(token.lower())
            if pos >= 0:
                where = f" at character {pos + 1} ('{_shown(self.text[pos:pos + len(token)], 40)}')"
        elif self.lang == "cql2-json":
            where = f" at {path}"
        return FilterError(f"filter{where}: {problem}")

    def boolean(self, expr, path: str = "filter"):
        self.count += 1
        if self.count > MAX_NODES:
            raise FilterError(f"filter: more than {MAX_NODES} terms; simplify the filter")
        if isinstance(expr, bool):
            return Const(expr)
        if not isinstance(expr, dict) or "op" not in expr:
            raise self.error(f"'{_shown(expr)}' is not a condition (a comparison, a function "
                             "such as S_INTERSECTS, or TRUE/FALSE)", _shown(expr), path)
        op = str(expr["op"]).lower()
        args = expr.get("args") or []
        sub = f"{path}/args"
        if op in ("and", "or"):
            parts = tuple(self.boolean(a, f"{sub}/{i}") for i, a in enumerate(args))
            return And(parts) if op == "and" else Or(parts)
        if op == "not":
            self.arity(op, args, 1, path)
            return Not(self.boolean(args[0], f"{sub}/0"))
        if op in COMPARISON:
            self.arity(op, args, 2, path)
            return self.comparison(op, args[0], args[1], path)
        if op == "like":
            self.arity("LIKE", args, 2, path)
            return self.like(args[0], args[1], path)
        if op == "in":
            self.arity("IN", args, 2, path)
            return self.in_list(args[0], args[1], path)
        if op == "between":
            self.arity("BETWEEN", args, 3, path)
            return self.between(args, path)
        if op == "isnull":
            self.arity("IS NULL", args, 1, path)
            prop, _fold = self.property_of(args[0], f"{sub}/0", allow_fold=False)
            return IsNull(prop)
        if op in SPATIAL:
            self.arity(op.upper(), args, 2, path)
            return self.spatial(op, args, path)
        if op in TEMPORAL:
            self.arity(op.upper(), args, 2, path)
            return self.temporal(op, args, path)
        known = ("AND, OR, NOT, =, <>, <, <=, >, >=, LIKE, IN, BETWEEN, IS NULL, CASEI, ACCENTI, "
                 "S_INTERSECTS and the other S_ functions, T_INTERSECTS and the other T_ functions")
        raise self.error(f"'{expr['op']}' is not supported here; supported: {known}",
                         str(expr["op"]), path)

    def arity(self, name: str, args, count: int, path: str) -> None:
        if len(args) != count:
            raise self.error(f"{name.upper()} takes {count} argument(s), got {len(args)}",
                             name, path)

    def property_of(self, arg, path: str, allow_fold: bool = True):
        """Return (property, fold) for `{"property": p}` possibly wrapped in CASEI/ACCENTI."""
        how: set[str] = set()
        while isinstance(arg, dict) and str(arg.get("op", "")).lower() in ("casei", "accenti"):
            if not allow_fold:
                raise self.error(f"{arg['op'].upper()}() cannot be used here", arg["op"], path)
            how.add(str(arg["op"]).lower())
            inner = arg.get("args") or []
            if len(inner) != 1:
                raise self.error(f"{arg['op'].upper()} takes one argument", arg["op"], path)
            arg, path = inner[0], f"{path}/args/0"
        if isinstance(arg, dict) and "property" in arg:
            name = str(arg["property"])
            if name == GEOMETRY:
                return name, frozenset(how)
            if name not in self.spec.types:
                raise self.error(f"'{_shown(name)}' is not a queryable of {self.spec.name}; "
                                 f"queryables: {', '.join(self.spec.fields)}, {GEOMETRY}",
                                 name, path)
            if how and self.spec.types[name] != "string":
                raise self.error(f"CASEI/ACCENTI apply to strings; '{name}' is "
                                 f"{self.spec.types[name]}", name, path)
            return name, frozenset(how)
        return None, frozenset(how)

    def literal_of(self, arg, path: str):
        """Return (value, fold) for a literal possibly wrapped in CASEI/ACCENTI."""
        how: set[str] = set()
        while isinstance(arg, dict) and str(arg.get("op", "")).lower() in ("casei", "accenti"):
            how.add(str(arg["op"]).lower())
            inner = arg.get("args") or []
            if len(inner) != 1:
                raise self.error(f"{arg['op'].upper()} takes one argument", arg["op"], path)
            arg = inner[0]
        return arg, frozenset(how)

    def typed(self, prop: str, value, path: str, fold_how: frozenset = frozenset()):
        """Return the literal converted to the property's type, or a 400 naming both."""
        kind = self.spec.types[prop]
        shown = _literal(value)
        if kind == "string":
            if isinstance(value, str):
                return fold(value, fold_how)
            raise self.error(f"'{prop}' is a string; compare it with a 'quoted string', "
                             f"not {shown}", shown, path)
        if kind in ("integer", "number"):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
            raise self.error(f"'{prop}' is {'an integer' if kind == 'integer' else 'a number'}; "
                             f"compare it with a number, not {shown}", shown.strip('"'), path)
        if kind == "date":
            if isinstance(value, dict) and ("date" in value or "timestamp" in value):
                raw = value.get("date", value.get("timestamp"))
                days = self.days_of(str(raw), path)
                if days.first != days.last:
                    raise self.error(f"'{raw}' is not one day", str(raw), path)
                return days.first
            hint = f" DATE('{value}')" if isinstance(value, str) else " DATE('YYYY-MM-DD')"
            raise self.error(f"'{prop}' is a date; compare it with{hint}, not {shown}",
                             shown, path)
        raise self.error(f"'{prop}' cannot be compared", prop, path)

    def check_enum(self, prop: str, values, how: frozenset, path: str) -> None:
        allowed = self.spec.enums.get(prop)
        if not allowed:
            return
        folded = {fold(v, how) for v in allowed}
        for value in values:
            if value not in folded:
                raise self.error(f"'{value}' is not a value of {prop}; allowed: "
                                 f"{', '.join(sorted(allowed))}", value, path)

    def unsupported_operand(self, arg, path: str) -> None:
        """Refuse functions and arithmetic as operands, naming them."""
        if isinstance(arg, dict) and "op" in arg and \
                str(arg["op"]).lower() not in ("casei", "accenti"):
            raise self.error(f"'{arg['op']}' is not supported in a comparison (functions and "
                             "arithmetic are not offered)", str(arg["op"]), path)

    def comparison(self, op: str, left, right, path: str):
        self.unsupported_operand(left, f"{path}/args/0")
        self.unsupported_operand(right, f"{path}/args/1")
        prop, how = self.property_of(left, f"{path}/args/0")
        literal = right
        if prop is None:  # literal op property
            prop, how = self.property_of(right, f"{path}/args/1")
            literal, op = left, FLIP[op]
            if prop is None:
                raise self.error("a comparison needs a property on one side (comparing two "
                                 "literals or expressions is not supported)", op, path)
        if prop == GEOMETRY:
            raise self.error("the geometry is compared with S_INTERSECTS and the other S_ "
                             "functions, not with " + op, GEOMETRY, path)
        if isinstance(literal, dict) and "property" in literal:
            raise self.error("comparing two properties is not supported (class property-property "
                             "is not offered)", str(literal["property"]), path)
        literal, lhow = self.literal_of(literal, path)
        how = how | lhow
        if literal is None:
            raise self.error(f"compare with NULL using '{prop} IS NULL'", prop, path)
        value = self.typed(prop, literal, path, how)
        if op in ("=", "<>"):
            self.check_enum(prop, [value], how, path)
        return Compare(op, prop, self.spec.types[prop], value, how)

    def like(self, left, right, path: str):
        prop, how = self.property_of(left, f"{path}/args/0")
        if prop is None or prop == GEOMETRY or self.spec.types.get(prop) != "string":
            raise self.error("LIKE needs a string property on the left", _shown(left), path)
        pattern, lhow = self.literal_of(right, path)
        if not isinstance(pattern, str):
            raise self.error(f"the pattern of LIKE must be a 'quoted string', not "
                             f"{_shown(pattern)}", _shown(pattern), path)
        how = how | lhow
        return Like(prop, fold(pattern, how), how)

    def in_list(self, left, right, path: str):
        prop, how = self.property_of(left, f"{path}/args/0")
        if prop is None or prop == GEOMETRY:
            raise self.error("IN needs a property on the left", _shown(left), path)
        if not isinstance(right, list) or not right:
            raise self.error("IN needs a non-empty list of literals", _shown(right), path)
        values = []
        for item in right:
            literal, lhow = self.literal_of(item, path)
            how = how | lhow
            values.append((literal, lhow))
        typed = tuple(self.typed(prop, literal, path, how) for literal, _ in values)
        self.check_enum(prop, typed, how, path)
        return In(prop, self.spec.types[prop], typed, how)

    def between(self, args, path: str):
        prop, how = self.property_of(args[0], f"{path}/args/0", allow_fold=False)
        if prop is None or prop == GEOMETRY or self.spec.types[prop] not in ("integer", "number",
                                                                               "date"):
            raise self.error("BETWEEN needs a number, integer or date property on the left",
                             _shown(args[0]), path)
        low = self.typed(prop, args[1], f"{path}/args/1")
        high = self.typed(prop, args[2], f"{path}/args/2")
        return Between(prop, self.spec.types[prop], low, high)

    # spatial
    def geometry_literal(self, value, path: str):
        if isinstance(value, dict) and "bbox" in value:
            box = value["bbox"]
            if len(box) == 6:
                box = [box[0], box[1], box[3], box[4]]
            if len(box) != 4 or not all(isinstance(v, (int, float)) for v in box):
                raise self.error(f"BBOX needs 4 (or 6) numbers, got {_shown(value['bbox'])}",
                                 "BBOX", path)
            x0, y0, x1, y1 = (float(v) for v in box)
            if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
                raise self.error("BBOX needs finite numbers", "BBOX", path)
            if x0 > x1 or y0 > y1:
                raise self.error("BBOX has its lower corner above or right of its upper corner "
                                 "(give minx, miny, maxx, maxy in the axis order of filter-crs)",
                                 "BBOX", path)
            geom = shapely.segmentize(shapely.box(x0, y0, x1, y1),
                                      max(x1 - x0, y1 - y0, 1e-9) / 20)
        elif isinstance(value, dict) and "type" in value:
            try:
                geom = shapely.from_geojson(json.dumps(value))
            except Exception as exc:  # shapely raises GEOSException for malformed input
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "malformed"
                raise self.error(f"not a valid geometry ({reason})", str(value.get("type")),
                                 path) from None
            if not np.all(np.isfinite(shapely.get_coordinates(geom))):
                raise self.error("a geometry needs finite coordinates", str(value.get("type")),
                                 path)
            if shapely.get_coordinate_dimension(geom) > 2:
                geom = shapely.force_2d(geom)
        else:
            raise self.error(f"{_shown(value)} is not a geometry literal (POINT, LINESTRING, "
                             "POLYGON, MULTI…, BBOX)", _shown(value), path)
        if self.filter_crs != crs.CRS84:
            geom = crs.transform_geometry(geom, self.filter_crs, crs.CRS84)
        coords = shapely.get_coordinates(geom)
        if not np.all(np.isfinite(coords)):
            raise self.error(f"the geometry lies outside the area of use of {self.filter_crs}",
                             _shown(value), path)
        if not shapely.is_valid(geom):
            geom = shapely.make_valid(geom)
        return geom

    def spatial(self, op: str, args, path: str):
        left, _ = self.property_of(args[0], f"{path}/args/0", allow_fold=False)
        right, _ = self.property_of(args[1], f"{path}/args/1", allow_fold=False)
        if left == GEOMETRY and right is None:
            literal = args[1]
        elif right == GEOMETRY and left is None:
            literal, op = args[0], S_CONVERSE.get(op, op)
        else:
            raise self.error(f"{op.upper()} compares the property '{GEOMETRY}' with a geometry "
                             "literal", op.upper(), path)
        return Spatial(op, self.geometry_literal(literal, path))

    # temporal
    def days_of(self, raw: str, path: str) -> Days:
        if raw in ("..", ""):
            return Days(None, None)
        try:
            rng = parse_datetime(raw, "filter")
        except InvalidParameter as exc:
            raise self.error(exc.description.removeprefix("filter: "), raw, path) from None
        return Days(rng.start.toordinal(), rng.end.toordinal() - 1)

    def temporal_operand(self, arg, path: str):
        """Return a FeatureTime, DateProp or Days for one argument of a T_ function."""
        start, end = self.spec.time_fields
        if isinstance(arg, dict) and "interval" in arg:
            ends = arg["interval"]
            if len(ends) != 2:
                raise self.error("INTERVAL takes a start and an end", "INTERVAL", path)
            names = [e.get("property") if isinstance(e, dict) else None for e in ends]
            if names == [start, end]:
                return FeatureTime()
            if any(n is not None for n in names):
                raise self.error(f"the time of a feature of {self.spec.name} is "
                                 f"INTERVAL({start}, {end}); other property intervals are not "
                                 "supported", str(next(n for n in names if n)), path)
            first = self.interval_end(ends[0], path)
            last = self.interval_end(ends[1], path)
            out = Days(first.first, last.last)
            if out.first is not None and out.last is not None and out.first > out.last:
                raise self.error("INTERVAL ends before it starts", "INTERVAL", path)
            return out
        if isinstance(arg, dict) and ("date" in arg or "timestamp" in arg):
            return self.days_of(str(arg.get("date", arg.get("timestamp"))), path)
        if isinstance(arg, dict) and "property" in arg:
            name = str(arg["property"])
            if self.spec.types.get(name) == "date":
                return DateProp(name)
            if name in (start, end):
                raise self.error(f"'{name}' is a year number; use INTERVAL({start}, {end}) for "
                                 "the project's years", name, path)
            raise self.error(f"'{_shown(name)}' is not a temporal property of {self.spec.name}; "
                             f"use INTERVAL({start}, {end})", name, path)
        raise self.error(f"{_shown(arg)} is not a time (DATE, TIMESTAMP, INTERVAL or "
                         f"INTERVAL({start}, {end}))", _shown(arg), path)

    def interval_end(self, value, path: str) -> Days:
        if isinstance(value, dict) and ("date" in value or "timestamp" in value):
            value = value.get("date", value.get("timestamp"))
        if not isinstance(value, str):
            raise self.error(f"an INTERVAL end must be a date, a timestamp or '..', not "
                             f"{_shown(value)}", _shown(value), path)
        return self.days_of(value, path)

    def temporal(self, op: str, args, path: str):
        left = self.temporal_operand(args[0], f"{path}/args/0")
        right = self.temporal_operand(args[1], f"{path}/args/1")
        if isinstance(left, Days) and not isinstance(right, Days):
            left, right, op = right, left, T_CONVERSE[op]
        if isinstance(left, Days) or not isinstance(right, Days):
            raise self.error(f"{op.upper()} compares the feature's time with a literal time",
                             op.upper(), path)
        return Temporal(op, left, right)


def _depth(text: str, lang: str) -> int:
    """Return an upper bound of the parse depth: open brackets plus NOT words, outside strings."""
    quote = "'" if lang == "cql2-text" else '"'
    depth = deepest = nots = 0
    inside = escaped = False
    for char in text:
        if inside:
            if lang == "cql2-json" and char == "\\" and not escaped:
                escaped = True
                continue
            if char == quote and not escaped:
                inside = False
            escaped = False
        elif char == quote:
            inside = True
        elif char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(depth - 1, 0)
    if lang == "cql2-text":
        outside = re.sub(r"'[^']*'", "''", text)
        nots = len(re.findall(r"\bnot\b", outside, re.IGNORECASE))
    return deepest + nots


def parse(text: str, spec: CollectionSpec, lang: str = "cql2-text",
          filter_crs: str = crs.CRS84) -> Filter:
    """Parse and check a CQL2 filter for a collection; FilterError (400) names place and problem."""
    if not text or not text.strip():
        raise FilterError("filter: empty; give a CQL2 expression, e.g. status = 'laufend'")
    if len(text) > MAX_FILTER_CHARS:
        raise FilterError(f"filter: {len(text)} characters, more than {MAX_FILTER_CHARS}")
    if lang in ("cql2-text", "cql2-json") and _depth(text, lang) > MAX_DEPTH:
        raise FilterError(f"filter: nested more than {MAX_DEPTH} levels deep (brackets and NOT); "
                          "simplify the filter")
    if lang == "cql2-text":
        try:
            expr = cql2.parse_text(text)
        except _NEVER_SWALLOWED:
            raise
        except _PARSER_FAILURES as exc:  # cql2 raises plain Exception with pest's message
            raise _syntax_error(text, str(exc)) from None
    elif lang == "cql2-json":
        try:
            json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise FilterError(f"filter: not valid JSON ({exc})") from None
        try:
            expr = cql2.parse_json(text)
        except _NEVER_SWALLOWED:
            raise
        except _PARSER_FAILURES as exc:
            raise FilterError(f"filter: not CQL2 JSON ({str(exc)[:300]})") from None
    else:
        raise FilterError(f"filter-lang: '{_shown(lang)}' is not supported; use cql2-text or "
                          "cql2-json")
    try:
        tree = expr.to_json()
    except _NEVER_SWALLOWED:
        raise
    except _PARSER_FAILURES as exc:
        raise FilterError(f"filter: not CQL2 ({str(exc)[:300]})") from None
    node = _Checker(spec, filter_crs, text, lang).boolean(tree)
    return Filter(node, tree)


def equals(spec: CollectionSpec, name: str, raw: str):
    """Return the node of a `?name=value` query parameter: CASEI equality in NFC, typed."""
    kind = spec.types[name]
    text = raw.strip()
    if kind == "string":
        how = frozenset({"casei"})
        value = fold(text, how)
        if name in spec.enums and value not in {fold(v, how) for v in spec.enums[name]}:
            raise FilterError(f"{name}: '{_shown(text)}' is not a value of {name}; allowed: "
                              f"{', '.join(sorted(spec.enums[name]))}")
        return Compare("=", name, kind, value, how)
    if kind in ("integer", "number"):
        pattern = (r"[+-]?[0-9]+" if kind == "integer"
                   else r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
        if len(text) > 64 or not re.fullmatch(pattern, text, re.ASCII):
            what = "a whole number" if kind == "integer" else "a number"
            raise FilterError(f"{name}: '{_shown(text)}' is not {what} (ASCII digits)")
        return Compare("=", name, kind, float(text))
    if kind == "date":
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text, re.ASCII):
            raise FilterError(f"{name}: '{_shown(text)}' is not a date YYYY-MM-DD")
        return Compare("=", name, kind, parse_datetime(text, name).start.toordinal())
    raise FilterError(f"{name}: cannot be compared")


def conjunction(nodes) -> Any:
    """AND the nodes (None when there are none)."""
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


# --- evaluation ----------------------------------------------------------------------------------

Memo = Callable[[Any, Callable[[], Any]], Any]


def _no_memo(_key, factory):
    return factory()


class Columns:
    """The typed columns of one collection frame, built once per (frame, memo)."""

    def __init__(self, gdf, spec: CollectionSpec, memo: Memo | None = None):
        self.gdf = gdf
        self.spec = spec
        self.memo = memo or _no_memo

    def strings(self, prop: str, how: frozenset = frozenset()) -> np.ndarray:
        def build():
            values = self.gdf[prop].to_numpy(dtype=object)
            return np.array([fold(v, how) if isinstance(v, str) else None for v in values]
                            + [None], dtype=object)[:-1]
        return self.memo(("cql", self.spec.name, prop, tuple(sorted(how))), build)

    def numbers(self, prop: str) -> np.ndarray:
        """Floats (NaN for null); dates as day ordinals."""
        def build():
            values = self.gdf[prop].to_numpy(dtype=object)
            if self.spec.types[prop] == "date":
                return np.array([v.toordinal() if v is not None else np.nan for v in values],
                                dtype=float)
            return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)
        return self.memo(("cql", self.spec.name, prop, "number"), build)

    def null(self, prop: str) -> np.ndarray:
        return self.memo(("cql", self.spec.name, prop, "null"),
                         lambda: pd.isna(self.gdf[prop].astype(object)).to_numpy())

    def feature_days(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Closed day intervals (first, last; ±inf open) of the features' time and which are known."""
        def build():
            t0 = self.gdf["_t0"].to_numpy()
            t1 = self.gdf["_t1"].to_numpy()
            known = t0 < t1
            first = np.where(t0 == np.iinfo(np.int64).min, -np.inf, t0.astype(float))
            last = np.where(t1 == np.iinfo(np.int64).max, np.inf, t1.astype(float) - 1)
            return first, last, known
        return self.memo(("cql", self.spec.name, "_days"), build)


def _cmp(values: np.ndarray, op: str, value) -> np.ndarray:
    if op == "=":
        return values == value
    if op == "<>":
        return values != value
    if op == "<":
        return values < value
    if op == "<=":
        return values <= value
    if op == ">":
        return values > value
    return values >= value


def _relation(op: str, a0, a1, b0, b1) -> np.ndarray:
    """CQL2's temporal relations on closed intervals [a0, a1], [b0, b1] (arrays or scalars)."""
    with np.errstate(invalid="ignore"):
        return {
            "t_after": lambda: a0 > b1,
            "t_before": lambda: a1 < b0,
            "t_contains": lambda: (a0 < b0) & (a1 > b1),
            "t_disjoint": lambda: (a1 < b0) | (a0 > b1),
            "t_during": lambda: (a0 > b0) & (a1 < b1),
            "t_equals": lambda: (a0 == b0) & (a1 == b1),
            "t_finishedby": lambda: (a0 < b0) & (a1 == b1),
            "t_finishes": lambda: (a0 > b0) & (a1 == b1),
            "t_intersects": lambda: (a0 <= b1) & (a1 >= b0),
            "t_meets": lambda: a1 == b0,
            "t_metby": lambda: a0 == b1,
            "t_overlappedby": lambda: (a0 > b0) & (a0 < b1) & (a1 > b1),
            "t_overlaps": lambda: (a0 < b0) & (a1 > b0) & (a1 < b1),
            "t_startedby": lambda: (a0 == b0) & (a1 > b1),
            "t_starts": lambda: (a0 == b0) & (a1 < b1),
        }[op]()


def _spatial(op: str, gdf, geom) -> np.ndarray:
    """Return the rows whose geometry stands in relation `op` to `geom` (STRtree, vectorised)."""
    n = len(gdf)
    out = np.zeros(n, dtype=bool)
    if op == "s_disjoint":
        out[gdf.sindex.query(geom, predicate="intersects")] = True
        return ~out
    if op == "s_equals":
        hits = gdf.sindex.query(geom, predicate="intersects")
        geoms = np.asarray(gdf.geometry.array, dtype=object)[hits]
        out[hits[shapely.equals(geoms, geom)]] = True
        return out
    # STRtree predicates test predicate(geom, tree geometry); ours are (tree geometry, geom)
    predicate = {"s_intersects": "intersects", "s_within": "contains", "s_contains": "within",
                 "s_touches": "touches", "s_overlaps": "overlaps", "s_crosses": "crosses"}[op]
    out[gdf.sindex.query(geom, predicate=predicate)] = True
    return out


def _eval(node, cols: Columns) -> tuple[np.ndarray, np.ndarray]:
    """Return (true, false) masks; rows in neither are unknown (a null was involved)."""
    n = len(cols.gdf)
    if isinstance(node, Const):
        full = np.full(n, node.value)
        return full, ~full
    if isinstance(node, And):
        true, false = np.ones(n, bool), np.zeros(n, bool)
        for part in node.parts:
            t, f = _eval(part, cols)
            true &= t
            false |= f
        return true, false
    if isinstance(node, Or):
        true, false = np.zeros(n, bool), np.ones(n, bool)
        for part in node.parts:
            t, f = _eval(part, cols)
            true |= t
            false &= f
        return true, false
    if isinstance(node, Not):
        t, f = _eval(node.part, cols)
        return f, t
    if isinstance(node, IsNull):
        if node.prop == GEOMETRY:
            missing = shapely.is_missing(np.asarray(cols.gdf.geometry.array, dtype=object))
            return missing, ~missing
        null = cols.null(node.prop)
        return null, ~null
    if isinstance(node, Compare):
        known = ~cols.null(node.prop)
        if node.kind == "string":
            values = cols.strings(node.prop, node.fold)
            hit = np.zeros(n, bool)
            hit[known] = _cmp(values[known], node.op, node.value).astype(bool)
        else:
            with np.errstate(invalid="ignore"):
                hit = _cmp(cols.numbers(node.prop), node.op, node.value)
        return hit & known, ~hit & known
    if isinstance(node, Like):
        known = ~cols.null(node.prop)
        values = pd.Series(cols.strings(node.prop, node.fold), dtype=object)
        hit = values.str.match(like_regex(node.pattern), flags=re.DOTALL).fillna(False)
        hit = hit.to_numpy(dtype=bool)
        return hit & known, ~hit & known
    if isinstance(node, In):
        known = ~cols.null(node.prop)
        if node.kind == "string":
            hit = pd.Series(cols.strings(node.prop, node.fold), dtype=object).isin(
                node.values).to_numpy(dtype=bool)  # hashing: no ordering of None and str
        else:
            hit = np.isin(cols.numbers(node.prop), np.array(node.values, dtype=float))
        return hit & known, ~hit & known
    if isinstance(node, Between):
        known = ~cols.null(node.prop)
        values = cols.numbers(node.prop)
        with np.errstate(invalid="ignore"):
            hit = (values >= node.low) & (values <= node.high)
        return hit & known, ~hit & known
    if isinstance(node, Spatial):
        hit = _spatial(node.op, cols.gdf, node.geometry)
        return hit, ~hit
    if isinstance(node, Temporal):
        if isinstance(node.left, FeatureTime):
            a0, a1, known = cols.feature_days()
        else:
            a0 = a1 = cols.numbers(node.left.prop)
            known = ~np.isnan(a0)
        b0 = -np.inf if node.right.first is None else float(node.right.first)
        b1 = np.inf if node.right.last is None else float(node.right.last)
        hit = np.asarray(_relation(node.op, a0, a1, b0, b1), dtype=bool)
        return hit & known, ~hit & known
    raise TypeError(f"unknown filter node {node!r}")


def mask(node, gdf, spec: CollectionSpec, memo: Memo | None = None) -> np.ndarray:
    """Return the boolean mask of the rows of `gdf` for which the filter is true."""
    if node is None:
        return np.ones(len(gdf), dtype=bool)
    return _eval(node, Columns(gdf, spec, memo))[0]
