"""A collection's schema as JSON Schema 2020-12 (OGC API – Features Part 5 / Common Part 3).

One builder, three documents: /schema (every property: the returnables and receivables),
/queryables (what `filter` and `?property=value` accept) and /sortables (what `sortby`
accepts). All come from the collection's `CollectionSpec` (domain/schema.py), the one schema
GeoJSON, GeoPackage, CSV and the import follow, so the types here are the columns' types there:
integer = int64 (GeoPackage INTEGER), number = double (REAL), date = string/date (DATE).

Part 5 was approved on 2026-04-30 as "OGC API – Features – Part 5 / OGC API – Common – Part 3:
Schemas" (OGC 23-058r2); its conformance classes are named under `ogcapi-common-3/1.0`
(opengeospatial/ogcapi-features, extensions/schemas/standard/23-058r2.adoc). Sorting (Part 8)
and property selection (Part 6) are drafts with `/1.0/` URIs of their own.
"""

from __future__ import annotations

from geoservice import params
from geoservice.domain import cql
from geoservice.domain.schema import DAYS, CollectionSpec

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
PART5 = "http://www.opengis.net/spec/ogcapi-common-3/1.0/conf/"
# approved (23-058r2): exactly what the documents below do; not profile-parameter, references,
# codelist or domain profiles
CONFORMANCE = (
    PART5 + "schemas",
    PART5 + "advanced-property-roles",
    PART5 + "returnables-and-receivables",
    PART5 + "queryables",
    PART5 + "sortables",
)
# drafts (their documents say "not an OGC Standard"; the URIs are the drafts' own)
DRAFT_CONFORMANCE = (
    # Part 6 (24-019): `properties` on items; not "properties-features", which also asks it of
    # /items/{featureId} (that route does not take `properties`)
    "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/properties",
    "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sortables",  # Part 8 (24-030)
    "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting",
    "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/features-sorting",
)
REL_SCHEMA = "http://www.opengis.net/def/rel/ogc/1.0/schema"
# spec.types -> JSON type and Part 5 `format` (OpenAPI 3.1 names for the numeric widths)
_TYPES = {"string": ("string", None), "integer": ("integer", "int64"),
          "number": ("number", "double"), "date": ("string", "date")}
_PAIRS = {frozenset({"Point", "MultiPoint"}): "geometry-point-or-multipoint",
          frozenset({"LineString", "MultiLineString"}): "geometry-linestring-or-multilinestring",
          frozenset({"Polygon", "MultiPolygon"}): "geometry-polygon-or-multipolygon"}


def geometry_format(spec: CollectionSpec) -> str:
    """Return the Part 5 `format` of the collection's geometry (no `type`, no `$ref`)."""
    types = frozenset(spec.geometry_types)
    if len(types) == 1:
        return "geometry-" + next(iter(types)).lower()
    return _PAIRS.get(types, "geometry-any")


def roles(spec: CollectionSpec) -> dict[str, str]:
    """Return the Part 5 roles of the collection's properties.

    `id` identifies the feature; a validity in days is the primary interval. Projects' years are
    integers, not temporal properties in Part 5's sense (a string with format date), so they get
    no temporal role; their CQL2 time is still INTERVAL(start_year, end_year)."""
    out = {"id": "id"} if "id" in spec.fields else {}
    start, end = spec.time_fields
    if spec.time_model == DAYS and start:
        out[start] = "primary-interval-start"
        if end:
            out[end] = "primary-interval-end"
    return out


def property_schema(spec: CollectionSpec, name: str, widths: bool = False) -> dict:
    """Return one property's JSON Schema: title, type, format, enum, unit and role.

    `widths`: name the numbers' storage (int64, double) as the full schema does; queryables and
    sortables say only what a filter or sort key compares (integer, number)."""
    kind, fmt = _TYPES[spec.types[name]]
    schema: dict = {"title": name, "type": kind}
    if fmt and (widths or fmt == "date"):
        schema["format"] = fmt
    if name in spec.enums:
        schema["enum"] = sorted(spec.enums[name])
    if name in spec.units:
        schema["x-ogc-unit"] = spec.units[name]
    role = roles(spec).get(name)
    if role:
        schema["x-ogc-role"] = role
    return schema


def geometry_schema(spec: CollectionSpec) -> dict:
    return {"title": cql.GEOMETRY, "format": geometry_format(spec), "x-ogc-role": "primary-geometry"}


def _document(spec: CollectionSpec, self_url: str, props: dict, description: str, **extra) -> dict:
    return {"$schema": JSON_SCHEMA, "$id": self_url, "type": "object", "title": spec.title,
            "description": description, "properties": props, **extra}


def schema_document(spec: CollectionSpec, self_url: str) -> dict:
    """Every property a feature has and a write accepts, in published order (Part 5 schema)."""
    props = {}
    for seq, name in enumerate(spec.fields, start=1):
        props[name] = {**property_schema(spec, name, widths=True), "x-ogc-propertySeq": seq}
    props[cql.GEOMETRY] = {**geometry_schema(spec), "x-ogc-propertySeq": len(spec.fields) + 1}
    return _document(spec, self_url, props,
                     f"The properties of a feature of {spec.name} (GeoJSON `properties`, "
                     "GeoPackage and CSV columns) and its geometry.",
                     required=[*spec.required, cql.GEOMETRY], additionalProperties=False)


def queryables_document(spec: CollectionSpec, self_url: str) -> dict:
    """Every property usable in `filter` and as `?property=value`, and the geometry."""
    props = {name: property_schema(spec, name) for name in params.queryable(spec)}
    props[cql.GEOMETRY] = geometry_schema(spec)
    start, end = spec.time_fields
    return _document(spec, self_url, props,
                     f"CQL2 filter properties of {spec.name}. A feature's time is "
                     f"INTERVAL({start}, {end}) in T_ functions (the same time the `datetime` "
                     "parameter tests); geometry literals are in `filter-crs`.",
                     additionalProperties=False,
                     # the Part 3 draft's list, which GDAL's OAPIF driver (3.12 included) reads
                     # instead of `properties` (a keyword JSON Schema validators ignore)
                     queryables=[{"id": name, "type": "date" if spec.types[name] == "date"
                                  else spec.types[name]} for name in params.queryable(spec)])


def sortables_document(spec: CollectionSpec, self_url: str) -> dict:
    """The properties `sortby` accepts (no spatial property; Part 5 and the Part 8 draft)."""
    props = {name: property_schema(spec, name) for name in params.sortable(spec)}
    return _document(spec, self_url, props,
                     f"Properties of {spec.name} that `sortby` accepts (+name ascending, "
                     "-name descending; ascending when no sign is given).",
                     additionalProperties=False)
