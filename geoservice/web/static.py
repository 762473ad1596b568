"""Static CSS/JS/images: fingerprinted URLs, precompressed bytes, ETag and 304.

`static_url("css/site.css")` returns `/static/css/site.css?v=<hash of the bytes>`. A request
carrying the current hash is answered `Cache-Control: public, max-age=31536000, immutable`: the
URL changes whenever the file does, so a browser never has to ask again. Without the hash (or with
an outdated one, e.g. an image that Leaflet's CSS names relatively) the answer may be kept briefly
and is revalidated by its ETag.

Text files are compressed once per file version (gzip, and Brotli when the `brotli` package is
installed) and chosen by Accept-Encoding, with `Vary: Accept-Encoding`. The cache holds one entry
per file that exists under the static folder (checked after a safe join), so its size is bounded
by the folder, never by what clients ask for; a changed file (same path, new size or mtime) is
read again.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import threading
from dataclasses import dataclass

from flask import Flask, Response, current_app, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

try:  # optional: Brotli is smaller than gzip for CSS/JS; gzip alone is fine without it
    import brotli
except ImportError:  # pragma: no cover - brotli is pinned in requirements.txt
    brotli = None

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=3600"
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
MIN_COMPRESS = 512


@dataclass(frozen=True)
class Asset:
    """One version of a static file: its bytes in each encoding and their content hash."""

    stamp: tuple[int, int]
    digest: str
    mimetype: str
    encodings: dict[str, bytes]  # "identity", "gzip", "br"


class StaticFiles:
    """The static folder, read once per file version."""

    def __init__(self, folder: str):
        self.folder = folder
        self.assets: dict[str, Asset] = {}
        self.lock = threading.Lock()

    def get(self, filename: str) -> Asset:
        path = safe_join(self.folder, filename)
        if path is None or not os.path.isfile(path):
            raise NotFound()
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size)
        asset = self.assets.get(path)
        if asset is not None and asset.stamp == stamp:
            return asset
        with open(path, "rb") as fh:
            raw = fh.read()
        mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if mimetype == "text/javascript":
            mimetype = "application/javascript"
        encodings = {"identity": raw}
        if mimetype.startswith(COMPRESSIBLE) and len(raw) >= MIN_COMPRESS:
            encodings["gzip"] = gzip.compress(raw, 9, mtime=0)
            if brotli is not None:
                encodings["br"] = brotli.compress(raw, quality=11)
        asset = Asset(stamp, hashlib.sha256(raw).hexdigest()[:16], mimetype, encodings)
        with self.lock:
            self.assets[path] = asset
        return asset


def _files() -> StaticFiles:
    return current_app.extensions["geoservice.static"]


def static_url(filename: str) -> str:
    """Return the fingerprinted URL of a static file (`?v=` the hash of its bytes)."""
    try:
        digest = _files().get(filename).digest
    except NotFound:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=digest)


def _encoding(asset: Asset) -> str:
    accept = request.accept_encodings
    for name in ("br", "gzip"):
        if name in asset.encodings and accept[name] > 0:
            return name
    return "identity"


def serve(filename: str) -> Response:
    """Answer a static file: the chosen encoding, ETag/304, long caching for the current hash."""
    asset = _files().get(filename)
    encoding = _encoding(asset)
    tag = asset.digest if encoding == "identity" else f"{asset.digest}-{encoding}"
    current = request.args.get("v") == asset.digest
    headers = {"ETag": f'"{tag}"', "Cache-Control": IMMUTABLE if current else REVALIDATE,
               "Vary": "Accept-Encoding", "X-Content-Type-Options": "nosniff"}
    if request.if_none_match and (request.if_none_match.contains(tag)
                                  or request.if_none_match.star_tag):
        return Response(status=304, headers=headers)
    body = asset.encodings[encoding]
    response = Response(body, mimetype=asset.mimetype, headers=headers)
    if encoding != "identity":
        response.headers["Content-Encoding"] = encoding
    if asset.mimetype.startswith("text/") or asset.mimetype == "application/javascript":
        response.headers["Content-Type"] = f"{asset.mimetype}; charset=utf-8"
    return response


def init_app(app: Flask) -> None:
    """Serve app.static_folder through `serve` and offer `static_url()` to templates."""
    app.extensions["geoservice.static"] = StaticFiles(app.static_folder)
    app.view_functions["static"] = serve
    app.add_template_global(static_url, "static_url")
