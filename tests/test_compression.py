"""Content coding: zstd for clients that name it, gzip otherwise; static documents compressed once."""

import gzip

import zstandard

PATH = "/collections/projects/items?limit=30"


def test_zstd_when_named_and_decodes(client):
    plain = client.get(PATH)
    packed = client.get(PATH, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert packed.headers["Content-Encoding"] == "zstd"
    assert zstandard.ZstdDecompressor().decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert "Accept-Encoding" in packed.headers["Vary"]
    # a conditional request with the zstd ETag is fresh for the same coding only
    again = client.get(PATH, headers={"Accept-Encoding": "zstd", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304
    other = client.get(PATH, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert other.status_code == 200 and other.headers["Content-Encoding"] == "gzip"


def test_gzip_for_wildcard_and_refused_zstd(client):
    plain = client.get(PATH)
    for header in ("*", "gzip", "zstd;q=0, gzip"):
        packed = client.get(PATH, headers={"Accept-Encoding": header})
        assert packed.headers["Content-Encoding"] == "gzip", header
        assert gzip.decompress(packed.data) == plain.data
    assert "Content-Encoding" not in client.get(PATH, headers={"Accept-Encoding": "identity"}).headers


def test_static_document_compressed_once_and_kept(client, app):
    first = client.get("/openapi?f=json", headers={"Accept-Encoding": "zstd"})
    second = client.get("/openapi?f=json&lang=de", headers={"Accept-Encoding": "zstd"})
    assert first.headers["Content-Encoding"] == "zstd"
    body = zstandard.ZstdDecompressor().decompress(first.data)
    assert body == client.get("/openapi?f=json").data
    assert second.status_code == 200
    data = app.extensions["geoservice"].dataset
    assert data.memo("http:static", lambda: None).items  # kept apart from per-request bodies


def test_the_response_cache_keys_on_the_coding_it_answers_with(client):
    """A zstd answer kept by the response cache must never reach a client that accepts only gzip
    (or `*`, which respond() answers with gzip): the cache negotiates as respond() does."""
    zstd = client.get(PATH, headers={"Accept-Encoding": "zstd"})
    assert zstd.headers["Content-Encoding"] == "zstd"
    for header in ("gzip", "*", "gzip, deflate"):
        again = client.get(PATH, headers={"Accept-Encoding": header})
        assert again.headers["Content-Encoding"] == "gzip", header
