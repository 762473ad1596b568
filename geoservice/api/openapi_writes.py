"""The OpenAPI 3.0 parts of the write operations (OGC API - Features Part 4): POST on the items,
PUT/PATCH/DELETE on one item, their headers and error responses. openapi.document() merges them."""

from __future__ import annotations

from collections.abc import Callable

from geoservice.domain import crs
from geoservice.domain import derived as derived_fields
from geoservice.domain.schema import CollectionSpec

REF = "#/components/{kind}/{name}"


def _ref(kind: str, name: str) -> dict:
    return {"$ref": REF.format(kind=kind, name=name)}


def write_headers(header: Callable[..., dict]) -> dict:
    """The request headers of the writes, as reusable parameter objects."""
    return {
        "If-Match": header("If-Match", "The ETag of the feature as the client last read it (GET "
                           "the item first); '*' matches any current state. If the feature "
                           "changed since: 412. Without it: 428, unless an administrator let the "
                           "account write without it (for clients that cannot send it, such as "
                           "QGIS and OWSLib): then the current version is overwritten and stays "
                           "in the history.", {"type": "string"}),
        "Content-Crs": header("Content-Crs", "CRS of the body's coordinates in its axis order, "
                              "e.g. <http://www.opengis.net/def/crs/EPSG/0/25833> (default CRS84). "
                              "Supported: " + ", ".join(crs.SUPPORTED) + ".",
                              {"type": "string"}),
        "X-Change-Note": header("X-Change-Note", "Why the change is made (at most 2000 "
                                "characters; recorded in the public history). Required here or as "
                                "the body member 'note' (for text beyond ISO 8859-1), unless the "
                                "account has a default note.",
                                {"type": "string", "maxLength": 2000}),
        "X-Change-Note-required": header("X-Change-Note", "Why the feature is retired (at most "
                                         "2000 characters; recorded in the public history). "
                                         "Required unless the account has a default note.",
                                         {"type": "string", "minLength": 1, "maxLength": 2000}),
    }


def _write_op(op_id: str, summary: str, description: str, parameters: list, responses: dict,
              body: str | None = None) -> dict:
    """A Part 4 write operation: an account's token required, answers errors as exceptions."""
    error = lambda name: _ref("responses", name)  # noqa: E731
    responses = {**responses, "400": error("InvalidFeature"), "401": error("Unauthorized"),
                 "403": error("Forbidden"), "404": error("NotFound"), "413": error("TooLarge")}
    op = {"operationId": op_id, "summary": summary, "description": description,
          "tags": ["Editing"], "parameters": parameters,
          "security": [{"bearer": []}, {"basic": []}, {"apiKey": []}],
          "responses": dict(sorted(responses.items()))}
    if body:
        op["requestBody"] = _ref("requestBodies", body)
    return op


def write_paths(spec: CollectionSpec) -> dict:
    """POST on the items, PUT/PATCH/DELETE on one item (OGC API - Features Part 4)."""
    p = lambda name: _ref("parameters", name)  # noqa: E731
    r = lambda name: _ref("responses", name)  # noqa: E731
    key = spec.name.replace("-", "_")
    who = f"an account with the role {' or '.join(spec.write_roles)}"
    locking = r("PreconditionFailed"), r("PreconditionRequired")
    derived = derived_fields.openapi_text(spec)
    fid = {"name": "featureId", "in": "path", "description": "Identifier of a feature"
           + (" (a boundary version id, not an area id)" if spec.versioned
              else "") + ".", "required": True, "schema": {"type": "string"}}
    h = lambda name: _ref("headers", name)  # noqa: E731
    written = {"description": "The feature as now stored (CRS84).", "headers": {
        "ETag": h("ETag"), "Location": h("Location"), "Content-Crs": h("Content-Crs")},
        "content": {"application/geo+json": {"schema": _ref("schemas", "featureGeoJSON")}}}
    created = {**written, "description": "Created; Location names the new feature."}
    changed = {**written, "description": "Written; the body is the feature as now stored (a body "
                                         "equal to the stored feature makes no new record)."}
    replace_desc = (f"Needs {who} and If-Match with the feature's current ETag (from a GET): "
                    "a change made by someone else in between is refused (412), never "
                    "overwritten (an account an administrator lets write without If-Match "
                    "overwrites the current version, which stays in the history). Each write "
                    "is recorded with its change note; the public history names the account's "
                    "organisation, never the account." + derived)
    return {
        f"/collections/{spec.name}/items": {"post": _write_op(
            f"create_{key}", f"Create a feature of {spec.name}",
            f"Needs {who}. The id is taken from the body or made from the title (a made id "
            "never reuses one of a retired feature); the id of a current feature is a 409."
            + derived + " A body that is a CQL2-JSON filter (media type application/cql2+json, "
            "or a JSON object with `op` and no `type`) is a search, not a create: it needs no "
            "account and is answered with 303 See Other to these items with the filter as "
            "`filter` and `filter-lang=cql2-json` (what OWSLib's `cql=` sends).",
            [p("Content-Crs"), p("X-Change-Note")],
            {"201": created, "303": {"description": "A search: Location names the items that "
                                                    "match the filter sent.",
                                     "headers": {"Location": h("Location")}},
             "409": r("Conflict")}, "feature")},
        f"/collections/{spec.name}/items/{{featureId}}": {
            "put": _write_op(f"replace_{key}", f"Replace a feature of {spec.name}", replace_desc,
                             [fid, p("If-Match"), p("Content-Crs"), p("X-Change-Note")],
                             {"200": changed, "409": r("Conflict"), "412": locking[0],
                              "428": locking[1]}, "feature"),
            "patch": _write_op(f"update_{key}", f"Change properties or the geometry of a feature "
                               f"of {spec.name} (JSON merge patch)", replace_desc,
                               [fid, p("If-Match"), p("Content-Crs"), p("X-Change-Note")],
                               {"200": changed, "409": r("Conflict"), "412": locking[0],
                                "428": locking[1]}, "mergePatch"),
            "delete": _write_op(f"delete_{key}", f"Retire a feature of {spec.name}",
                                f"Needs {who} and If-Match (as for PUT). The feature is no longer served and "
                                "stays in its history (…/history) as retired.",
                                [fid, p("If-Match"), p("X-Change-Note-required")],
                                {"204": {"description": "Retired.", "headers": {"ETag": h("ETag")}},
                                 "412": locking[0], "428": locking[1]}),
        },
    }



def write_responses(error: dict) -> dict:
    """The error responses of the write operations (each an exception document)."""
    return {
        "InvalidFeature": {"description": "The body, a header or the feature is invalid; nothing "
                                          "was written. `problems` lists every problem of the "
                                          "feature.", **error},
        "Unauthorized": {"description": "No valid token (missing, unknown, revoked or of a "
                                        "disabled account; as Bearer, Basic password or "
                                        "X-API-Key).",
                         "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}, **error},
        "Forbidden": {"description": "The account's role may not change this collection.", **error},
        "Conflict": {"description": "The write breaks a rule of the stored data: the id exists, "
                                    "or two versions of an area would be in force on one day.",
                     **error},
        "PreconditionFailed": {"description": "The feature changed since the ETag sent in "
                                              "If-Match; GET it again. Nothing was written.",
                               "headers": {"ETag": {
                                   "description": "Names the feature's current record (valid as "
                                                  "If-Match).", "schema": {"type": "string"}}},
                               **error},
        "PreconditionRequired": {"description": "If-Match is missing (and the account must "
                                                "send it): no change may overwrite another "
                                                "unseen.", **error},
        "TooLarge": {"description": "The body is larger than the service accepts (5 MiB by "
                                    "default, chunked bodies too), or a geometry has more "
                                    "vertices than it accepts (100,000 by default); the "
                                    "description names the limit. Nothing was written.",
                     **error},
    }
