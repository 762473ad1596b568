"""A checked CQL2 filter (geoservice.domain.cql) as a SQLAlchemy Core condition on `records`.

`translate()` returns (condition, exact). `exact` means the database answers the filter alone
with the same rows as the in-memory evaluation; otherwise the condition is a superset (a
prefilter, possibly None = every row) and the caller evaluates the filter on the candidates
with geoservice.domain.cql (SqlStore.filter_ids does). What the database answers:

| part                                       | SQLite                 | PostgreSQL / PostGIS      |
|--------------------------------------------|------------------------|---------------------------|
| =, <>, <, <=, >, >=, IN, BETWEEN, IS NULL  | exact                  | exact (strings COLLATE C) |
| LIKE                                       | prefilter (ASCII-caseless LIKE) | exact            |
| CASEI / ACCENTI                            | recheck in Python      | recheck in Python         |
| S_INTERSECTS and the other S_ functions    | recheck in Python (shapely) | exact (ST_* on `shape`)* |
| T_INTERSECTS and the other T_ functions    | exact                  | exact                     |

(*) with a GEOMETRYCOLLECTION literal only S_INTERSECTS / S_DISJOINT; the other relations are
rechecked in Python (their results for collections differ between GEOS versions).

Properties are read from the JSON text of `properties` (json_extract / ->>); times are day
numbers (date.toordinal()) computed in SQL by the same rule as timeutil.project_days.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from geoservice.domain import clock, cql
from geoservice.domain.schema import DAYS, CollectionSpec
from geoservice.domain.timeutil import ONGOING
from geoservice.storage.tables import records

OPEN = 10**9  # an open end in day numbers (the in-memory evaluation uses ±inf; both compare alike)
_JULIAN_ORDINAL = 1721424.5  # julianday(d) - this == d.toordinal()
_ST = {"s_intersects": "ST_Intersects", "s_disjoint": "ST_Disjoint", "s_equals": "ST_Equals",
       "s_touches": "ST_Touches", "s_within": "ST_Within", "s_contains": "ST_Contains",
       "s_overlaps": "ST_Overlaps", "s_crosses": "ST_Crosses"}


class _Sql:
    def __init__(self, spec: CollectionSpec, dialect: str, this_year: int):
        self.spec = spec
        self.pg = dialect == "postgresql"
        self.this_year = this_year

    # values
    def text(self, name: str):
        if self.pg:
            return sa.cast(records.c.properties, JSONB)[name].astext
        return sa.func.json_extract(records.c.properties, f'$."{name}"')

    def value(self, name: str):
        kind = self.spec.types[name]
        raw = self.text(name)
        if kind in ("integer", "number"):
            return sa.cast(raw, sa.Float) if self.pg else raw
        if kind == "date":
            return sa.func.substr(raw, 1, 10)
        return sa.collate(raw, "C") if self.pg else raw

    def literal(self, kind: str, value):
        if kind == "date":
            return date.fromordinal(int(value)).isoformat()
        return value

    def day(self, iso):
        """The day number (date.toordinal()) of an ISO date expression."""
        if self.pg:
            return sa.cast(iso, sa.Date) - sa.cast(sa.literal("0001-01-01"), sa.Date) + 1
        return sa.cast(sa.func.julianday(iso) - _JULIAN_ORDINAL, sa.Integer)

    def year_day(self, year, month: int, day: int):
        if self.pg:
            return sa.func.make_date(sa.cast(year, sa.Integer), month, day) - \
                sa.cast(sa.literal("0001-01-01"), sa.Date) + 1
        return self.day(sa.func.printf(f"%04d-{month:02d}-{day:02d}", sa.cast(year, sa.Integer)))

    def feature_days(self):
        """(first, last, known): the feature's closed interval of days, as in-memory `_t0/_t1`."""
        start, end = self.spec.time_fields
        if self.spec.time_model == DAYS:
            first = self.day(self.value(start))
            last = sa.case((self.text(end).is_(None), OPEN), else_=self.day(self.value(end)) - 1)
            return first, last, self.text(start).isnot(None)
        start_year = sa.cast(self.text(start), sa.Integer) if self.pg else self.text(start)
        end_year = sa.cast(self.text(end), sa.Integer) if self.pg else self.text(end)
        ongoing_last = sa.case((start_year > self.this_year, start_year), else_=self.this_year)
        last_year = sa.case((end_year.isnot(None), end_year),
                            (self.text("status") == ONGOING, ongoing_last),
                            else_=start_year)
        return (self.year_day(start_year, 1, 1), self.year_day(last_year, 12, 31),
                self.text(start).isnot(None))

    # nodes: (condition or None, exact)
    def node(self, node):
        if isinstance(node, cql.Const):
            return sa.true() if node.value else sa.false(), True
        if isinstance(node, (cql.And, cql.Or)):
            parts = [self.node(p) for p in node.parts]
            exact = all(e for _, e in parts)
            if isinstance(node, cql.And):
                known = [c for c, _ in parts if c is not None]
                return (sa.and_(*known) if known else None), exact
            if any(c is None for c, _ in parts):
                return None, False
            return sa.or_(*(c for c, _ in parts)), exact
        if isinstance(node, cql.Not):
            cond, exact = self.node(node.part)
            return (sa.not_(cond), True) if exact and cond is not None else (None, False)
        if isinstance(node, cql.IsNull):
            if node.prop == cql.GEOMETRY:
                return records.c.geom.is_(None), True
            return self.text(node.prop).is_(None), True
        if getattr(node, "fold", None):
            return None, False  # CASEI / ACCENTI: Unicode folding is done in Python
        if isinstance(node, cql.Compare):
            column, value = self.value(node.prop), self.literal(node.kind, node.value)
            return cql.compare(column, node.op, value), True
        if isinstance(node, cql.In):
            return self.value(node.prop).in_([self.literal(node.kind, v) for v in node.values]), True
        if isinstance(node, cql.Between):
            return self.value(node.prop).between(self.literal(node.kind, node.low),
                                                 self.literal(node.kind, node.high)), True
        if isinstance(node, cql.Like):
            return self.value(node.prop).like(node.pattern, escape="\\"), self.pg
        if isinstance(node, cql.Spatial):
            # GEOMETRYCOLLECTION in relate predicates differs between GEOS versions (PostGIS's
            # and shapely's may differ): only intersects/disjoint are left to the database
            if not self.pg or (node.geometry.geom_type == "GeometryCollection"
                               and node.op not in ("s_intersects", "s_disjoint")):
                return None, False
            literal = sa.func.ST_GeomFromText(node.geometry.wkt, 4326)
            return getattr(sa.func, _ST[node.op])(sa.literal_column("records.shape"), literal), True
        if isinstance(node, cql.Temporal):
            if isinstance(node.left, cql.FeatureTime):
                a0, a1, known = self.feature_days()
            else:
                a0 = a1 = self.day(self.value(node.left.prop))
                known = self.text(node.left.prop).isnot(None)
            b0 = -OPEN if node.right.first is None else node.right.first
            b1 = OPEN if node.right.last is None else node.right.last
            relation = cql.relation(node.op, a0, a1, sa.literal(b0), sa.literal(b1))
            # a feature without a known time is unknown (NULL), not false: NOT must not select it
            return sa.case((known, relation), else_=sa.null()), True
        raise TypeError(f"unknown filter node {node!r}")


def translate(node, spec: CollectionSpec, dialect: str, this_year: int | None = None):
    """Return (condition on `records` or None, exact) for a checked filter (see the table above)."""
    if node is None:
        return None, True
    return _Sql(spec, dialect, this_year or clock.this_year()).node(node)
