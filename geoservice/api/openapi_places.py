"""OpenAPI 3.0 path items of the place search (/search) and the inside check (/inside).

`places_paths()` returns {path: path item}; openapi.document() merges it into "paths".
"""

from __future__ import annotations

from geoservice.domain.places import KINDS
from geoservice.params import PARAMS

_ERROR = {"description": "A parameter is invalid; `description` names the bad value.",
          "content": {"application/json": {"schema": {
              "type": "object", "required": ["code", "description"],
              "properties": {"code": {"type": "string"}, "description": {"type": "string"}}}},
                      "text/html": {"schema": {"type": "string"}}}}  # f=html or a browser's Accept


def _q(name: str, variant: str | None = None, **changes) -> dict:
    """The parameter object of a declared query parameter (geoservice.params), short layout."""
    return PARAMS[name].openapi(variant=variant, short=True, **changes)


def places_paths() -> dict:
    """Return the path items of /search and /inside."""
    result = {
        "type": "object",
        "required": ["kind", "id", "name", "bbox", "geometry", "source", "licence"],
        "properties": {
            "kind": {"type": "string", "enum": list(KINDS)},
            "id": {"type": "string", "description": "stable id of the hit, e.g. street:karl-laux-strasse"},
            "name": {"type": "string"},
            "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4,
                     "description": "minLon, minLat, maxLon, maxLat (CRS84)"},
            "geometry": {"type": "object", "nullable": True,
                         "description": "GeoJSON geometry (CRS84); a street is its line (MultiLineString). "
                                        "null for a street whose line is not in the data (then `line` is "
                                        "false and bbox frames its known addresses and stops)"},
            "point": {"type": "array", "items": {"type": "number"},
                      "description": "lon, lat of a point hit (never given for a street)"},
            "line": {"type": "boolean", "description": "streets: whether geometry holds the street's line"},
            "note": {"type": "string"}, "address": {"type": "string"},
            "url": {"type": "string", "description": "projects: the project page"},
            "source": {"type": "string"},
            "licence": {"type": "string", "description": "licence/attribution of the hit's data "
                                                         "(OSM data: ODbL 1.0)"},
        },
    }
    search = {
        "get": {
            "tags": ["Places"],
            "summary": "Find streets, addresses, stops, places and projects by name",
            "description": "German-aware matching: Unicode-normalised, case and umlauts folded, "
                           "'strasse' finds 'Straße'. Only this service's own data is searched "
                           "(derived from OpenStreetMap and the project's sources; no third-party request).",
            "operationId": "searchPlaces",
            "parameters": [
                _q("q", description=""), _q("limit", "search"), _q("kind", description=""),
                _q("f", "places"), _q("lang", "places"),
            ],
            "responses": {
                "200": {"description": "The hits, best first, with the data's attribution.",
                        "content": {"application/json": {"schema": {
                            "type": "object", "required": ["query", "numberReturned", "results", "attribution"],
                            "properties": {"query": {"type": "string"},
                                           "numberReturned": {"type": "integer"},
                                           "results": {"type": "array", "items": result},
                                           "attribution": {"type": "string"},
                                           "links": {"type": "array", "items": {"type": "object"}}}}}}},
                "400": _ERROR,
                "406": {**_ERROR, "description": "The format (f or Accept) is not offered."},
            },
        }
    }
    answer = {
        "type": "object",
        "properties": {
            "version_id": {"type": "string"}, "area_id": {"type": "string"}, "name": {"type": "string"},
            "programme": {"type": "string"},
            "valid_from": {"type": "string", "format": "date"},
            "valid_to": {"type": "string", "format": "date", "nullable": True, "description": "exclusive"},
            "accuracy": {"type": "string"}, "decision": {"type": "string"},
            "inside": {"type": "boolean"},
            "distance_m": {"type": "integer", "description": "distance to this boundary, rounded to "
                                                            "distance_precision_m"},
            "distance_precision_m": {"type": "integer", "description": "10 for reconstructed boundaries"},
            "near_boundary": {"type": "boolean", "description": "closer than the reconstruction can decide"},
            "relation": {"type": "string", "enum": ["same", "predecessor", "successor", "other"],
                         "description": "relation of this version's area to `area`"},
            "text": {"type": "string"},
            "links": {"type": "array", "items": {"type": "object"}},
        },
    }
    inside = {
        "get": {
            "tags": ["Places"],
            "summary": "Was a site inside a funding area on a day? (all areas and versions)",
            "operationId": "insideCheck",
            "parameters": [
                _q("lon", "inside"), _q("lat", "inside"), _q("datetime", "inside"), _q("area"),
                _q("f", "inside"),
                _q("lang", "places"),
            ],
            "responses": {
                "200": {"description": "The versions in force that day, inside or not, with honest "
                                       "distances, and the spans of time the site was inside.",
                        "content": {"application/json": {"schema": {
                            "type": "object",
                            "properties": {
                                "lon": {"type": "number"}, "lat": {"type": "number"},
                                "date": {"type": "string", "format": "date"},
                                "inside": {"type": "boolean"},
                                "inside_area_ids": {"type": "array", "items": {"type": "string"}},
                                "inside_from": {"type": "string", "format": "date", "nullable": True},
                                "inside_to": {"type": "string", "format": "date", "nullable": True,
                                              "description": "exclusive; null = still inside"},
                                "spans": {"type": "array", "items": {"type": "object"}},
                                "answers": {"type": "array", "items": answer},
                                "text": {"type": "array", "items": {"type": "string"}},
                            }}}, "text/html": {"schema": {"type": "string"}}}},
                "400": _ERROR,
                "406": {**_ERROR, "description": "The format (f or Accept) is not offered."},
                "404": {"description": "`area` names no known area."},
            },
        }
    }
    return {"/search": search, "/inside": inside}
