"""OGC API - Features items and items/{id}: parse and check the request, find the features,
hand them to the negotiated renderer (api/formats/)."""

from __future__ import annotations

import numpy as np
from flask import current_app, request
from werkzeug.wrappers import Response

from geoservice import params
from geoservice.api import cql_api, features, formats, links, versions
from geoservice.api.links import GEOJSON, JSON, link, url
from geoservice.api.ogc import PAGE_PARAMS, bp, licence_header, licence_links
from geoservice.domain import crs
from geoservice.domain.schema import CollectionSpec, spec_of
from geoservice.errors import InvalidParameter, NotFound
from geoservice.http import _, check_params_for, dataset, request_etag, wants_html


def bbox_to_crs84(box: tuple[float, float, float, float], box_crs: str) -> tuple[float, ...]:
    """Return a bbox given in `box_crs` (its axis order) as a CRS84 bbox."""
    if box_crs == crs.CRS84:
        return box
    try:
        result = crs.transformer(box_crs, crs.CRS84).transform_bounds(*box, densify_pts=21)
    except Exception:  # pyproj raises ProjError for boxes outside the CRS's area of use
        raise InvalidParameter(f"bbox: '{request.args.get('bbox')}' cannot be transformed from "
                               f"{box_crs}") from None
    if not np.all(np.isfinite(result)):
        raise InvalidParameter(f"bbox: '{request.args.get('bbox')}' lies outside the area of "
                               f"use of {box_crs}")
    return tuple(result)


def parse_query(spec: CollectionSpec) -> features.Query:
    """Parse the filters and order of an items request."""
    box = params.bbox(request.args.get("bbox"))
    box_crs = params.crs_param(request.args.get("bbox-crs"), "bbox-crs")
    if "datetime" in request.args:
        when = params.datetime_interval(request.args["datetime"])
    else:
        when = None
    return features.Query(
        bbox_crs84=bbox_to_crs84(box, box_crs) if box else None,
        when=when,
        where=cql_api.where(spec, request.args),
        sortby=tuple(params.sortby(request.args.get("sortby"), spec)),
    )


def view_links(fmt: str, kind: str, profile: str | None = None) -> list[dict]:
    """Return the links to this page or feature in every format showing it, `fmt`'s first.

    GeoJSON and HTML lead (the one in `fmt` first, as links.self_and_alternate), the other
    formats follow in the registry's order."""
    shown = formats.views(kind)
    names = [r.name for r in shown]
    lead = [n for n in (("json", "html") if fmt == "json" else ("html", "json")) if n in names]
    ordered = [formats.get(n) for n in lead] + [r for r in shown if r.name not in lead]
    # `?profile=` stays on the self link only (it would choose JSON-FG on the GeoJSON link)
    out = [link(links.here(f=r.name) if r.name == fmt else links.here(f=r.name, profile=None),
                "self" if r.name == fmt else "alternate", _media_type(r, fmt, profile),
                _(r.page_title if kind == "items" else r.item_title)) for r in ordered]
    return out


def _media_type(renderer: formats.Renderer, fmt: str, profile: str | None) -> str:
    """Return the media type of the answer a link to `renderer` gives (with `?profile=`: GeoJSON)."""
    return GEOJSON if profile is not None and renderer.name == fmt else renderer.media_type


def _self_first(items: list[dict]) -> list[dict]:
    items.sort(key=lambda item: item["rel"] != "self")
    return items


def page_links(spec: CollectionSpec, target: str, fmt: str, offset: int, limit: int,
               matched: int, profile: str | None = None) -> list[dict]:
    """Return the links of one page of items as shown in `fmt` (`profile`: the one asked)."""
    renderer = formats.get(fmt)
    out = view_links(fmt, "items", profile)
    if renderer.profile is not None:
        out.extend(renderer.profile(target, profile))
    _self_first(out)
    kind = _media_type(renderer, fmt, profile)
    if offset + limit < matched:
        out.append(link(links.here(offset=str(offset + limit), f=fmt), "next", kind,
                        _("Nächste Seite")))
    if offset > 0:
        out.append(link(links.here(offset=str(max(0, offset - limit)), f=fmt), "prev", kind,
                        _("Vorige Seite")))
    out.append(link(url(f"collections/{spec.name}", f="json"), "collection", JSON,
                    _("Die Sammlung")))
    out.extend(licence_links(spec))
    return out


def _timestamp() -> str:
    data = dataset()
    return data.memo(("ogc", "timestamp"), lambda: data.last_modified.strftime("%Y-%m-%dT%H:%M:%SZ"))


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    """Features of a collection: filtered, sorted, paged; in any registered format."""
    spec = spec_of(collection_id)
    offered = formats.items_formats()
    extensions = params.item_extensions()
    check_params_for(params.ITEM_PARAMS | set(params.queryable(spec)) | {p.name for p in extensions},
                     offered)
    fmt, profile = formats.negotiate(offered)
    config = current_app.config
    limit = params.limit(request.args.get("limit"), int(config["DEFAULT_LIMIT"]),
                         int(config["MAX_LIMIT"]))
    offset = params.integer(request.args.get("offset"), "offset", 0, 0)
    target = params.crs_param(request.args.get("crs"), "crs")
    fields = params.properties(request.args.get("properties"), spec)
    skip = params.boolean(request.args.get("skipGeometry"), "skipGeometry")
    query = parse_query(spec)
    options = {p.name: p.parse(request.args[p.name], p.name)
               for p in extensions if p.name in request.args}
    licences = licence_header(spec)
    page = formats.Page(
        data=dataset(), spec=spec, query=query, offset=offset, limit=limit, fields=fields,
        target=target, skip_geometry=skip,
        paged="limit" in request.args or "offset" in request.args, etag=request_etag(fmt),
        headers={"Content-Crs": crs.content_crs_header(target), **licences},
        licence_header=licences,
        link_builder=lambda f, o, n, m: page_links(spec, target, f, o, n, m,
                                                   profile if f == fmt else None),
        timestamp=_timestamp, profile=profile, options=options)
    return formats.get(fmt).items(page)


def item_links(spec: CollectionSpec, fmt: str, profile: str | None = None) -> list[dict]:
    """Return the links of one feature as shown in `fmt` (without its versions)."""
    return _self_first([
        *view_links(fmt, "item", profile),
        link(url(f"collections/{spec.name}", f="json"), "collection", JSON, _("Die Sammlung")),
        *licence_links(spec),
    ])


def _missing(spec, feature_id: str) -> NotFound:
    """The 404 of an unknown feature; for people (the HTML page) in their language, and saying
    so when the feature was published once and has been retired (its history is kept)."""
    description = f"feature '{feature_id}' does not exist in collection '{spec.name}'"
    if not wants_html():
        return NotFound(description)
    records = current_app.extensions["geoservice"].store.history(spec.name, feature_id) \
        if len(feature_id) <= 200 else []
    if records and records[-1].retired:
        props = next((r.properties for r in reversed(records) if r.properties), None) or {}
        title = props.get("title") or props.get("name") or feature_id
        return NotFound(description + " any more (retired; its history is kept)",
                        _("„{title}“ wird nicht mehr veröffentlicht.", title=title))
    return NotFound(description, _("„{id}“ gibt es in diesem Register nicht.", id=feature_id))


@bp.get("/collections/<collection_id>/items/<path:feature_id>")
def item(collection_id: str, feature_id: str):
    """One feature in any registered format (projects' HTML: the residents' project page).

    A versioned collection's features are versions: a version id (`prohlis-2016`) answers that
    version, an area id (`prohlis`) the version in force today or on `?datetime=DAY` (410 Gone
    when none was). Both carry Memento-Datetime and the version links (geoservice.api.versions).
    """
    spec = spec_of(collection_id)
    data = dataset()
    offered = formats.item_formats()
    pos = data.position(spec.name, feature_id)
    day = None
    if pos is None and spec.versioned and versions.is_area(feature_id):
        check_params_for({"crs", "datetime", "profile", *PAGE_PARAMS}, offered)
        day, asked = versions.requested_day()
        found = versions.version_on(feature_id, day)
        if isinstance(found, Response):
            return found  # 410 Gone: the area existed, but not on that day
        pos = data.position(spec.name, found["id"])
        # without datetime the answer is today's version: it can change at midnight
        etag_extra = () if asked else (str(day),)
    elif pos is None:
        raise _missing(spec, feature_id)
    else:
        check_params_for({"crs", "profile", *PAGE_PARAMS}, offered)
        etag_extra = ()
    fmt, profile = formats.negotiate(offered)
    target = params.crs_param(request.args.get("crs"), "crs")
    row = data.collection(spec.name).iloc[pos]
    headers = licence_header(spec)
    version_links: list[dict] = []
    if spec.versioned:
        version_links = versions.version_links(row, "json" if fmt not in ("json", "html") else fmt)
        headers = versions.memento_headers(row, [*item_links(spec, fmt), *version_links])

    def links_in(shown: str) -> list[dict]:
        renderer = formats.get(shown)
        out = item_links(spec, shown, profile if shown == fmt else None) + version_links
        if renderer.profile is not None:
            out.extend(renderer.profile(target, profile if shown == fmt else None))
        return out

    return formats.get(fmt).item(formats.Item(
        data=data, spec=spec, feature_id=feature_id, pos=pos, row=row, target=target,
        headers=headers, version_links=version_links, day=day, etag_extra=etag_extra,
        link_builder=links_in, profile=profile))
