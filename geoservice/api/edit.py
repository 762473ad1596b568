"""Writes: OGC API - Features Part 4 (create, replace, update, delete) with optimistic locking.

The write path, in order, in every handler:
  1. auth      auth.api_account(spec): the account's token (Bearer, Basic password or X-API-Key),
               role may change this collection (401/403)
  2. locking   _expected_record(): If-Match names the current record (412 stale; 428 missing,
               unless an administrator let the account write without it: then the current
               record is overwritten, and stays in the history)
  3. write     geoservice.writes: the import's rules on the one feature, derived fields (400),
               one store transaction (409 on overlapping versions, NOTIFY), served at once
"""

from __future__ import annotations

import json
from urllib.parse import unquote, urlencode

from flask import Blueprint, Response, current_app, g, request

from geoservice import auth, edge, params
from geoservice.api import features
from geoservice.api.links import GEOJSON, url
from geoservice.domain import cql, crs, derived, editing
from geoservice.domain.schema import CollectionSpec, spec_of
from geoservice.errors import (
    InvalidParameter,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    UnsupportedMediaType,
)
from geoservice.http import dataset, etag_for
from geoservice.negotiation import MAX_QUERY_BYTES
from geoservice.writes import RETIRED, Author, Kind, Writes, feature_etag, record_of_etag

bp = Blueprint("edit", __name__)
JSON_TYPES = ("application/geo+json", "application/json", "application/merge-patch+json")
CQL2_JSON_TYPES = ("application/cql2+json", "application/query-cql-json")  # CQL2 / Part 3 draft


def _holder():
    return current_app.extensions["geoservice"]


def _writes() -> Writes:
    return Writes.of(_holder())


def _author(account) -> Author:
    return Author(account.name, account.organisation)


def _content_crs() -> str:
    value = (request.headers.get("Content-Crs") or "").strip()
    if value.startswith("<") and value.endswith(">"):  # Part 2 sends the URI in angle brackets
        value = value[1:-1]
    return crs.normalize_crs(value, "Content-Crs") if value else crs.CRS84


def _raw_body() -> bytes:
    """The request body, kept for a second look (a search or a create?); edge.BodyLimit has
    bounded its size before the app saw it, chunked bodies too."""
    return request.get_data(cache=True)


def _body() -> dict:
    """The JSON body (edge.BodyLimit has bounded its size; edge.parse_json its nesting)."""
    mimetype = request.mimetype
    if mimetype not in JSON_TYPES and mimetype != "":  # none sent (OWSLib's PUT of a str): JSON
        raise UnsupportedMediaType(f"Content-Type: '{request.content_type}' is not accepted; send "
                                   "application/geo+json (PATCH: application/merge-patch+json)")
    return _parsed_body()


def _parsed_body():
    """The body parsed once per request (a POST is first checked for a search, then created);
    a parse error is kept too and raised again on the second look."""
    if "parsed_body" not in g:
        try:
            g.parsed_body = (edge.parse_json(_raw_body()), None)
        except InvalidParameter as problem:
            g.parsed_body = (None, problem)
    body, problem = g.parsed_body
    if problem is not None:
        raise problem
    return body


def _max_vertices() -> int:
    return int(current_app.config["MAX_GEOMETRY_VERTICES"])


def _search_filter() -> dict | None:
    """Return the CQL2-JSON filter of a POST to the items that is a search, else None.

    A search is a body of a CQL2 media type, or a JSON object with `op` and no `type` (no GeoJSON
    Feature lacks `type`): OWSLib's `cql=` sends its filter so, as application/json, or as
    application/geo+json after a create in the same process (its headers are shared).
    """
    if request.mimetype not in (*JSON_TYPES, *CQL2_JSON_TYPES):
        return None
    try:
        body = _parsed_body()
    except InvalidParameter:
        if request.mimetype in CQL2_JSON_TYPES:
            raise
        return None  # a create's problem: reported after authentication
    if request.mimetype in CQL2_JSON_TYPES or (isinstance(body, dict) and "op" in body
                                               and "type" not in body):
        return body
    return None


def _search(spec: CollectionSpec, expression) -> Response:
    """Answer a search by POST with 303 See Other to the items with the filter as parameters.

    The answer is then an ordinary items request: paged with `next` links that keep the filter,
    cached, and checked by the same rules. A bad filter is a 400 naming it, here already.
    """
    if "filter" in request.args or "filter-lang" in request.args:
        raise InvalidParameter("the filter is given twice: in the body and as the parameter "
                               "'filter'/'filter-lang'; give one")
    text = json.dumps(expression, ensure_ascii=False, separators=(",", ":"))
    # checked here, so a bad filter is refused on the POST itself (400 naming the problem)
    cql.parse(text, spec, "cql2-json", params.crs_param(request.args.get("filter-crs"), "filter-crs"))
    encoded = urlencode({"filter": text, "filter-lang": "cql2-json"})
    query = "&".join(piece for piece in (request.query_string.decode("latin-1"), encoded) if piece)
    limit = int(current_app.config.get("MAX_QUERY_BYTES") or MAX_QUERY_BYTES)
    if len(query) > limit:
        raise InvalidParameter(f"the filter has {len(query)} bytes as a query; at most {limit} fit "
                               "into the items URL a search answers with")
    response = Response(status=303)
    response.headers["Location"] = f"{url(f'collections/{spec.name}/items')}?{query}"
    response.headers["Cache-Control"] = "no-store"
    return response


def _header_note() -> str | None:
    """Return X-Change-Note; HTTP headers are Latin-1, so UTF-8 may come percent-encoded."""
    value = request.headers.get("X-Change-Note")
    if not value or "%" not in value:
        return value
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:
        raise InvalidParameter("X-Change-Note: percent-encoded bytes are not UTF-8") from None


def _note(body, account) -> str:
    """Return the change note: X-Change-Note, else the member 'note', else the account's default."""
    member = body.pop("note", None) if isinstance(body, dict) else None
    return editing.change_note(_header_note() or member or account.default_note)


def _expected_record(spec: CollectionSpec, fid: str, account) -> int:
    """Return the record id the client's If-Match names; 412 if it is stale, 428 without one
    (an account allowed to write without If-Match: the current record).

    A tag this worker's state does not know may come from a write through another worker or
    instance that it has not heard of yet: it asks the store's change counter before refusing.
    """
    if request.if_match and request.if_match.star_tag:
        # "whatever is stored now": the stored record, also when the served state is an older
        # valid one because the newest is invalid (how a broken feature is repaired)
        stored = _holder().store.current_record(spec.name, fid)
        if stored is None:
            raise NotFound(f"feature '{fid}' does not exist in collection '{spec.name}'")
        return stored
    # an empty tag (`If-Match: ""`) is well-formed and names no record: 412 like any stale one
    named = {record_of_etag(tag) for tag in request.if_match.as_set(include_weak=False) if tag}
    current = dataset().record_id(spec.name, fid)
    stale = bool(request.if_match) and current not in named
    if current is None or stale:
        # False also when another thread (PostgreSQL's listener) applied the change while this
        # one waited for the lock: either way this request goes on with the newest state
        _holder().maybe_reload(force=True)
        g.pop("dataset", None)
        current = dataset().record_id(spec.name, fid)
    if current is None:
        raise NotFound(f"feature '{fid}' does not exist in collection '{spec.name}'")
    if not request.if_match:
        if account.if_match_optional:
            return current  # overwritten, not lost: the record stays in the history
        raise PreconditionRequired(
            f"writing '{fid}' needs If-Match with its current ETag (GET it first), so that no "
            "change by someone else is overwritten unseen (for a client that cannot send it, an "
            "administrator can let the account write without: users writing NAME --if-match "
            "optional)")
    if named <= {None}:  # e.g. If-Match: "" or a tag this service never sent
        sent = request.headers.get("If-Match", "")[:200]
        raise PreconditionFailed(f"If-Match: '{sent}' names no record of feature '{fid}'; send the "
                                 "ETag a GET of it returned", current=current)
    if current not in named:
        raise PreconditionFailed(f"feature '{fid}' was changed since the ETag you sent; GET it again",
                                 current=current)
    return current


def _current_feature(spec: CollectionSpec, fid: str) -> dict:
    """Return the stored feature as GeoJSON (CRS84), the base of a merge patch."""
    data = dataset()
    pos = data.position(spec.name, fid)
    if pos is None:  # stored, but not in the served (last valid) state
        raise NotFound(f"feature '{fid}' is stored but not served (its stored state breaks the "
                       "rules); replace it with PUT and If-Match: *")
    return json.loads(features.feature_cache(data, spec).take([pos])[0])


def _answer(spec: CollectionSpec, fid: str, result, status: int) -> Response:
    """Answer a write with the feature as now stored, its ETag and Location."""
    record = result.records.get((spec.name, fid))
    data = _holder().dataset
    pos = data.position(spec.name, fid)
    body = features.feature_cache(data, spec).take([pos])[0] if pos is not None else b"{}"
    response = Response(body, status=status, mimetype=GEOJSON)
    response.set_etag(feature_etag(record, etag_for(body)))
    response.headers["Location"] = url(f"collections/{spec.name}/items/{fid}")
    response.headers["Content-Crs"] = crs.content_crs_header(crs.CRS84)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/collections/<collection_id>/items")
def create(collection_id: str):
    """Create a feature from a GeoJSON Feature (id from the body or made from the title);
    a CQL2-JSON filter in the body is a search instead (OWSLib's `cql=`)."""
    spec = spec_of(collection_id)
    expression = _search_filter()
    if expression is not None:
        return _search(spec, expression)
    account = auth.api_account(spec)
    body = _body()
    note = _note(body, account)
    properties, geometry, fid = editing.read_feature(body, _content_crs(), _max_vertices())
    writes = _writes()
    fresh = fid is None  # then made from the title, made unique inside the write transaction
    if fresh:
        fid = editing.slug(str(properties.get("title") or properties.get("name") or ""))
    feature = writes.checked(spec, dataset(), editing.Draft(fid, properties, geometry))
    fid, result = writes.create(_author(account), note, spec, feature, fresh_id=fresh)
    return _answer(spec, fid, result, 201)


@bp.put("/collections/<collection_id>/items/<feature_id>")
def replace(collection_id: str, feature_id: str):
    """Replace a feature with the GeoJSON Feature sent (If-Match required)."""
    spec = spec_of(collection_id)
    account = auth.api_account(spec)
    expect = _expected_record(spec, feature_id, account)
    body = _body()
    note = _note(body, account)
    properties, geometry, fid = editing.read_feature(body, _content_crs(), _max_vertices())
    if fid not in (None, feature_id):
        raise InvalidParameter(f"the body's id '{fid}' differs from the URL's '{feature_id}'")
    writes = _writes()
    feature = writes.checked(spec, dataset(), editing.Draft(feature_id, properties, geometry))
    result = writes.put(_author(account), note, spec, feature, expect, Kind.REPLACE)
    return _answer(spec, feature_id, result, 200)


@bp.patch("/collections/<collection_id>/items/<feature_id>")
def update(collection_id: str, feature_id: str):
    """Change some properties and/or the geometry with a JSON merge patch (If-Match required)."""
    spec = spec_of(collection_id)
    account = auth.api_account(spec)
    expect = _expected_record(spec, feature_id, account)
    patch = _body()
    note = _note(patch, account)
    if not isinstance(patch, dict):
        raise InvalidParameter("a merge patch must be a JSON object")
    current = _current_feature(spec, feature_id)
    properties = editing.merge_patch(current["properties"], patch.get("properties") or {})
    if "geometry" in patch and patch["geometry"] is not None:
        geometry = editing.read_geometry(patch["geometry"], _content_crs(), _max_vertices())
        for name in derived.stale_on_move(spec):  # e.g. a moved boundary has a new size
            if name not in (patch.get("properties") or {}):
                properties[name] = None  # computed anew
    else:
        geometry = editing.read_geometry(current["geometry"], crs.CRS84)
    if properties.get("id", feature_id) != feature_id:
        raise InvalidParameter("the id of a feature cannot be changed; create a new one instead")
    writes = _writes()
    feature = writes.checked(spec, dataset(), editing.Draft(feature_id, properties, geometry))
    result = writes.put(_author(account), note, spec, feature, expect, Kind.UPDATE)
    return _answer(spec, feature_id, result, 200)


@bp.delete("/collections/<collection_id>/items/<feature_id>")
def retire(collection_id: str, feature_id: str):
    """Retire a feature: it is no longer served, and stays in the history (If-Match required)."""
    spec = spec_of(collection_id)
    account = auth.api_account(spec)
    expect = _expected_record(spec, feature_id, account)
    note = editing.change_note(_header_note() or account.default_note)
    result = _writes().retire(_author(account), note, spec, feature_id, expect)
    response = Response(status=204)
    response.set_etag(feature_etag(result.records[(spec.name, feature_id)], RETIRED))
    return response
