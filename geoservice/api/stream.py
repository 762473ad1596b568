"""The change stream for machines: `/collections/{c}/changes?after=<cursor>`.

A collection's feature changes (created / changed / retired) after a cursor, oldest first, in
pages. Each change carries its cursor, the feature id, the record and change ids, the record
time, the change's kind, note and public role, the feature as this record stored it (null when
retired) and links. A client stores the `cursor` of the last change it applied and asks with `after=` it
again: it never misses or applies a change twice, also with several service instances on one
PostgreSQL (why: storage/changelog.py). A full page is immutable and cached; the tail (a page
with fewer changes than `limit`) is read from the store each time (`private, no-cache`).
"""

from __future__ import annotations

import json
from urllib.parse import quote

import shapely
from flask import Blueprint, current_app, request

from geoservice import params
from geoservice.api import features
from geoservice.api.history import recorded_url, rfc3339
from geoservice.api.links import GEOJSON, JSON, link, url
from geoservice.domain.schema import spec_of
from geoservice.http import _, check_params, dataset, request_etag, respond
from geoservice.storage import changelog

bp = Blueprint("stream", __name__)
STREAM_PARAMS = ("after", "limit")


def _feature(entry: changelog.Entry) -> dict | None:
    if entry.status == changelog.RETIRED:
        return None
    geometry = json.loads(shapely.to_geojson(shapely.from_wkb(entry.wkb))) if entry.wkb else None
    return {"type": "Feature", "id": entry.fid, "geometry": geometry, "properties": entry.properties}


def _change(entry: changelog.Entry, spec) -> dict:
    item = f"collections/{spec.name}/items/{quote(entry.fid, safe='')}"
    item_links = [link(url(f"{item}/history", f="json"), "version-history", JSON)]
    if entry.status != changelog.RETIRED:
        item_links.insert(0, link(recorded_url(spec, entry.fid, entry.recorded_at, "json"),
                                  "memento", GEOJSON))
        item_links.insert(0, link(url(item, f="json"), "item", GEOJSON))
    return {"cursor": entry.record_id, "change": entry.status, "id": entry.fid,
            "record_id": entry.record_id, "change_id": entry.change_id,
            "recorded_at": rfc3339(entry.recorded_at), "kind": entry.kind, "note": entry.note,
            "author_role": entry.author_role, "feature": _feature(entry), "links": item_links}


@bp.get("/collections/<collection_id>/changes")
def changes(collection_id: str):
    """A page of the collection's feature changes after the cursor `after`."""
    spec = spec_of(collection_id)
    check_params(STREAM_PARAMS)
    after = params.integer(request.args.get("after"), "after", 0, 0)
    limit = params.limit(request.args.get("limit"), params.STREAM_LIMIT, params.STREAM_MAX_LIMIT)
    data = dataset()
    engine = current_app.extensions["geoservice"].store.engine
    # the newest state unless `recorded=` asks for the register as it stood then
    entries = changelog.after(engine, spec.name, after, limit,
                              upto_change=data.change_id if data.historical else None)
    last = entries[-1].record_id if entries else after
    full = len(entries) == limit
    page_links = [link(url(f"collections/{spec.name}/changes", after=after, limit=limit), "self", JSON),
                  link(url(f"collections/{spec.name}/changes", after=last, limit=limit),
                       "next", JSON, _("Die nächsten Änderungen") if full else _("Später neue Änderungen")),
                  link(url(f"collections/{spec.name}", f="json"), "collection", JSON)]

    def body() -> bytes:
        return features.dumps_bytes({
            "collection": spec.name, "after": after, "cursor": last, "complete": not full,
            "changes": [_change(e, spec) for e in entries], "links": page_links})

    # a full page never changes; the tail grows with the next write: asked of the store each
    # time (`private`: neither shared caches nor the response cache in front of the app keep
    # it), revalidated by its ETag
    headers = {} if full else {"Cache-Control": "private, no-cache"}
    return respond(body, JSON, request_etag("changes", str(last), str(len(entries))), headers=headers)
