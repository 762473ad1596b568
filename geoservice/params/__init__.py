"""Every query parameter of the service, declared once (as tipg's dependencies.py does).

A declaration (`Param`) holds what each layer needs to know about one parameter:

- its parser (the functions below raise InvalidParameter naming the bad value),
- its canonical spelling: `canonical(value, spec)` says whether a value is spelled the one way the
  service writes it (cache.py keys only on such values; a parameter without it is never a key),
- its OpenAPI schema and description (api/openapi.py builds its parameter objects from them;
  `variants` hold a route's own description or schema under the component name `name-variant`),
- how lenient HTML pages are with it (`page`: what a page accepts beyond the API's spelling).

Parameters every resource accepts: COMMON (f, lang, recorded). A collection's properties are
parameters of its items (`?property=value`): `declaration(name, spec)` builds theirs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from geoservice import i18n
from geoservice.domain import crs
from geoservice.domain.places import KINDS
from geoservice.domain.schema import COLLECTIONS, CollectionSpec
from geoservice.params.parsers import (  # noqa: F401  (the parsers are params.bbox etc.)
    MAX_NUMBER_CHARS,
    Period,
    bbox,
    boolean,
    crs_param,
    datetime_interval,
    embed,
    integer,
    lenient_number,
    limit,
    number,
    one_day,
    period,
    properties,
    queryable,
    sortable,
    sortby,
)

# --------------------------------------------------------------------------- canonical spellings

_CANON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{0,14}[1-9])?\Z", re.ASCII)
_CANON_INTEGER = re.compile(r"(?:0|[1-9][0-9]{0,8})\Z", re.ASCII)
_POINT_RE = r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?"
_CANON_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z", re.ASCII)
_CANON_POINT = re.compile(rf"{_POINT_RE}\Z", re.ASCII)
_CANON_INTERVAL = re.compile(rf"(?:{_POINT_RE}|(?:{_POINT_RE}|\.\.)/(?:{_POINT_RE}|\.\.))\Z",
                             re.ASCII)
_CANON_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}\Z", re.ASCII)


def _matches(pattern: re.Pattern) -> Callable[[str, CollectionSpec | None], bool]:
    return lambda value, spec: bool(pattern.match(value))


def _one_of(*values: str) -> Callable[[str, CollectionSpec | None], bool]:
    return lambda value, spec: value in values


def _comma_list_in_order(value: str, names: tuple[str, ...]) -> bool:
    items = value.split(",")
    if not all(items) or len(set(items)) != len(items) or any(n not in names for n in items):
        return False
    return items == sorted(items, key=names.index)


def _canonical_f(value: str, spec) -> bool:
    from geoservice.negotiation import MEDIA_TYPES

    return value in MEDIA_TYPES or value == "linkformat"


def _canonical_bbox(value: str, spec) -> bool:
    parts = value.split(",")
    return len(parts) == 4 and all(_CANON_NUMBER.match(p) for p in parts)


def _canonical_properties(value: str, spec) -> bool:
    return spec is not None and _comma_list_in_order(value, spec.fields)


def _canonical_sortby(value: str, spec) -> bool:
    if spec is None:
        return False
    allowed = sortable(spec)
    fields = [item[1:] if item.startswith("-") else item for item in value.split(",")]
    return all(fields) and len(set(fields)) == len(fields) and all(f in allowed for f in fields)


def _canonical_value(name: str) -> Callable[[str, CollectionSpec | None], bool]:
    """A property's value is canonical when it occurs in the data (a finite, data-bounded set)."""
    def check(value: str, spec) -> bool:
        from geoservice.current import dataset

        data = dataset()
        known = data.memo(("cache", "values", spec.name, name), lambda: frozenset(
            str(v) for v in data.collection(spec.name)[name].dropna().unique()))
        return value in known
    return check


# --------------------------------------------------------------------------- declarations

@dataclass(frozen=True)
class Param:
    """One query parameter: parser, canonical spelling, OpenAPI schema and text, page leniency."""

    name: str
    description: str
    schema: dict | Callable[[Mapping], dict]  # a dict, or config -> dict (limits from settings)
    canonical: Callable[[str, CollectionSpec | None], bool] | None = None  # None: never a key
    parse: Callable | None = None
    page: str = "strict, as the API"  # what an HTML page accepts beyond the API's spelling
    required: bool = False
    explode: bool | None = None
    variants: dict[str, dict] = field(default_factory=dict)  # name -> {description, schema, ...}
    # an items extension: every collection's items accept it, their OpenAPI operation lists it,
    # parse(value, name) checks it and renderers read the result in `Page.options[name]`
    items: bool = False

    def is_canonical(self, value: str, spec: CollectionSpec | None) -> bool:
        return self.canonical is not None and self.canonical(value, spec)

    def openapi(self, config: Mapping | None = None, variant: str | None = None,
                short: bool = False, **changes) -> dict:
        """Return the OpenAPI parameter object (`short`: the layout of api/openapi_places.py)."""
        values = {"description": self.description, "schema": self.schema,
                  "required": self.required, "explode": self.explode,
                  **(self.variants[variant] if variant else {}), **changes}
        schema = values["schema"]
        if callable(schema):
            schema = schema(config or {})
        if short:
            item = {"name": self.name, "in": "query", "required": values["required"]}
            if values["description"]:
                item["description"] = values["description"]
            if values["explode"] is not None:
                item.update(style="form", explode=values["explode"])
            item["schema"] = schema
            return item
        return {"name": self.name, "in": "query", "description": values["description"],
                "required": values["required"], "schema": schema, "style": "form",
                "explode": bool(values["explode"])}


# exact formats of the time parameters (what timeutil accepts), so generated valid values are
# accepted and others refused (schemathesis, tests/test_schemathesis.py)
_Y = "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"  # 0001-9999
YEAR = {"type": "string", "pattern": f"^{_Y}$"}
YEAR_MONTH = {"type": "string", "pattern": f"^{_Y}-(0[1-9]|1[0-2])$"}
DAY = {"type": "string", "format": "date"}
INSTANT = {"type": "string", "format": "date-time"}
POINT = {"anyOf": [YEAR, DAY, INSTANT]}
OPEN_INTERVAL = {"type": "string",
                 "pattern": "^(\\.\\.)?/([1-9][0-9]{3})?$|^[1-9][0-9]{3}/(\\.\\.)?$"}
# text without control characters (a NUL or line break in a parameter or path is a 400)
TEXT = {"type": "string", "minLength": 1, "pattern": "^[^\\x00-\\x1f\\x7f]+$"}
FILTER = {"type": "string", "pattern": "^[^\\x00-\\x1f\\x7f]*$"}  # '' matches no feature
_EMPTY_OR_POINT = {"anyOf": [*POINT["anyOf"], {"type": "string", "maxLength": 0}]}
_WEST, _SOUTH, _EAST, _NORTH = crs.METRIC_AREA_OF_USE


def _crs_schema(config) -> dict:
    # the URIs of OGC API - Features Part 2, and the short forms the service also accepts
    short = [f"EPSG:{uri.rsplit('/', 1)[1]}" for uri in crs.SUPPORTED if uri != crs.CRS84]
    return {"type": "string", "enum": [*crs.SUPPORTED, "CRS84", *short]}


def _f_schema(*formats: str) -> dict:
    return {"type": "string", "enum": list(formats)}


# the GeoJSON profiles of JSON-FG 1.0 (§14; http://www.opengis.net/def/profile/OGC/0/<name>)
PROFILES = ("rfc7946", "jsonfg", "jsonfg-plus")
# the encodings of `filter`; "cql-text" is the Part 3 draft's name of the text encoding: GDAL's
# OAPIF driver (3.12 included) sends its attribute filters only as `filter-lang=cql-text`, in
# syntax CQL2 text also reads
FILTER_LANGS = ("cql2-text", "cql2-json")
FILTER_LANG_ALIASES = {"cql-text": "cql2-text"}
# /search: results per answer (above the maximum: a 400, unlike items' clamped limit)
SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT = 10, 50
# the change stream (api/stream.py): feature changes per page
STREAM_LIMIT, STREAM_MAX_LIMIT = 100, 1000
_F_TEXT = "Output format (overrides the Accept header)."

PARAMS: dict[str, Param] = {p.name: p for p in (
    # --- every resource
    Param("f", _F_TEXT, _f_schema("json", "html"), _canonical_f, variants={
        "items": {"schema": _f_schema("json", "html", "gpkg", "csv", "jsonfg")},
        "item": {"description": "Output format (overrides the Accept header); jsonfg: JSON-FG 1.0.",
                 "schema": _f_schema("json", "html", "jsonfg")},
        "timemap": {"description": "Output format (overrides the Accept header); linkformat: RFC "
                                   "7089 TimeMap (application/link-format).",
                    "schema": _f_schema("json", "html", "linkformat")},
        "compare": {"description": "The page is HTML whatever is asked.", "schema": FILTER},
        "places": {"description": "", "schema": _f_schema("json")},
        "inside": {"description": "", "schema": _f_schema("json", "html")}}),
    Param("lang", "Language of the user interface texts (data stay German).",
          _f_schema(*i18n.LANGUAGES), _one_of(*i18n.LANGUAGES), variants={
              "places": {"description": ""}}),
    Param("recorded", "Answer from the register as it was recorded at this instant (RFC 3339 "
          "date-time with offset; a date means the end of that day in Dresden): reproducible "
          "citations. Past states are immutable. 404 before the first record.",
          {"anyOf": [YEAR, YEAR_MONTH, DAY, INSTANT]}, _matches(_CANON_DAY)),
    # --- items (OGC API - Features Parts 1-3)
    Param("limit", "Number of features per page (above the maximum: clamped).",
          lambda config: {"type": "integer", "minimum": 1, "maximum": int(config["MAX_LIMIT"]),
                          "default": int(config["DEFAULT_LIMIT"])},
          _matches(_CANON_INTEGER), parse=limit, variants={
              "search": {"description": "", "schema": {"type": "integer", "minimum": 1,
                                                        "maximum": SEARCH_MAX_LIMIT,
                                                        "default": SEARCH_DEFAULT_LIMIT}},
              "changes": {"description": "Feature changes per page (above the maximum: clamped).",
                          "schema": {"type": "integer", "minimum": 1,
                                     "maximum": STREAM_MAX_LIMIT, "default": STREAM_LIMIT}}}),
    Param("after", "The change stream's cursor: only feature changes after this one (0 or absent: "
          "from the first). Give back the `cursor` of the last change applied.",
          {"type": "integer", "minimum": 0, "default": 0}, _matches(_CANON_INTEGER),
          parse=integer),
    Param("offset", "Number of matching features to skip.",
          {"type": "integer", "minimum": 0, "default": 0}, _matches(_CANON_INTEGER),
          parse=integer),
    Param("bbox", "minx,miny,maxx,maxy (or 6 numbers with heights) in bbox-crs.",
          {"type": "array", "items": {"type": "number"},
           "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}]},
          _canonical_bbox, parse=bbox),
    Param("bbox-crs", "CRS of bbox (default CRS84).", _crs_schema,
          lambda value, spec: value in crs.SUPPORTED, parse=crs_param),
    Param("crs", "CRS of the returned geometries (default CRS84). GeoJSON: in the CRS's axis "
          "order (EPSG:4326 lat/lon). CSV (WKT) and GeoPackage: always x = easting/longitude, "
          "y = northing/latitude. JSON-FG: `geometry` stays CRS84, `place` holds the geometry in "
          "this CRS (null for CRS84 and EPSG:4326).", _crs_schema,
          lambda value, spec: value in crs.SUPPORTED, parse=crs_param, variants={
              "changes": {"description": "CRS of the returned geometries (default CRS84; axis "
                                         "order of the CRS)."},
              "locate": {"description": "CRS of x and y (default EPSG:25833), given as x = "
                                        "easting/longitude, y = northing/latitude whatever the "
                                        "CRS's axis order; not allowed with lon/lat (always WGS "
                                        "84 degrees).",
                         "schema": lambda config: {**_crs_schema(config),
                                                   "default": "EPSG:25833"}}}),
    Param("datetime", "Instant or interval (RFC 3339, '..' for open ends; also a year or a "
          "date). Features whose validity overlaps match. An interval start in year 0000 and an "
          "end on 9999-12-31 are open ends too (QGIS 3.22 writes them for '..').",
          {"anyOf": [YEAR, YEAR_MONTH, DAY, INSTANT, OPEN_INTERVAL]},
          _matches(_CANON_INTERVAL), parse=datetime_interval,
          page="an area page reads a year, month, day or interval; the key is its canonical "
               "spelling", variants={
              "day": {"description": "With an area id only: the day whose version to answer (a "
                                     "date or an RFC 3339 date-time, Europe/Berlin days; default "
                                     "today). An interval is a 400.",
                      "schema": {"anyOf": [DAY, INSTANT]}},
              "locate": {"description": "The day (default: today).", "schema": POINT},
              "inside": {"description": "one day (YYYY-MM-DD); default today", "schema": DAY}}),
    Param("properties", "Comma list of the properties to return (answered in schema order).",
          {"type": "array", "items": TEXT}, _canonical_properties, parse=properties),
    Param("skipGeometry", "Leave out the geometries.", {"type": "boolean", "default": False},
          _one_of("true", "false"), parse=boolean),
    Param("sortby", "Comma list of +field / -field.", {"type": "array", "items": TEXT},
          _canonical_sortby, parse=sortby),
    Param("filter", "A CQL2 filter (OGC API – Features Part 3); see the items operation.",
          {"type": "string"}),  # free text: never a cache key
    Param("filter-lang", "The language of `filter` (cql-text: the Part 3 draft's name of "
          "cql2-text, which GDAL's OAPIF driver sends).",
          {"type": "string", "enum": [*FILTER_LANGS, *FILTER_LANG_ALIASES],
           "default": "cql2-text"}),
    Param("filter-crs", "The CRS of geometry literals in `filter`, in its axis order (default "
          "CRS84; EPSG:n is also read).",
          {"type": "string", "format": "uri", "enum": list(crs.SUPPORTED)}),
    Param("profile", "GeoJSON profile of the answer (OGC API – Features Part 5, JSON-FG 1.0): "
          "rfc7946 plain GeoJSON, jsonfg / jsonfg-plus JSON-FG, both as application/geo+json "
          "with a `Link: <…>; rel=\"profile\"` header; overrides the Accept header.",
          _f_schema(*PROFILES), _one_of(*PROFILES)),
    # --- map pages
    Param("embed", "1, true or yes: without header and footer (for an iframe); other values: "
          "the full page.", FILTER, _one_of("1"), parse=embed,
          page="1, true or yes embed; any other value is the full page"),
    # --- planners
    Param("from", "First date (YYYY-MM-DD) or year (YYYY: the whole year, every version in force "
          "during it).", POINT, _matches(_CANON_POINT), parse=period, required=True, variants={
              "compare": {"description": "First year (whole year) or day; empty or absent: 2001; "
                                         "not after `to`.", "schema": _EMPTY_OR_POINT,
                          "required": False}},
          page="the change map: empty or absent is 2001"),
    Param("to", "Second date (YYYY-MM-DD) or year (YYYY: the whole year, every version in force "
          "during it).", POINT, _matches(_CANON_POINT), parse=period, required=True, variants={
              "compare": {"description": "Second year or day; empty or absent: this year.",
                          "schema": _EMPTY_OR_POINT, "required": False}},
          page="the change map: empty or absent is this year"),
    Param("lon", "Longitude (WGS 84), within EPSG:25833's area of use (where distances are "
          "defined).", {"type": "number", "minimum": _WEST, "maximum": _EAST},
          _matches(_CANON_NUMBER), parse=number,
          page="the inside form: spaces and one decimal comma (lenient_number); problems shown "
               "next to the field", variants={
              "inside": {"description": "longitude (WGS 84) within EPSG:25833's area of use",
                         "required": True}}),
    Param("lat", "Latitude (WGS 84), within EPSG:25833's area of use.",
          {"type": "number", "minimum": _SOUTH, "maximum": _NORTH},
          _matches(_CANON_NUMBER), parse=number,
          page="the inside form: spaces and one decimal comma (lenient_number); problems shown "
               "next to the field", variants={
              "inside": {"description": "latitude (WGS 84) within EPSG:25833's area of use",
                         "required": True}}),
    Param("x", "Easting (or longitude) in crs (default EPSG:25833).", {"type": "number"},
          _matches(_CANON_NUMBER), parse=number),
    Param("y", "Northing (or latitude) in crs (default EPSG:25833).", {"type": "number"},
          _matches(_CANON_NUMBER), parse=number),
    # --- places
    Param("area", "area id whose predecessors/successors the answer marks", FILTER,
          _matches(_CANON_SLUG), page="the inside form: an unknown area is ignored"),
    Param("q", "The text to search (German folding).",
          {"type": "string", "minLength": 1, "maxLength": 100}, required=True,  # free text
          page="the editor's list (/edit): optional, words matched in title, category and id, "
               "over 100 characters cut"),
    Param("kind", "Comma list of the kinds of places to find.",
          {"type": "array", "items": {"type": "string", "enum": list(KINDS)}}, explode=False),
)}
COMMON = ("f", "lang", "recorded")
# the parameters of every collection's items (besides its properties and declared extensions)
ITEM_PARAMS = frozenset({"limit", "offset", "bbox", "bbox-crs", "datetime", "crs", "properties",
                         "skipGeometry", "sortby", "filter", "filter-lang", "filter-crs",
                         "profile"})


def register(param: Param) -> Param:
    """Declare a parameter beyond the built-in ones (docs/ARCHITECTURE.md, "add a parameter")."""
    if param.name in PARAMS:
        raise ValueError(f"the parameter '{param.name}' is declared already")
    PARAMS[param.name] = param
    return param


def unregister(name: str) -> None:
    """Withdraw a registered declaration (tests)."""
    PARAMS.pop(name, None)


def item_extensions() -> list[Param]:
    """Return the declared items extensions (Param.items), in declaration order."""
    return [param for param in PARAMS.values() if param.items]


def property_param(spec: CollectionSpec, name: str) -> Param:
    """The declaration of `?property=value` on a collection's items (a value in the data)."""
    return Param(name, f"Only features whose {name} equals this value (strings: case-insensitive, "
                 "Unicode NFC; an enum value not allowed is a 400).", {"type": "string"},
                 _canonical_value(name))


def declaration(name: str, spec: CollectionSpec | None = None) -> Param | None:
    """Return the declaration of a query parameter (of a collection's items with `spec`)."""
    found = PARAMS.get(name)
    if found is None and spec is not None and name in queryable(spec):
        return property_param(spec, name)
    return found


def spec_of_request(view_args: Mapping | None) -> CollectionSpec | None:
    """Return the collection a route's `collection_id` names, or None."""
    return COLLECTIONS.get((view_args or {}).get("collection_id") or "")
