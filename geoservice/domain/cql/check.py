"""Check cql2's JSON form of a filter against a collection's schema and build the node tree.

Every property must exist, every literal must have the property's type, every operator must be
one that mask() and storage.cql_sql evaluate; an error names its place (a character position in
CQL2 text, the JSON path in CQL2 JSON).
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import shapely

from geoservice.domain import crs
from geoservice.domain.cql.nodes import (
    COMPARISON,
    FLIP,
    GEOMETRY,
    MAX_NODES,
    S_CONVERSE,
    SPATIAL,
    T_CONVERSE,
    TEMPORAL,
    And,
    Between,
    Compare,
    Const,
    DateProp,
    Days,
    FeatureTime,
    FilterError,
    In,
    IsNull,
    Like,
    Not,
    Or,
    Spatial,
    Temporal,
    fold,
    shown,
)
from geoservice.domain.schema import CollectionSpec
from geoservice.domain.timeutil import parse_datetime
from geoservice.errors import InvalidParameter

# A string literal read as a date when compared with a date property: how GDAL's OAPIF driver
# writes dates in `filter-lang=cql-text` (SerializeDateTime: 'YYYY-MM-DDT', with the time
# 'YYYY-MM-DDTHH[:MM[:SS]]Z' only when the literal had one), and plain 'YYYY-MM-DD'
_DATE_STRING = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[Tt](?:([0-9]{2}(?::[0-9]{2}){0,2})"
                          r"(?:\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?)?\Z", re.ASCII)


def _literal(value) -> str:
    """Show a literal as CQL2 text would: 'string', number, DATE('…'), TIMESTAMP('…')."""
    if isinstance(value, str):
        return "'" + shown(value) + "'"
    if isinstance(value, bool) or value is None:
        return {True: "TRUE", False: "FALSE", None: "NULL"}[value]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict) and len(value) == 1:
        key, inner = next(iter(value.items()))
        if key in ("date", "timestamp"):
            return f"{key.upper()}('{inner}')"
    return shown(value)


class Checker:
    """Walk cql2's JSON form, check it against a collection's schema, build the node tree."""

    def __init__(self, spec: CollectionSpec, filter_crs: str, text: str, lang: str,
                 dates_as_strings: bool = False):
        self.spec = spec
        self.dates_as_strings = dates_as_strings  # cql-text: 'YYYY-MM-DD[T…]' against a date
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
                where = f" at character {pos + 1} ('{shown(self.text[pos:pos + len(token)], 40)}')"
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
            raise self.error(f"'{shown(expr)}' is not a condition (a comparison, a function "
                             "such as S_INTERSECTS, or TRUE/FALSE)", shown(expr), path)
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
                raise self.error(f"'{shown(name)}' is not a queryable of {self.spec.name}; "
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
            if self.dates_as_strings and isinstance(value, str) and (
                    match := _DATE_STRING.match(value)):
                day, time, zone = match.groups()
                if time and len(time) < 8:
                    time += ":00" * ((8 - len(time)) // 3)
                days = self.days_of(f"{day}T{time}{zone}" if time else day, path)
                if days.first != days.last:
                    raise self.error(f"'{value}' is not one day", value, path)
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
            raise self.error("LIKE needs a string property on the left", shown(left), path)
        pattern, lhow = self.literal_of(right, path)
        if not isinstance(pattern, str):
            raise self.error(f"the pattern of LIKE must be a 'quoted string', not "
                             f"{shown(pattern)}", shown(pattern), path)
        how = how | lhow
        return Like(prop, fold(pattern, how), how)

    def in_list(self, left, right, path: str):
        prop, how = self.property_of(left, f"{path}/args/0")
        if prop is None or prop == GEOMETRY:
            raise self.error("IN needs a property on the left", shown(left), path)
        if not isinstance(right, list) or not right:
            raise self.error("IN needs a non-empty list of literals", shown(right), path)
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
                             shown(args[0]), path)
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
                raise self.error(f"BBOX needs 4 (or 6) numbers, got {shown(value['bbox'])}",
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
            raise self.error(f"{shown(value)} is not a geometry literal (POINT, LINESTRING, "
                             "POLYGON, MULTI…, BBOX)", shown(value), path)
        if self.filter_crs != crs.CRS84:
            geom = crs.transform_geometry(geom, self.filter_crs, crs.CRS84)
        coords = shapely.get_coordinates(geom)
        if not np.all(np.isfinite(coords)):
            raise self.error(f"the geometry lies outside the area of use of {self.filter_crs}",
                             shown(value), path)
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
            raise self.error(f"'{shown(name)}' is not a temporal property of {self.spec.name}; "
                             f"use INTERVAL({start}, {end})", name, path)
        raise self.error(f"{shown(arg)} is not a time (DATE, TIMESTAMP, INTERVAL or "
                         f"INTERVAL({start}, {end}))", shown(arg), path)

    def interval_end(self, value, path: str) -> Days:
        if isinstance(value, dict) and ("date" in value or "timestamp" in value):
            value = value.get("date", value.get("timestamp"))
        if not isinstance(value, str):
            raise self.error(f"an INTERVAL end must be a date, a timestamp or '..', not "
                             f"{shown(value)}", shown(value), path)
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
