"""OGC API – Features Part 3 over HTTP: `filter` / `filter-lang` / `filter-crs`, the
`?property=value` parameters, /queryables and /sortables. Parsing and evaluation live in
geoservice.domain.cql; this module only reads request arguments and writes JSON Schema."""

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
GEOMETRY_SCHEMA = "https://geojson.org/schema/Geometry.json"
_JSON_TYPES = {"string": {"type": "string"}, "integer": {"type": "integer"},
               "number": {"type": "number"}, "date": {"type": "string", "format": "date"}}


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


def property_schema(spec: CollectionSpec, name: str) -> dict:
    schema = {"title": name, **_JSON_TYPES[spec.types[name]]}
    if name in spec.enums:
        schema["enum"] = sorted(spec.enums[name])
    if name in spec.units:
        schema["x-ogc-unit"] = spec.units[name]
    start, end = spec.time_fields
    if name in (start, end):  # Part 5 roles: the feature's time (INTERVAL(start, end) in CQL2)
        schema["x-ogc-role"] = "primary-interval-start" if name == start else "primary-interval-end"
    return schema


def queryables_document(spec: CollectionSpec, self_url: str) -> dict:
    """Every property with its JSON type, enums and units, and the geometry (Part 3 queryables)."""
    props = {name: property_schema(spec, name) for name in spec.fields}
    props[cql.GEOMETRY] = {"title": cql.GEOMETRY, "format": "geometry-any",
                           "$ref": GEOMETRY_SCHEMA}
    start, end = spec.time_fields
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": self_url,
        "type": "object",
        "title": spec.title,
        "description": (f"CQL2 filter properties of {spec.name}. A feature's time is "
                        f"INTERVAL({start}, {end}) in T_ functions (the same time the `datetime` "
                        "parameter tests); geometry literals are in `filter-crs`."),
        "properties": props,
        "additionalProperties": False,
        # the Part 3 draft's list, which GDAL's OAPIF driver (3.12 included) reads instead of
        # `properties` (a JSON Schema keyword it does not know; validators ignore it)
        "queryables": [{"id": name, "type": _JSON_TYPES[spec.types[name]].get("format")
                        or spec.types[name]} for name in spec.fields],
    }


def sortables_document(spec: CollectionSpec, self_url: str) -> dict:
    """The properties `sortby` accepts, as JSON Schema."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": self_url,
        "type": "object",
        "title": spec.title,
        "properties": {name: property_schema(spec, name) for name in params.sortable(spec)},
        "additionalProperties": False,
    }
