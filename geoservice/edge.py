"""The edge of the app, outside Flask: request bodies bounded, security headers on every response.

`parse_json` is the one parser of JSON bodies: invalid JSON or nesting deeper than MAX_DEPTH is
a 400 naming the problem, never a RecursionError.

`BodyLimit` reads every request body (Content-Length or chunked) in bounded pieces before Flask,
WTForms or a JSON parser sees it, and answers 413 past MAX_BODY_BYTES: no endpoint can be made to
hold more. `SecureHeaders` adds nosniff, the Referrer-Policy, framing rules and a default CSP to
every response, the 413s above, cached answers and errors included; HTML pages get their own CSP
(`page_csp`, set in Flask's after_request) that allows exactly the inline scripts they carry, by
hash.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import threading
from urllib.parse import parse_qs, urlsplit

from geoservice.compression import BytesLRU, decompress
from geoservice.errors import InvalidParameter

CHUNK = 64 * 1024
MAX_DEPTH = 32  # JSON nesting: a GeoJSON feature needs 7 (Feature, geometry, MultiPolygon's 4, point)
# a response without its own CSP (JSON, files, errors) may load nothing and be framed by no one
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# inline <script> blocks a browser runs (no src, no data type such as application/json)
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/(?:ld\+)?json\")"
                            rb"[^>]*>(.*?)</script>", re.S | re.I)


class BodyLimit:
    """WSGI middleware: a request body over `limit` bytes is answered 413 before the app reads it.

    A declared Content-Length over the limit is refused unread. A body without one (chunked) is
    read in CHUNK pieces up to the limit and handed on as a buffer with its length; one byte more
    and the answer is 413 with `Connection: close`, the rest never read. A body larger than CHUNK
    (declared or found) is read, and its request served, only while one of `at_once` places for
    large bodies is free (per worker): many large bodies at once wait their turn (up to `wait`
    seconds, then 503), so they cannot add up to more than `at_once` x `limit` bytes.
    """

    def __init__(self, app, limit: int, at_once: int = 2, wait: float = 30):
        self.app, self.limit, self.wait = app, limit, wait
        self.places = threading.BoundedSemaphore(at_once)

    def __call__(self, environ, start_response):
        declared = (environ.get("CONTENT_LENGTH") or "").strip()
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if declared and not chunked:
            if not declared.isdigit():
                return _refuse(start_response, 400, "BadRequest",
                               f"Content-Length: '{declared[:40]}' is not a number of bytes")
            if int(declared) > self.limit:
                return _refuse(start_response, 413, "RequestEntityTooLarge",
                               f"the body has {int(declared)} bytes; at most {self.limit} "
                               "are accepted")
            if int(declared) <= CHUNK:
                return self.app(environ, start_response)
        # no declared length: chunked (HTTP/1.1), or a stream the server ends itself (an HTTP/2
        # body without content-length); a GET's or HEAD's body is never read by any route
        elif not chunked and (environ.get("REQUEST_METHOD") in ("GET", "HEAD", "OPTIONS")
                              or not environ.get("wsgi.input_terminated")):
            return self.app(environ, start_response)
        stream = environ["wsgi.input"]
        if not declared or chunked:
            first = _read(stream, CHUNK)
            rest = _read(stream, 1) if len(first) == CHUNK else b""
            if not rest:  # a small body: no place needed
                return self._serve(environ, start_response, first)
            kept, size = [first, rest], len(first) + 1
        else:
            kept, size = [], 0
        if not self.places.acquire(timeout=self.wait):
            return _refuse(start_response, 503, "ServiceUnavailable",
                           "too many large request bodies at once; try again in a minute")
        try:
            remaining = int(declared) if declared and not chunked else None
            while remaining is None or size < remaining:
                piece = stream.read(CHUNK if remaining is None else min(CHUNK, remaining - size))
                if not piece:
                    break
                size += len(piece)
                if size > self.limit:
                    return _refuse(start_response, 413, "RequestEntityTooLarge",
                                   f"the body has more than {self.limit} bytes; at most "
                                   f"{self.limit} are accepted")
                kept.append(piece)
            body = b"".join(kept)
            del kept
            return self._serve(environ, start_response, body)
        finally:
            self.places.release()

    def _serve(self, environ, start_response, body: bytes):
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = True
        return self.app(environ, start_response)


def parse_json(raw: bytes):
    """Return the JSON value of a request body (empty: None), at most MAX_DEPTH deep; else raise
    InvalidParameter naming the problem."""
    too_deep = InvalidParameter(f"the body nests JSON arrays or objects more than {MAX_DEPTH} deep")
    try:
        value = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidParameter(f"the body is not valid JSON ({exc})") from None
    except RecursionError:
        raise too_deep from None
    deepest, todo = 0, [(value, 1)]
    while todo:  # iteratively: before any recursive step (a merge patch, checks) meets it
        item, level = todo.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                raise too_deep
            todo.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return value


def _read(stream, size: int) -> bytes:
    """Read `size` bytes, or fewer at the end of the body (a read may return less than asked)."""
    pieces, have = [], 0
    while have < size:
        piece = stream.read(size - have)
        if not piece:
            break
        pieces.append(piece)
        have += len(piece)
    return b"".join(pieces)


def _refuse(start_response, status: int, code: str, description: str):
    body = json.dumps({"code": code, "description": description}).encode()
    reason = {400: "Bad Request", 413: "Content Too Large", 503: "Service Unavailable"}[status]
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
               ("Cache-Control", "no-store"), ("Connection", "close")]
    if status == 503:
        headers.append(("Retry-After", "60"))
    start_response(f"{status} {reason}", headers)
    return [body]


class SecureHeaders:
    """WSGI middleware: nosniff, Referrer-Policy and framing rules on every response; a default
    CSP on those without their own (pages get theirs from page_csp)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        x_frame, _ = framing(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))

        def _start(status, headers, exc_info=None):
            names = {name.lower() for name, _ in headers}
            extra = [("X-Content-Type-Options", "nosniff"),
                     ("Referrer-Policy", "strict-origin-when-cross-origin")]
            if x_frame:
                extra.append(("X-Frame-Options", x_frame))
            # a 304 gets none: its headers would replace the kept page's own CSP in the browser
            if "content-security-policy" not in names and not status.startswith("304"):
                extra.append(("Content-Security-Policy", DEFAULT_CSP))
            return start_response(status, [*headers, *(h for h in extra if h[0].lower() not in names)],
                                  exc_info)

        return self.app(environ, _start)


def framing(path: str, query: str) -> tuple[str | None, str]:
    """Return (X-Frame-Options or None, CSP frame-ancestors) for a request: the editor in no
    frame, a page with embed=1 (a map meant for other sites' pages) in any, the rest in the
    service's own."""
    if path.startswith("/edit"):
        return "DENY", "'none'"
    if "1" in parse_qs(query).get("embed", ()):
        return None, "*"
    return "SAMEORIGIN", "'self'"


def tile_sources(*templates: str) -> list[str]:
    """CSP sources of tile URL templates ({s}, {z}, ... in the host become a wildcard label)."""
    sources = []
    for template in templates:
        if not template:
            continue
        parts = urlsplit(template)
        host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
        if parts.scheme in ("http", "https") and host:
            sources.append(f"{parts.scheme}://{host}")
    return sources


# the script hashes of recent page bodies, by ETag (the one size-bounded LRU, compression.py)
_hashes = BytesLRU(max_bytes=2**20)


def script_hashes(html: bytes) -> str:
    """Return the CSP sources ('sha256-...') of every inline script of an HTML page."""
    digests = dict.fromkeys(
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html))
    return " ".join(digests)


def page_csp(response, tiles: list[str], frame_ancestors: str) -> None:
    """Set the CSP of an HTML page: its own scripts (by hash) and styles, tiles, nothing else.

    Inline styles stay allowed ('unsafe-inline' in style-src): Leaflet and the popups set style
    attributes in markup they build; scripts, the dangerous half, are allowed by hash only.
    """
    if (response.mimetype != "text/html" or response.direct_passthrough
            or response.status_code == 304):  # a 304 keeps the CSP of the page it confirms
        return
    etag = response.headers.get("ETag")

    def build() -> str:
        return script_hashes(decompress(response.get_data(), response.headers.get("Content-Encoding")))

    scripts = _hashes.get(etag, build) if etag else build()
    response.headers["Content-Security-Policy"] = "; ".join([
        "default-src 'self'",
        f"script-src 'self' {scripts}".rstrip(),
        "style-src 'self' 'unsafe-inline'",
        " ".join(["img-src 'self' data: blob:", *tiles]),
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


def init_app(app) -> None:
    """Give every HTML page of the app its CSP (the WSGI middlewares are wrapped by the factory)."""
    from flask import request

    tiles = tile_sources(app.config.get("TILE_URL", ""), app.config.get("TILE_CONSENT_URL", ""))

    @app.after_request
    def _page_csp(response):
        page_csp(response, tiles, framing(request.path, request.query_string.decode("latin-1"))[1])
        return response
