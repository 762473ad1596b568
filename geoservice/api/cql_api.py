"""OGC API – Features Part 3 over HTTP: `filter` / `filter-lang` / `filter-crs`, the
`?property=value` parameters. Parsing and evaluation live in geoservice.domain.cql; this module
only reads request arguments (the /queryables and /sortables documents: api/schemas.py)."""

from __future__ import annotations

from collections.abc import Mapping

from geoservice import params
from geoservice.domain import cql
from geoservice.domain.schema import CollectionSpec

OGC = "http://www.opengis.net/spec/"
# Exactly the classes domain/cql.py evaluates and tests/test_cql2.py checks, one test each.
CONFORMANCE = (
    OGC + "ogcapi-features-3/1.0/conf/filter",
    OGC + "ogcapi-features-3/1.0/conf/features-filter",
    OGC + "cql2/1.0/conf/cql2-text",
    OGC + "cql2/1.0/conf/cql2-json",
    OGC + "cql2/1.0/conf/basic-cql2",
    OGC + "cql2/1.0/conf/advanced-comparison-operators",
    OGC + "cql2/1.0/conf/case-insensitive-comparison",
    OGC + "cql2/1.0/conf/accent-insensitive-comparison",
    OGC + "cql2/1.0/conf/basic-spatial-functions",
    OGC + "cql2/1.0/conf/basic-spatial-functions-plus",
    OGC + "cql2/1.0/conf/spatial-functions",
    OGC + "cql2/1.0/conf/temporal-functions",
)
LANGS = params.FILTER_LANGS  # declared with the parameter (geoservice.params)
ALIASES = params.FILTER_LANG_ALIASES


def where(spec: CollectionSpec, args: Mapping[str, str]):
    """Return the checked filter of an items request: `filter` AND every `?property=value`."""
    nodes = [cql.equals(spec, name, args[name]) for name in params.queryable(spec) if name in args]
    text = args.get("filter")
    lang = (args.get("filter-lang") or "cql2-text").strip()
    if ALIASES.get(lang, lang) not in LANGS:
        raise cql.FilterError(f"filter-lang: '{lang[:80]}' is not supported; use "
                              f"{' or '.join(LANGS)}")
    filter_crs = params.crs_param(args.get("filter-crs"), "filter-crs")
    if text is not None:
        nodes.append(cql.parse(text, spec, lang, filter_crs).node)
    elif "filter-lang" in args or "filter-crs" in args:
        raise cql.FilterError("filter-lang and filter-crs describe a `filter`; give one")
    return cql.conjunction(nodes)
