"""A response cache in front of Flask: a repeated GET is answered from final bytes.

Every GET answer of this service depends only on the request line, Host and the negotiation
headers (Accept, Accept-Language, Accept-Encoding, the language cookie), on the dataset and, for
pages that default to today, on the date. So finished 200 responses are kept per request variant
and served without entering Flask; the cache is emptied whenever a reload swaps the Dataset.
Conditional requests go through Flask, which answers 304.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

from geoservice.storage.holder import DataHolder

VARY = ("PATH_INFO", "QUERY_STRING", "HTTP_HOST", "wsgi.url_scheme", "SCRIPT_NAME", "HTTP_ACCEPT",
        "HTTP_ACCEPT_LANGUAGE", "HTTP_ACCEPT_ENCODING", "HTTP_COOKIE")


class ResponseCache:
    """WSGI middleware keeping finished GET responses per dataset, bounded by count and bytes."""

    def __init__(self, app, holder: DataHolder, max_items: int = 4096, max_bytes: int = 32 * 2**20):
        self.app, self.holder = app, holder
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
        key = (*(environ.get(name) for name in VARY), date.today())
        hit = self.items.get(key)
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
        if (status.startswith("200 ") and len(payload) <= self.max_body and data is self.dataset
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
