"""CQL2 filters (OGC API – Features Part 3, OGC 21-065 CQL2) over a collection's columns.

`parse()` (parse.py) reads CQL2 text or JSON with the `cql2` package, then checks the common
JSON form against the collection's schema (`CollectionSpec.types`, check.py): every property must
exist, every literal must have the property's type, every operator must be one this package
evaluates. The result is a small tree of nodes (nodes.py) that `mask()` (evaluate.py) evaluates
as numpy masks over the collection's columns (STRtree / shapely predicates for the spatial
parts) and that `geoservice.storage.cql_sql` translates to SQL.

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

from geoservice.domain.cql.evaluate import Columns, Memo, compare, mask, relation
from geoservice.domain.cql.nodes import (
    COMPARISON,
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
    Filter,
    FilterError,
    In,
    IsNull,
    Like,
    Not,
    Or,
    Spatial,
    Temporal,
    fold,
    like_regex,
    nfc,
)
from geoservice.domain.cql.parse import MAX_DEPTH, MAX_FILTER_CHARS, conjunction, equals, parse

__all__ = [
    "COMPARISON", "GEOMETRY", "MAX_DEPTH", "MAX_FILTER_CHARS", "MAX_NODES", "SPATIAL", "S_CONVERSE",
    "TEMPORAL", "T_CONVERSE", "And", "Between", "Columns", "Compare", "Const", "DateProp", "Days",
    "FeatureTime", "Filter", "FilterError", "In", "IsNull", "Like", "Memo", "Not", "Or",
    "Spatial", "Temporal", "compare", "conjunction", "equals", "fold", "like_regex", "mask",
    "nfc", "parse", "relation",
]
