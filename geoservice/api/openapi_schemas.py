"""The OpenAPI 3.0 schemas of the service's documents (components/schemas)."""

from __future__ import annotations

REF = "#/components/{kind}/{name}"


def _ref(kind: str, name: str) -> dict:
    return {"$ref": REF.format(kind=kind, name=name)}


def schemas() -> dict:
    """Return components/schemas."""
    link = {"type": "object", "required": ["href", "rel"], "properties": {
        "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
        "title": {"type": "string"}, "hreflang": {"type": "string"}}}
    links = {"type": "array", "items": _ref("schemas", "link")}
    geometry = {"type": "object", "nullable": True, "required": ["type"], "properties": {
        "type": {"type": "string", "enum": ["Point", "MultiPoint", "LineString", "MultiLineString",
                                            "Polygon", "MultiPolygon", "GeometryCollection"]},
        "coordinates": {"type": "array"}}}
    feature = {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": "string"},
        "geometry": _ref("schemas", "geometry"),
        "properties": {"type": "object", "nullable": True},
        "links": links}}
    collection = {"type": "object", "required": ["id", "links"], "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
        "keywords": {"type": "array", "items": {"type": "string"}},
        "itemType": {"type": "string"},
        "extent": {"type": "object", "properties": {
            "spatial": {"type": "object", "properties": {
                "bbox": {"type": "array", "items": {"type": "array", "items": {"type": "number"},
                                                    "minItems": 4, "maxItems": 6}},
                "crs": {"type": "string"}}},
            "temporal": {"type": "object", "properties": {
                "interval": {"type": "array", "items": {
                    "type": "array", "minItems": 2, "maxItems": 2,
                    "items": {"type": "string", "format": "date-time", "nullable": True}}},
                "trs": {"type": "string"}}}}},
        "crs": {"type": "array", "items": {"type": "string"}},
        "storageCrs": {"type": "string"},
        "links": links}}
    return {
        "link": link,
        "geometry": geometry,
        "exception": {"type": "object", "required": ["code"], "properties": {
            "code": {"type": "string"}, "description": {"type": "string"},
            "problems": {"type": "array", "items": {"type": "string"},
                         "description": "A rejected write: every problem of the feature, one "
                                        "per entry."}}},
        "mergePatch": {"type": "object", "description": "A JSON merge patch (RFC 7386) of a "
                       "GeoJSON Feature: members given replace the stored ones, null removes a "
                       "property, members not given stay as stored.", "properties": {
                           "properties": {"type": "object", "nullable": True},
                           "geometry": _ref("schemas", "geometry"),
                           "note": {"type": "string", "description": "The change note (instead "
                                                                     "of X-Change-Note)."}}},
        "landingPage": {"type": "object", "required": ["links"], "properties": {
            "title": {"type": "string"}, "description": {"type": "string"}, "links": links}},
        "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {
            "conformsTo": {"type": "array", "items": {"type": "string"}}}},
        "collection": collection,
        "collections": {"type": "object", "required": ["links", "collections"], "properties": {
            "links": links, "crs": {"type": "array", "items": {"type": "string"}},
            "collections": {"type": "array", "items": _ref("schemas", "collection")}}},
        "featureGeoJSON": feature,
        "featureCollectionGeoJSON": {
            "type": "object", "required": ["type", "features"], "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": _ref("schemas", "featureGeoJSON")},
                "links": links,
                "timeStamp": {"type": "string", "format": "date-time"},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0}}},
        "queryables": {"type": "object", "required": ["type", "properties"], "properties": {
            "$schema": {"type": "string"}, "$id": {"type": "string"},
            "type": {"type": "string"}, "properties": {"type": "object"}}},
        "locate": {"type": "object", "required": ["lon", "lat", "date", "areas", "text"],
                   "properties": {
                       "lon": {"type": "number"}, "lat": {"type": "number"},
                       "date": {"type": "string", "format": "date"},
                       "inside": {"type": "array", "items": {"type": "string"}},
                       "areas": {"type": "array", "items": {"type": "object", "properties": {
                           "version_id": {"type": "string"}, "area_id": {"type": "string"},
                           "name": {"type": "string"}, "programme": {"type": "string"},
                           "inside": {"type": "boolean"},
                           "distance_m": {"type": "integer", "description": "distance to this "
                                          "boundary, rounded to distance_precision_m (10 m for a "
                                          "reconstructed boundary)"},
                           "distance_precision_m": {"type": "integer"},
                           "near_boundary": {"type": "boolean", "description": "closer than the "
                                             "reconstructed line can decide"}}}},
                       "text": {"type": "string"}, "links": links}},
        "timeMap": {"type": "object", "required": ["area_id", "versions", "links"], "properties": {
            "area_id": {"type": "string"}, "name": {"type": "string"},
            "versions": {"type": "array", "items": {
                "type": "object", "required": ["id", "valid_from", "links"], "properties": {
                    "id": {"type": "string"},
                    "valid_from": {"type": "string", "format": "date"},
                    "valid_to": {"type": "string", "format": "date", "nullable": True},
                    "programme": {"type": "string"}, "name": {"type": "string"},
                    "decision": {"type": "string"}, "links": links}}},
            "links": links}},
        "featureHistory": {"type": "object", "required": ["collection", "id", "records"], "properties": {
            "collection": {"type": "string"}, "id": {"type": "string"},
            "published": {"type": "boolean"},
            "records": {"type": "array", "items": {
                "type": "object",
                "required": ["record_id", "recorded_from", "change_id", "kind", "retired", "change"],
                "properties": {
                    "record_id": {"type": "integer"},
                    "recorded_from": {"type": "string", "format": "date-time"},
                    "recorded_to": {"type": "string", "format": "date-time", "nullable": True},
                    "change_id": {"type": "integer"},
                    "kind": {"type": "string"}, "kind_label": {"type": "string"},
                    "note": {"type": "string"},
                    "author_role": {"type": "string",
                                    "description": "Public role of the author (never an account)."},
                    "retired": {"type": "boolean"},
                    "change": {"type": "string",
                               "enum": ["created", "changed", "retired", "restored", "unchanged"]},
                    "summary": {"type": "string"},
                    "changes": {"type": "array", "items": {
                        "type": "object", "required": ["field"], "properties": {
                            "field": {"type": "string"}, "before": {"nullable": True},
                            "after": {"nullable": True}}}},
                    "geometry": {"type": "object", "nullable": True, "properties": {
                        "type": {"type": "string"}, "moved_m": {"type": "number"},
                        "hausdorff_m": {"type": "number"},
                        "symmetric_difference_ha": {"type": "number"},
                        "area_ha_before": {"type": "number"}, "area_ha_after": {"type": "number"}}},
                    "area_ha": {"type": "number", "nullable": True},
                    "links": links}}},
            "links": links}},
        "areaList": {"type": "object", "required": ["areas", "links"], "properties": {
            "areas": {"type": "array", "items": {
                "type": "object",
                "required": ["area_id", "name", "programme", "first_valid_from", "versions", "links"],
                "properties": {
                    "area_id": {"type": "string"}, "name": {"type": "string"},
                    "programme": {"type": "string"},
                    "first_valid_from": {"type": "string", "format": "date"},
                    "valid_to": {"type": "string", "format": "date", "nullable": True},
                    "current_version": {"type": "string", "nullable": True},
                    "versions": {"type": "array", "items": {"type": "string"}},
                    "links": links}}},
            "links": links}},
        "timeline": {"type": "object", "required": ["milestones", "links"], "properties": {
            "milestones": {"type": "array", "items": {
                "type": "object",
                "required": ["date", "date_precision", "title", "description", "kind", "source"],
                "properties": {
                    "date": {"type": "string", "format": "date",
                             "description": "First day of the period for month/year precision."},
                    "date_precision": {"type": "string", "enum": ["day", "month", "year"]},
                    "title": {"type": "string"}, "description": {"type": "string"},
                    "kind": {"type": "string"},
                    "area_id": {"type": "string", "nullable": True},
                    "source": {"type": "string"}}}},
            "links": links}},
        "featureCollectionJSONFG": {
            "type": "object", "required": ["type", "features", "conformsTo"],
            "description": "JSON-FG 1.0 (validates against https://schemas.opengis.net/json-fg/"
                           "featurecollection.json).",
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "conformsTo": {"type": "array", "items": {"type": "string"}},
                "featureType": {"type": "string"}, "coordRefSys": {"type": "string"},
                "features": {"type": "array", "items": {"type": "object"}},
                "links": links}},
        "featureJSONFG": {
            "type": "object", "required": ["type", "geometry", "properties", "conformsTo"],
            "description": "JSON-FG 1.0 feature: `time` (closed interval of days), `place`, "
                           "`coordRefSys`, `featureType`.",
            "properties": {"type": {"type": "string", "enum": ["Feature"]},
                           "conformsTo": {"type": "array", "items": {"type": "string"}},
                           "links": links}},
        "factSheet": {"type": "object", "required": ["area_id", "versions"], "properties": {
            "area_id": {"type": "string"}, "name": {"type": "string"},
            "versions": {"type": "array", "items": {"type": "object"}}, "links": links}},
    }
