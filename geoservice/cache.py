"""Caches keyed only on canonical values, and the response cache in front of Flask.

No cache of this service is keyed on raw client input. A key is built from validated, normalised
values of finite (or data-bounded) sets:

- the host only when links may be built from it: the configured `BASE_URL` (then the Host is not
  part of any key), a name of `ALLOWED_HOSTS` (exact names; Flask refuses the others), or, with
  neither configured (local runs), a loopback name. An answer for any other Host is built but
  never kept, so 20,000 forged Host headers leave no entry behind;
- the query only when it is in canonical spelling (`canonical_query`): every parameter known,
  given once, and its value spelled the one way the service itself writes it (`limit=10`, not
  `limit=+010`; `bbox=13.7,51,13.8,51.1`, not `5.1e1`; `properties` in schema order; a filter
  value that occurs in the data). Other spellings are answered alike but not kept, and
  parameters an HTML page ignores (`utm_*`, `fbclid`, ...) make a request uncacheable rather
  than a new entry. Parameters are keyed in sorted order, and links list them sorted, so every
  ordering of one request is one entry with the same bytes;
- the negotiation headers reduced to what negotiation reads: the `Accept` entries that can match
  a format of the service (with qualities of at most 3 decimals), the negotiated language, and
  whether gzip is accepted. Other headers and cookies are not read; a session cookie or an
  `Authorization` header bypasses the cache.

`ResponseCache` keeps finished 200 answers per canonical request and dataset (a reload empties it),
bounded by entries and bytes (LRU). Conditional requests go through Flask, which answers 304.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from urllib.parse import parse_qsl

from flask import current_app, g, request
from werkzeug.datastructures import LanguageAccept, MIMEAccept
from werkzeug.http import parse_accept_header, parse_cookie

from geoservice import i18n, params
from geoservice.domain import clock
from geoservice.errors import GeoserviceError
from geoservice.negotiation import MAX_QUERY_BYTES, MEDIA_TYPES, content_coding
from geoservice.storage.holder import DataHolder

# Host names links may be built from when neither BASE_URL nor ALLOWED_HOSTS is configured.
LOOPBACK = frozenset({"localhost", "127.0.0.1", "[::1]"})
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9.-]{1,253})(?::([0-9]{1,5}))?\Z", re.ASCII)
_WILDCARDS = ("*/*", "application/*", "text/*")
MAX_ACCEPT_ENTRIES = 16
SESSION_COOKIES = ("session=", "remember_token=")
# environ key by which the app tells the response cache that this request's key is canonical
CANONICAL = "geoservice.canonical"


# --------------------------------------------------------------------------- hosts

def trusted_host(host: str | None, config) -> str | None:
    """Return the Host, normalised, when links may be built from it; None when they may not.

    With BASE_URL configured the Host never reaches a link: '' (the same key for every Host).
    """
    if config.get("BASE_URL"):
        return ""
    match = _HOST.match((host or "").strip().lower())
    if match is None or (match.group(2) is not None and int(match.group(2)) > 65535):
        return None
    allowed = config.get("ALLOWED_HOSTS") or ()
    names = {name.lower() for name in allowed if not name.startswith(".")} if allowed else LOOPBACK
    return match.group(0) if match.group(1) in names else None


def base_key() -> str | None:
    """Return the part of a memo key that stands for this request's base URL (None: keep nothing)."""
    if "cache_base_key" not in g:
        host = trusted_host(request.environ.get("HTTP_HOST"), current_app.config)
        g.cache_base_key = None if host is None else (request.scheme, host, request.script_root)
    return g.cache_base_key


# --------------------------------------------------------------------------- query

def _value_is_canonical(name: str, value: str) -> bool:
    """Return True when `value` of parameter `name` is spelled the one way the service writes it
    (its declaration in geoservice.params says; undeclared names, such as utm_* on a page, and
    free text such as q are never part of a key)."""
    spec = params.spec_of_request(request.view_args)
    declared = params.declaration(name, spec)
    return declared is not None and declared.is_canonical(value, spec)


def canonical_query() -> tuple[tuple[str, str], ...] | None:
    """Return this request's parameters as sorted (name, value) pairs when every one is known and
    canonically spelled (see the module docstring), else None: then nothing may keep the answer."""
    if "canonical_query" not in g:
        pairs = tuple(sorted(request.args.items(multi=True)))
        names = [name for name, _ in pairs]
        try:
            ok = len(set(names)) == len(names) and all(_value_is_canonical(n, v) for n, v in pairs)
        except GeoserviceError:  # e.g. a bad recorded= (its handler answers the 4xx)
            ok = False
        g.canonical_query = pairs if ok else None
    return g.canonical_query


def memo_key(*parts, query: bool = True) -> tuple | None:
    """Return a Dataset.memo key of `parts` plus the trusted base URL, the language and (with
    `query`) the canonical query; None when this request must not add a memo entry (forged
    Host, another spelling). `parts` must themselves be validated values."""
    base = base_key()
    canonical = canonical_query() if query else ()
    if base is None or canonical is None:
        return None
    return (*parts, base, g.get("lang", "de"), canonical)


def memo(data, parts: tuple, factory, query: bool = True):
    """Dataset.memo under memo_key(*parts), or build without keeping when there is none."""
    key = memo_key(*parts, query=query)
    return factory() if key is None else data.memo(key, factory)


def mark_canonical(response):
    """after_request: tell the response cache whether this answer may be kept."""
    request.environ[CANONICAL] = (response.status_code == 200 and canonical_query() is not None
                                  and trusted_host(request.environ.get("HTTP_HOST"), current_app.config) is not None)
    return response


# --------------------------------------------------------------------------- response cache

def _accept_key(header: str | None) -> tuple | None:
    """Return the Accept entries negotiation can act on (known formats and wildcards, in the
    order the parser ranks them), or None when the header is not reducible to a finite key."""
    if header is None:
        return ()
    if not header.strip():
        return ("",)
    known = {mt for types in MEDIA_TYPES.values() for mt in types} | {"application/link-format"}
    entries = []
    for value, quality in parse_accept_header(header, MIMEAccept):
        value = value.lower()
        if value not in known and value not in _WILDCARDS:
            if value.split(";")[0].strip() in known:
                return None  # a known type with parameters: leave it to Flask, keep nothing
            continue
        milli = quality * 1000
        if milli != int(milli):
            return None  # RFC 9110 qvalues have at most 3 decimals
        entries.append((value, int(milli)))
    if len(entries) > MAX_ACCEPT_ENTRIES:
        return None
    return ("*", *entries)


def has_session(environ) -> bool:
    """Return True when the request carries an editor's session (or remember) cookie."""
    cookie = environ.get("HTTP_COOKIE", "")
    return any(name in cookie for name in SESSION_COOKIES)


def request_key(environ, config) -> tuple | None:
    """Return the canonical key of a GET from its WSGI environ, or None: not to be cached."""
    cookie = environ.get("HTTP_COOKIE", "")
    if has_session(environ):
        return None  # an editor's session: answers may be personal
    raw = environ.get("QUERY_STRING", "")
    if len(raw) > int(config.get("MAX_QUERY_BYTES") or MAX_QUERY_BYTES):
        return None  # Flask answers 414, whatever the parameters decode to
    host = trusted_host(environ.get("HTTP_HOST"), config)
    accept = _accept_key(environ.get("HTTP_ACCEPT"))
    if host is None or accept is None:
        return None
    query = parse_qsl(raw, keep_blank_values=True, errors="replace")
    asked = next((v for k, v in query if k == "lang"), None)
    lang_cookie = parse_cookie(cookie).get("lang") if cookie else None
    if asked in i18n.LANGUAGES and asked != lang_cookie:
        # the answer remembers the choice (Set-Cookie, web/__init__.py): kept for a client that
        # already has the cookie, it would be replayed without it to one that has not
        return None
    languages = parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept)
    lang = i18n.negotiate(asked, lang_cookie, languages, config["DEFAULT_LANGUAGE"])
    coding = content_coding(environ.get("HTTP_ACCEPT_ENCODING"))  # as respond() will choose
    return (environ.get("PATH_INFO"), environ.get("SCRIPT_NAME"), environ.get("wsgi.url_scheme"),
            host, tuple(sorted(query)), accept, lang, coding, clock.today())


class ResponseCache:
    """WSGI middleware keeping finished GET responses per canonical request and dataset, bounded
    by count and bytes (LRU)."""

    def __init__(self, app, holder: DataHolder, config, max_items: int = 4096,
                 max_bytes: int = 32 * 2**20):
        self.app, self.holder, self.config = app, holder, config
        self.max_items, self.max_bytes = max_items, max_bytes
        self.max_body = max_bytes // 16  # one large download must not evict everything else
        self.items: OrderedDict[tuple, tuple] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()
        self.dataset = None

    def __call__(self, environ, start_response):
        if (environ.get("REQUEST_METHOD") != "GET" or "HTTP_IF_NONE_MATCH" in environ
                or "HTTP_IF_MODIFIED_SINCE" in environ or "HTTP_AUTHORIZATION" in environ):
            # an authenticated answer (an administrator's history) is never kept for others
            return self.app(environ, start_response)
        data = self.holder.dataset  # also triggers the throttled reload check
        if data is not self.dataset:
            with self.lock:
                self.items.clear()
                self.size = 0
                self.dataset = data
        key = request_key(environ, self.config)
        if key is None:
            return self.app(environ, start_response)
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
        if hit is not None:
            start_response(hit[0], list(hit[1]))
            return [hit[2]]
        captured: list = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        try:
            payload = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        status, headers = captured
        if (status.startswith("200 ") and environ.get(CANONICAL) is True
                and len(payload) <= self.max_body and data is self.dataset
                and not any(name.lower() == "set-cookie" or (name.lower() == "cache-control"
                                                               and ("no-store" in value or "private" in value))
                            for name, value in headers)):
            self._put(key, (status, tuple(headers), payload))
        return [payload]

    def _put(self, key: tuple, value: tuple) -> None:
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.size -= len(old[2])
            self.items[key] = value
            self.size += len(value[2])
            while len(self.items) > self.max_items or self.size > self.max_bytes:
                _, evicted = self.items.popitem(last=False)
                self.size -= len(evicted[2])
