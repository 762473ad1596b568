"""Output formats of items and single features, as registered renderers.

An items request parses and checks its parameters, then hands one `Page` (the selection, made
when the renderer first asks for it) to the renderer the client negotiated (`?f=` or `Accept`);
an item request hands one `Item`. The registry is the one list of formats: the `f` values each
resource offers, the media types `Accept` selects them by (http.MEDIA_TYPES), the links to the
other formats, and the OpenAPI enums and contents come from it.

A new format is one module in this package that calls `register()`; `load()` imports every
module here when the app starts (api.register). tests/test_formats.py adds one in a test.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from flask import request

from geoservice import http, params
from geoservice.api import features
from geoservice.domain.dataset import Dataset
from geoservice.domain.schema import CollectionSpec
from geoservice.errors import InvalidParameter
from geoservice.negotiation import FORMAT_ALIASES

PROFILE_URI = "http://www.opengis.net/def/profile/OGC/0/"
# the format that writes each GeoJSON profile (`?profile=`, JSON-FG 1.0 §15)
PROFILE_FORMATS = {"rfc7946": "json", "jsonfg": "jsonfg", "jsonfg-plus": "jsonfg"}


@dataclass(frozen=True)
class Renderer:
    """One output format: its `f` value, media types, link titles and how it answers."""

    name: str  # the `f` value
    media_type: str  # Content-Type of its answers; the first media type `Accept` selects it by
    order: int  # place among the formats: `f` enums, negotiation ties, links
    page_title: str = ""  # link titles (German msgids; api/strings.py translates them)
    item_title: str = ""
    collection_title: str = ""
    accept: tuple[str, ...] = ()  # further media types that select it through `Accept`
    # a file to download (attachment): all matches unless limit/offset are asked; linked from
    # the collection and the HTML page as a download, not as an alternate view of a page
    download: bool = False
    items: Callable[[Page], Any] | None = None  # Page -> Response
    item: Callable[[Item], Any] | None = None  # Item -> Response
    profile: Callable[[str], list[dict]] | None = None  # target CRS -> its profile links
    conformance: tuple[str, ...] = ()  # the conformance classes it implements (/conformance)
    items_schema: dict | None = None  # OpenAPI schema of an items answer (None: not listed)
    item_schema: dict | None = None


REGISTRY: dict[str, Renderer] = {}


def register(renderer: Renderer) -> Renderer:
    """Add (or replace) a format; its media types select it through `Accept` from now on."""
    REGISTRY[renderer.name] = renderer
    ordered = sorted(REGISTRY.values(), key=lambda r: r.order)
    REGISTRY.clear()
    REGISTRY.update((r.name, r) for r in ordered)
    http.MEDIA_TYPES.setdefault(renderer.name, (renderer.media_type, *renderer.accept))
    return renderer


def unregister(name: str) -> None:
    """Remove a format (tests that add one take it away again)."""
    renderer = REGISTRY.pop(name)
    if http.MEDIA_TYPES.get(name) == (renderer.media_type, *renderer.accept):
        del http.MEDIA_TYPES[name]


def load() -> None:
    """Import every format module of this package (each registers itself)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def get(name: str) -> Renderer:
    """Return the renderer of a negotiated `f` value."""
    return REGISTRY[name]


def items_formats() -> tuple[str, ...]:
    """Return the `f` values of an items request, in order (the first is the default)."""
    return tuple(r.name for r in REGISTRY.values() if r.items is not None)


def item_formats() -> tuple[str, ...]:
    """Return the `f` values of one feature, in order."""
    return tuple(r.name for r in REGISTRY.values() if r.item is not None)


def negotiate(offered: tuple[str, ...]) -> tuple[str, str | None]:
    """Return the format of an items or item answer and the GeoJSON profile asked (or None).

    `?profile=` (rfc7946, jsonfg, jsonfg-plus, or the profile's URI) chooses the GeoJSON format
    writing it and overrides `Accept` (GDAL's JSONFG driver asks for text/plain,
    application/json); with `f` naming a format that is not GeoJSON it does not apply."""
    raw = request.args.get("profile")
    if raw is None:
        return http.output_format(offered), None
    profile = raw.strip().removeprefix(PROFILE_URI)
    if profile not in PROFILE_FORMATS:
        raise InvalidParameter(f"profile: '{raw[:80]}' is not offered; use one of "
                               f"{', '.join(params.PROFILES)}")
    asked = request.args.get("f")
    asked = None if asked is None else FORMAT_ALIASES.get(asked.strip().lower(), asked.strip().lower())
    if asked in (None, "json", "jsonfg") and PROFILE_FORMATS[profile] in offered:
        return PROFILE_FORMATS[profile], profile
    return http.output_format(offered), None


def profile_headers(headers: dict[str, str], profile: str | None) -> dict[str, str]:
    """Return the headers with the profile's `Link: <uri>; rel="profile"` added (JSON-FG 1.0
    Annex A, profile-parameter tests)."""
    if profile is None:
        return headers
    entry = f'<{PROFILE_URI}{profile}>; rel="profile"'
    return {**headers, "Link": f"{headers['Link']}, {entry}" if headers.get("Link") else entry}


def conformance() -> list[str]:
    """Return the conformance classes of the registered formats, in their order."""
    return [uri for r in REGISTRY.values() for uri in r.conformance]


def views(kind: str = "items") -> list[Renderer]:
    """Return the formats that show a page or feature (not downloads): the alternate links."""
    return [r for r in REGISTRY.values() if not r.download and getattr(r, kind) is not None]


def downloads() -> list[Renderer]:
    """Return the download formats of items."""
    return [r for r in REGISTRY.values() if r.download and r.items is not None]


@dataclass
class Page:
    """One page of an items request: what to select, how to show it; selected on first use."""

    data: Dataset
    spec: CollectionSpec
    query: features.Query
    offset: int
    limit: int
    fields: tuple[str, ...] | None  # `properties`, None: all
    target: str  # the CRS asked for (`crs`)
    skip_geometry: bool
    paged: bool  # limit or offset were asked (downloads hold every match otherwise)
    etag: str
    headers: dict[str, str]  # Content-Crs and the licences' Link header
    licence_header: dict[str, str]
    link_builder: Callable[[str, int, int, int], list[dict]] = field(repr=False)
    timestamp: Callable[[], str] = field(repr=False)
    profile: str | None = None  # the GeoJSON profile asked (`?profile=`), None: not asked
    options: dict = field(default_factory=dict)  # parsed items extensions (params.Param.items)

    @cached_property
    def matched(self) -> np.ndarray:
        """Return the positions of every matching feature, in output order."""
        return features.select(self.data, self.spec, self.query)

    @property
    def positions(self) -> np.ndarray:
        """Return the positions of this page's features."""
        return self.matched[self.offset:self.offset + self.limit]

    def rows(self, positions: np.ndarray | None = None):
        """Return the page's rows (or those at `positions`) as a GeoDataFrame."""
        return self.data.collection(self.spec.name).iloc[self.positions if positions is None else positions]

    def links(self, fmt: str) -> list[dict]:
        """Return the page's links as shown in `fmt` (self, alternates, next/prev, collection)."""
        return self.link_builder(fmt, self.offset, self.limit, len(self.matched))

    def tail(self, fmt: str) -> bytes:
        """Return the members closing a FeatureCollection (counts, timeStamp, links), `}` last."""
        page = self.positions
        return features.dumps_bytes({
            "numberMatched": int(len(self.matched)),
            "numberReturned": int(len(page)),
            "timeStamp": self.timestamp(),
            "links": self.links(fmt),
        })[1:]


@dataclass
class Item:
    """One feature of an item request, found and checked; how each format shows it."""

    data: Dataset
    spec: CollectionSpec
    feature_id: str  # as asked (an area id of a versioned collection, or a feature id)
    pos: int
    row: Any
    target: str
    headers: dict[str, str]  # licences, or the Memento headers of a version
    version_links: list[dict]  # a versioned feature's links (empty otherwise)
    day: Any  # the day asked of an area (None: a feature asked by its id)
    etag_extra: tuple[str, ...]  # what else the answer depends on (today's version)
    link_builder: Callable[[str], list[dict]] = field(repr=False)
    profile: str | None = None  # the GeoJSON profile asked (`?profile=`), None: not asked

    def links(self, fmt: str) -> list[dict]:
        """Return the feature's links as shown in `fmt`."""
        return self.link_builder(fmt)

    def record_etag(self, fmt: str) -> str:
        """Return the ETag of the feature in `fmt`: led by the record id (what If-Match compares)."""
        return http.record_etag(self.data.record_id(self.spec.name, self.row["id"]), fmt,
                                *((self.profile,) if self.profile else ()), *self.etag_extra)
