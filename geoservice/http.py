"""HTTP plumbing shared by every blueprint: current data, content negotiation, caching, errors."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from email.utils import format_datetime
from urllib.parse import quote, unquote_plus

from flask import Flask, Response, current_app, g, render_template, request
from flask import Request as FlaskRequest
from flask.globals import request_ctx
from sqlalchemy import exc as sa_exc
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, RequestURITooLarge

from geoservice import cache, i18n, params
from geoservice.compression import COMPRESSIBLE, GZIP_MIN_BYTES, BytesLRU, compress
from geoservice.current import dataset
from geoservice.errors import (
    GeoserviceError,
    InvalidParameter,
    NotAcceptable,
    PreconditionFailed,
    ServiceUnavailable,
    Unauthorized,
    UnknownParameter,
    database_away,
    unavailable,
)
from geoservice.negotiation import FORMAT_ALIASES, MAX_QUERY_BYTES, MEDIA_TYPES, content_coding
from geoservice.writes import feature_etag

# Control characters refused in query parameters (tab and line breaks may occur in free text)
# and in paths (none at all: no id holds one).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Parameters every resource accepts besides its own (recorded: the register as published then).
COMMON_PARAMS = frozenset(params.COMMON)
# How long clients may keep answers about past states of the register: they never change.
IMMUTABLE_MAX_AGE = 365 * 24 * 3600


class Args(ImmutableMultiDict):
    """Query (and form) parameters whose get() of an absent name is a dict lookup: werkzeug's
    raises and catches a BadRequestKeyError, about 14 times in an items request."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        if key not in self:
            return default
        return super().get(key, default, type)


class Request(FlaskRequest):
    """The request class of the app (create_app sets it)."""

    parameter_storage_class = Args


def _(message: str, **values) -> str:
    """Translate a UI string into the request's language."""
    return i18n.translate(message, g.get("lang", "de"), **values)


def wants_html() -> bool:
    """Return True if the client asked for HTML (?f=html, or a browser's Accept header)."""
    fmt = request.args.get("f")
    if fmt:
        return fmt == "html"
    best = request.accept_mimetypes.best_match(
        ["application/json", "application/geo+json", "text/html"], default="application/json"
    )
    return best == "text/html" and request.accept_mimetypes["text/html"] > 0


def output_format(offered: Iterable[str] = ("json", "html")) -> str:
    """Return the format to answer in: `?f=` if given, else the best `Accept` match, else json.

    Raise NotAcceptable (406) naming the value when neither offers a format of this resource.
    """
    offered = tuple(offered)
    fmt = request.args.get("f")
    if fmt is not None:
        fmt = FORMAT_ALIASES.get(fmt.strip().lower(), fmt.strip().lower())
        if fmt not in offered:
            raise NotAcceptable(f"f: '{request.args['f']}' is not offered here; use one of "
                                f"{', '.join(offered)}")
        return fmt
    header = request.headers.get("Accept", "").strip()
    if not header:
        return offered[0]
    by_type = {mt: name for name in offered for mt in MEDIA_TYPES[name]}
    best = request.accept_mimetypes.best_match(list(by_type))
    if best is None:
        raise NotAcceptable(f"Accept: '{header}' matches no format of this resource; offered: "
                            f"{', '.join(mt for name in offered for mt in MEDIA_TYPES[name][:1])}")
    return by_type[best]


def check_params(allowed: Iterable[str]) -> None:
    """Raise UnknownParameter for a query parameter the resource does not know or one repeated."""
    allowed = COMMON_PARAMS.union(allowed)
    lang = request.args.get("lang")
    if lang is not None and lang not in i18n.LANGUAGES:
        raise InvalidParameter(f"lang: '{lang}' is not offered; use one of {', '.join(i18n.LANGUAGES)}")
    for name in request.args:
        if name not in allowed:
            raise UnknownParameter(f"unknown parameter '{name}'; allowed here: "
                                   f"{', '.join(sorted(allowed))}")
        _given_once(name)


def _given_once(name: str) -> None:
    """Refuse a parameter given more than once with different values. The same value twice is
    one: GDAL appends its connection URL's query to every URL, also to a `next` link that
    already holds it in another spelling (`%3A` for `:`)."""
    values = request.args.getlist(name)
    if len(set(values)) > 1:
        raise InvalidParameter(f"{name}: given more than once with different values "
                               f"({', '.join(values)}); give it once")


def query_pieces() -> dict[str, str]:
    """Return the caller's query as {name: `name=value` as the caller spelled it}, in the
    caller's order; a repeated parameter once (its first spelling). Characters a URL may not
    hold are percent-encoded; existing escapes stay as they are."""
    pieces: dict[str, str] = {}
    for piece in request.query_string.decode("latin-1").split("&"):
        if not piece:
            continue
        name = unquote_plus(piece.partition("=")[0])
        pieces.setdefault(name, quote(piece, safe="!$'()*+,;=:@/?%-._~"))
    return pieces


def check_page_params(allowed: Iterable[str]) -> None:
    """Check the parameters of an HTML page: known ones strictly, unknown ones ignored.

    Links pick up tracking parameters on the way (utm_*, fbclid, gclid, ...); a person following
    one should get the page, not a 400. Known parameters (and lang) are still validated; the JSON
    API stays strict (check_params). What a page accepts beyond the API's spelling of a known
    parameter is its declaration's `page` (geoservice.params).
    """
    known = COMMON_PARAMS.union(allowed)
    lang = request.args.get("lang")
    if lang is not None and lang not in i18n.LANGUAGES:
        raise InvalidParameter(f"lang: '{lang}' is not offered; use one of {', '.join(i18n.LANGUAGES)}")
    for name in request.args:
        if name in known:
            _given_once(name)


def check_params_for(allowed: Iterable[str], offered: Iterable[str] = ("json", "html")) -> None:
    """Strict parameters for JSON (and other data formats), lenient ones for an HTML answer."""
    try:
        fmt = output_format(offered)
    except NotAcceptable:
        fmt = None
    if fmt == "html":
        check_page_params(allowed)
    else:
        check_params(allowed)


def check_request() -> None:
    """Refuse what no resource reads, before any parses it: 414 for an overlong query string,
    400 naming the parameter for a NUL or other control character in a name or value (or the
    path)."""
    limit = int(current_app.config.get("MAX_QUERY_BYTES") or MAX_QUERY_BYTES)
    if len(request.query_string) > limit:
        raise RequestURITooLarge(f"the query string has {len(request.query_string)} bytes; "
                                 f"at most {limit} are answered")
    if _PATH_CONTROL.search(request.path):
        # no id holds one, and a line break would otherwise make routing answer 405
        raise InvalidParameter(f"path: '{_PATH_CONTROL.sub('?', request.path)[:200]}' contains a "
                               "control character (e.g. NUL or a line break); remove it")
    for name, value in request.args.items(multi=True):
        if _CONTROL.search(name) or _CONTROL.search(value):
            raise InvalidParameter(f"{_CONTROL.sub('?', name)[:80]}: '{_CONTROL.sub('?', value)[:80]}' "
                                   "contains a control character (e.g. NUL); remove it")


def base_url() -> str:
    """Return the public base URL ending in '/': config BASE_URL, else the request's host URL."""
    if "base_url" not in g:
        configured = current_app.config.get("BASE_URL") or ""
        g.base_url = configured.rstrip("/") + "/" if configured else request.host_url
    return g.base_url


def etag_for(*parts: str | bytes) -> str:
    """Return a strong ETag from the parts that determine a response body."""
    digest = hashlib.blake2b(digest_size=12)
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def request_etag(*extra: str) -> str:
    """Return an ETag from the data version, the request (path, query, base URL, language) and extra."""
    # any order: the same tag; NUL and \x01 separate (check_request refuses both in parameters)
    query = "\0".join(f"{name}\x01{value}" for name, value in sorted(request.args.items(multi=True)))
    # another spelling than the canonical one: links repeat it (api/links.py), so the tag too
    spelled = "" if cache.canonical_query() is not None else request.query_string.decode("latin-1")
    return etag_for(dataset().version, request.path, query, base_url(), g.get("lang", "de"),
                    spelled, *extra)


def record_etag(record_id: int | None, *extra: str) -> str:
    """Return the ETag of one feature's representation (writes.feature_etag: record id first)."""
    return feature_etag(record_id, request_etag(*extra))


def _encoding() -> str | None:
    return content_coding(request.environ.get("HTTP_ACCEPT_ENCODING"))


def language(default: str) -> str:
    """Return the UI language: ?lang=, then the cookie, then Accept-Language, then `default`.

    Resolved once per request (before_request); the headers are parsed only when present.
    """
    environ = request.environ
    requested = request.args.get("lang")
    if requested in i18n.LANGUAGES:
        return requested
    cookie = request.cookies.get("lang") if "HTTP_COOKIE" in environ else None
    if "HTTP_ACCEPT_LANGUAGE" not in environ and cookie not in i18n.LANGUAGES:
        return default
    return i18n.negotiate(None, cookie, request.accept_languages, default)


def _is_fresh(tag: str, last_modified) -> bool:
    environ = request.environ
    if "HTTP_IF_NONE_MATCH" not in environ and "HTTP_IF_MODIFIED_SINCE" not in environ:
        return False
    if request.if_none_match:
        return request.if_none_match.contains(tag) or request.if_none_match.star_tag
    since = request.if_modified_since
    return since is not None and last_modified <= since


def respond(body: bytes | str | Callable[[], bytes | str], mimetype: str, etag: str | None = None,
            status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Return a data response with ETag, Last-Modified, Cache-Control and compression (zstd or
    gzip, as the client accepts), or 304 when fresh.

    `body` may be a callable (then `etag` is required): it is only called when the client's copy
    is stale, so a 304 costs no serialization. Compressed bodies are cached by ETag; bytes passed
    in (not built) are the same for the whole snapshot and are compressed harder, once.
    """
    data = dataset()
    static = not callable(body)
    if not static:
        if etag is None:
            raise TypeError("respond() needs an etag when the body is built lazily")
    else:
        body = body.encode("utf-8") if isinstance(body, str) else body
        etag = etag or etag_for(data.version, body)
    coding = (_encoding() if status == 200 and mimetype.split(";")[0].strip() in COMPRESSIBLE
              else None)
    tag = f"{etag}-{'gz' if coding == 'gzip' else 'zst'}" if coding else etag
    max_age = current_app.config["CACHE_MAX_AGE"]
    common = {
        "ETag": f'"{tag}"',
        "Last-Modified": data.memo(("http", "last-modified"),
                                   lambda: format_datetime(data.last_modified, usegmt=True)),
        "Cache-Control": (f"public, max-age={IMMUTABLE_MAX_AGE}, immutable" if g.get("immutable")
                          # an editor asks again each time (a 304 while nothing changed), so
                          # the public pages show their own edit at once, not up to max-age later
                          else "private, no-cache" if cache.has_session(request.environ)
                          else f"public, max-age={max_age}"),
        "Vary": "Accept, Accept-Language, Accept-Encoding, Cookie",
    }
    if status == 200 and _is_fresh(tag, data.last_modified):
        response = Response(status=304, headers=common)
        for name, value in (headers or {}).items():
            if name.lower() in ("content-crs", "link", "memento-datetime"):
                response.headers[name] = value
        return response
    # bodies are kept (by ETag) only for a canonical request (cache.py): no other spelling or Host
    # adds an entry
    keep = cache.memo_key() is not None
    if callable(body):
        build = body

        def _build() -> bytes:
            value = build()
            return value.encode("utf-8") if isinstance(value, str) else value

        # built bodies are cached by ETag: a repeated query is a dict lookup, not a rebuild
        body = data.memo("http:bodies", BytesLRU).get(etag, _build) if keep else _build()
    response = Response(status=status, mimetype=mimetype, headers=common)
    response.headers.update(headers or {})
    if coding and len(body) >= GZIP_MIN_BYTES:
        raw = body
        if keep:
            kept = data.memo("http:static" if static else "http:gzip", BytesLRU)
            body = kept.get(tag, lambda: compress(raw, coding, static))
        else:
            body = compress(raw, coding, static)
        response.headers["Content-Encoding"] = coding
    response.set_data(body)
    return response


# the HTML error page's heading per status (410: an area asked for a day none of its versions was
# in force, api/versions.py); others show status and code
ERROR_HEADINGS = {400: "Ungültige Anfrage", 404: "Nicht gefunden", 410: "An diesem Tag nicht in Kraft"}


def render_error(status: int, code: str, description: str, problems: list[str] | None = None,
                 public: str | None = None) -> Response:
    """Answer an error as JSON {code, description[, problems]}, or as an HTML page for browsers
    (headed in the page's language, leading with the `public` sentence when there is one)."""
    # no URL adapter (e.g. an invalid or untrusted Host): the page could build no link, so JSON
    if wants_html() and request_ctx.url_adapter is not None:
        heading = _(ERROR_HEADINGS[status]) if status in ERROR_HEADINGS else f"{status} {code}"
        html = render_template("error.html", status=status, code=code, description=description,
                               heading=heading, public=public)
        return Response(html, status=status, mimetype="text/html")
    document = {"code": code, "description": description}
    if problems:
        document["problems"] = problems  # every problem of a rejected feature, one per entry
    response = current_app.json.response(document)
    response.status_code = status
    return response


def _cors(response: Response) -> Response:
    """Allow any origin to read GET/HEAD answers and pass preflight OPTIONS requests."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = (
        "ETag, Last-Modified, Content-Crs, Content-Disposition, Link, Memento-Datetime")
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"  # writes: same origin
        response.headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "Accept, Accept-Language, If-None-Match")
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _redirect_without_host(response: Response) -> Response:
    """Point a redirect of this service (e.g. routing's /areas//x -> /areas/x) at BASE_URL or
    at a path, never at the request's Host: a forged Host must not send anyone elsewhere."""
    location = response.headers.get("Location", "")
    if 300 <= response.status_code < 400 and location.startswith(request.url_root):
        path = location[len(request.url_root):]
        configured = current_app.config.get("BASE_URL") or ""
        response.headers["Location"] = (configured.rstrip("/") + "/" + path if configured
                                        else request.script_root + "/" + path)
    return response


def init_app(app: Flask) -> None:
    """Register error handlers and CORS (the factory registers the blueprints)."""

    @app.errorhandler(GeoserviceError)
    def _domain_error(exc: GeoserviceError):
        response = render_error(exc.status, exc.code, exc.description, getattr(exc, "problems", None),
                                getattr(exc, "public", None))
        if isinstance(exc, Unauthorized):
            response.headers["WWW-Authenticate"] = 'Bearer realm="geoservice"'
        if isinstance(exc, PreconditionFailed) and exc.current is not None:
            response.headers["ETag"] = f'"{exc.current}-current"'  # what If-Match must name now
        if isinstance(exc, ServiceUnavailable):
            response.headers["Retry-After"] = str(exc.retry_after)
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    def _database_away(exc: sa_exc.DBAPIError):
        """The database cannot be reached (or is locked): 503, never a 500; reads go on from memory."""
        reason = unavailable(exc)
        if reason is None:
            raise exc
        if reason != "database is locked":  # (SQLite, busy): not an outage
            current_app.extensions["geoservice"].went_away(reason)
        return _domain_error(database_away(reason))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        description = exc.description or ""
        if exc.code == 400 and request_ctx.url_adapter is None:  # Flask refused the Host header
            host = request.headers.get("Host", "")
            shown = host if len(host) <= 300 else f"{host[:300]}…"
            description = (f"Host: '{shown}' is not a valid host name, or not one this service "
                           "answers to")
        response = render_error(exc.code or 500, exc.name.replace(" ", ""), description)
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    app.before_request(check_request)
    app.after_request(_cors)
    app.after_request(_redirect_without_host)
