"""The OpenAPI parts of the change stream and the Atom feeds (api/stream.py, api/feeds.py)."""

from __future__ import annotations

from collections.abc import Callable

from geoservice import params
from geoservice.api.feeds import ATOM

_LINK = {"type": "object", "required": ["href", "rel"],
         "properties": {"href": {"type": "string"}, "rel": {"type": "string"},
                        "type": {"type": "string"}, "title": {"type": "string"}}}

SCHEMAS = {
    "changeStream": {
        "type": "object", "required": ["collection", "after", "cursor", "complete", "changes", "links"],
        "description": "A page of feature changes after `after`, oldest first. Store `cursor` "
                       "(the last change's) and ask again with after=cursor: no change is missed "
                       "or given twice, also across instances. `complete`: the page reached the "
                       "newest change (ask again later).",
        "properties": {
            "collection": {"type": "string"}, "after": {"type": "integer"},
            "cursor": {"type": "integer"}, "complete": {"type": "boolean"},
            "changes": {"type": "array", "items": {
                "type": "object",
                "required": ["cursor", "change", "id", "record_id", "change_id", "recorded_at",
                             "kind", "note", "author_role", "feature", "links"],
                "properties": {
                    "cursor": {"type": "integer"},
                    "change": {"type": "string", "enum": ["created", "changed", "retired"]},
                    "id": {"type": "string"}, "record_id": {"type": "integer"},
                    "change_id": {"type": "integer"},
                    "recorded_at": {"type": "string", "format": "date-time"},
                    "kind": {"type": "string"}, "note": {"type": "string"},
                    "author_role": {"type": "string"},
                    "feature": {"description": "The feature as this change stored it (GeoJSON, "
                                               "CRS84); null when retired.",
                                "type": "object", "nullable": True},
                    "links": {"type": "array", "items": _LINK}}}},
            "links": {"type": "array", "items": _LINK}}},
}


def parameters(config) -> dict:
    return {"after": params.PARAMS["after"].openapi(config),
            "limit-changes": params.PARAMS["limit"].openapi(config, "changes")}


def collection_paths(spec, base: str, key: str, get: Callable, ref: Callable) -> dict:
    """The change stream and the Atom feeds of one collection."""
    p = lambda name: ref("parameters", name)  # noqa: E731
    not_found = {"404": ref("responses", "NotFound")}
    stream_ok = {"200": {"description": "Feature changes after the cursor, oldest first.",
                         "content": {"application/json": {"schema": ref("schemas", "changeStream")}},
                         "headers": {"ETag": {"schema": {"type": "string"}}}},
                 "304": {"description": "Not modified (If-None-Match)."},
                 "400": ref("responses", "BadRequest")}
    feed_ok = {"200": {"description": "An Atom feed (RFC 4287) of the newest public changes: note, "
                                      "public role, time in Dresden, what changed, links to the "
                                      "feature as recorded then and as it is.",
                       "content": {ATOM: {"schema": {"type": "string"}}},
                       "headers": {"ETag": {"schema": {"type": "string"}}}},
               "304": {"description": "Not modified (If-None-Match)."},
               "400": ref("responses", "BadRequest")}
    return {
        f"{base}/changes": get(f"changes_{key}", f"Change stream of {spec.name} (for machines)",
                               "Changes", [p("after"), p("limit-changes")], stream_ok),
        f"{base}/feed": get(f"feed_{key}", f"Atom feed of the changes of {spec.name}", "Changes",
                            [p("lang")], feed_ok),
        f"{base}/items/{{featureId}}/feed": get(
            f"feed_item_{key}", f"Atom feed of the changes of one feature of {spec.name}",
            "Changes", [p("featureId"), p("lang")], {**feed_ok, **not_found}),
    }


def service_paths(get: Callable, ref: Callable) -> dict:
    """The feeds of the whole register and of one funding area."""
    p = lambda name: ref("parameters", name)  # noqa: E731
    ok = {"200": {"description": "An Atom feed (RFC 4287) of the newest public changes.",
                  "content": {ATOM: {"schema": {"type": "string"}}}},
          "304": {"description": "Not modified (If-None-Match)."},
          "400": ref("responses", "BadRequest")}
    return {"/feed": get("feed", "Atom feed of the changes of the whole register", "Changes",
                         [p("lang")], ok),
            "/areas/{areaId}/feed": get("feed_area", "Atom feed of the changes of one funding area "
                                        "(its boundary versions and projects)", "Changes",
                                        [p("areaId"), p("lang")], ok)}
