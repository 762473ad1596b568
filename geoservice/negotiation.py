"""What negotiation reads, below http.py and cache.py (both use it): the output formats and the
media types that select them, the content coding, and the longest query string answered."""

from __future__ import annotations

from werkzeug.http import parse_accept_header

# Output formats (the `f` values) and the media types that select them through `Accept`; the
# formats of items add theirs when they register (api/formats/).
MEDIA_TYPES = {
    "json": ("application/json", "application/geo+json", "application/vnd.oai.openapi+json",
             "application/schema+json"),
    "html": ("text/html", "application/xhtml+xml"),
}
FORMAT_ALIASES = {"geojson": "json"}

# Longest query string answered (bytes, percent-encoded); longer ones get 414. No parameter of the
# service needs more; config MAX_QUERY_BYTES overrides it.
MAX_QUERY_BYTES = 8192


def content_coding(accept_encoding: str | None) -> str | None:
    """Return the content coding to answer with: zstd if the client names it, else gzip, else None.

    The one negotiation: respond() compresses with it and the response cache keys on its result.
    """
    if accept_encoding is None:
        return None
    accepted = parse_accept_header(accept_encoding)
    if any(name.lower() == "zstd" and quality > 0 for name, quality in accepted):
        return "zstd"
    return "gzip" if accepted["gzip"] > 0 else None

