"""Trailing slashes: `/collections/` answers 308 with the canonical path (the query kept).

GIS clients add a slash (`ogrinfo OAPIF:http://host/collections/`); every resource has exactly
one URL, so the slash form redirects. The Location is the configured BASE_URL or, without one, a
path relative to this host: never a URL built from the Host header. Only a path that routes
somewhere redirects, and leading slashes and backslashes are collapsed first, so `//evil.example/`
cannot become a protocol-relative `Location: //evil.example` (an open redirect).
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response


def canonical(path: str) -> str:
    """Return `path` without its trailing slashes and with one leading slash."""
    return "/" + path.lstrip("/\\").rstrip("/")


def _routes(path: str) -> bool:
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(path, method=request.method if request.method != "OPTIONS" else "GET")
    except RequestRedirect:
        return True
    except HTTPException:  # 404, or 405 for a method the canonical path does not take
        return False
    return True


def redirect_trailing_slash() -> Response | None:
    """Answer 308 for `/path/` when `/path` is a route of the service; otherwise do nothing."""
    path = request.path
    if path == "/" or not path.endswith("/"):
        return None
    target = canonical(path)
    if target == "/" or not _routes(target):
        return None
    # BASE_URL includes any path prefix; without it the path is relative to this host
    base = (current_app.config.get("BASE_URL") or "").rstrip("/") or request.script_root
    location = base + quote(target, safe="/:@!$&'()*+,;=-._~")
    if request.query_string:
        location += "?" + request.query_string.decode("ascii", "replace")
    response = Response(status=308, headers={"Location": location})
    response.autocorrect_location_header = False
    return response


def init_app(app: Flask) -> None:
    """Register the redirect before every request (after http.check_request's checks)."""
    app.before_request(redirect_trailing_slash)
