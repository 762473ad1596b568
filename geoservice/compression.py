"""Compressed answers: which media types, which levels, and a size-bounded LRU of the bodies.

http.respond() compresses an answer as the client accepts (negotiation.content_coding: zstd or
gzip) and keeps bodies that are the same for the whole snapshot here, compressed once.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable

import zstandard

GZIP_MIN_BYTES = 1024
# Compression levels: bodies built per request get a fast level (gzip 1 costs a fifth of level 6
# for 13-29 % more bytes); bodies that are the same for the whole snapshot (metadata documents,
# the API definition) are compressed once, hard, and kept.
GZIP_LEVEL, GZIP_LEVEL_STATIC = 1, 9
ZSTD_LEVEL, ZSTD_LEVEL_STATIC = 3, 19
COMPRESSIBLE = ("application/json", "application/geo+json", "application/schema+json",
                "application/vnd.oai.openapi+json", "text/html", "text/csv",
                "application/vnd.ogc.fg+json", "application/atom+xml")


class BytesLRU:
    """A small thread-safe LRU of compressed bodies (or other strings), bounded by total length."""

    def __init__(self, max_bytes: int = 16 * 2**20):
        self.max_bytes = max_bytes
        self.size = 0
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, factory: Callable[[], bytes]) -> bytes:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
                return value
        value = factory()
        with self.lock:
            if key not in self.items:
                self.items[key] = value
                self.size += len(value)
                while self.size > self.max_bytes and len(self.items) > 1:
                    _, old = self.items.popitem(last=False)
                    self.size -= len(old)
        return value


def compress(body: bytes, coding: str, static: bool) -> bytes:
    if coding == "zstd":
        return zstandard.ZstdCompressor(level=ZSTD_LEVEL_STATIC if static else ZSTD_LEVEL).compress(body)
    return gzip.compress(body, GZIP_LEVEL_STATIC if static else GZIP_LEVEL, mtime=0)


def decompress(body: bytes, coding: str | None) -> bytes:
    """The body of an answer compress() made (coding: its Content-Encoding, None: as it is)."""
    if coding == "gzip":
        return gzip.decompress(body)
    if coding == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(body)
    return body
