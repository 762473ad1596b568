"""Hostile clients: forged Host headers, endless distinct URLs; probes for a load balancer."""

from __future__ import annotations

import pytest

from geoservice.domain import dataset as base
from geoservice.storage.geojson import Feature
from geoservice.storage.sql import Author, Put
from tests.conftest import wait_for

pytestmark = pytest.mark.both_stores  # the store matters here (tests/conftest.py)


def test_a_host_outside_allowed_hosts_is_refused_and_never_in_a_link(make_app):
    app = make_app(ALLOWED_HOSTS=["geo.example.org"])
    client = app.test_client()
    good = client.get("/collections", base_url="https://geo.example.org")
    assert good.status_code == 200
    assert all(link["href"].startswith("https://geo.example.org/") for link in good.get_json()["links"]
               if link["rel"] != "license")  # licences live on their publishers' sites
    for path in ("/collections", "/areas//prohlis", "/", "/openapi"):
        response = client.get(path, base_url="http://evil.example")
        assert response.status_code == 400, path
        assert "evil.example" not in response.headers.get("Location", "")


def test_distinct_queries_leave_the_memo_bounded(make_app, monkeypatch):
    """Each distinct `properties` choice is a memo entry (its serialized features); beyond the
    bound the least recently used ones go, and the byte count stays exact."""
    from itertools import combinations

    from geoservice.domain.schema import PROJECTS

    monkeypatch.setattr(base, "MEMO_ENTRIES", 64)
    app = make_app()
    client = app.test_client()
    data = app.extensions["geoservice"].dataset
    choices = [",".join(pair) for pair in combinations(PROJECTS.fields, 2)][:150]
    for n, fields in enumerate(choices):  # canonical (schema order), distinct
        response = client.get(f"/collections/projects/items?properties={fields}&lang="
                              f"{'de' if n % 2 else 'en'}")
        assert response.status_code == 200, response.get_data(as_text=True)
    assert len(data._memo) <= 64
    assert data._memo_bytes[0] == sum(base._size(v) for v in data._memo.values())


def test_distinct_properties_on_a_large_collection_keep_nothing_uncounted(make_app, monkeypatch):
    """Above EAGER_LIMIT features are serialized when first asked for. A client's choice of
    `properties` is serialized for its request and kept nowhere: a kept variant's bytes grew
    after the memo had counted it (0 bytes), so thousands of choices over every feature grew a
    worker without bound. The answers are the bytes the small collection's path gives."""
    from itertools import combinations

    from geoservice.api import features
    from geoservice.domain.schema import PROJECTS

    app = make_app()
    client = app.test_client()
    choices = [",".join(pair) for pair in combinations(PROJECTS.fields, 2)][:40]
    urls = [f"/collections/projects/items?properties={fields}&limit=1000" for fields in choices]
    eager = [client.get(url).get_data() for url in urls]
    app.wsgi_app.items.clear()  # the response cache: the answers are built again below
    monkeypatch.setattr(features, "EAGER_LIMIT", 10)  # 40 bundled projects: serialized lazily
    data = app.extensions["geoservice"].dataset
    data._memo.clear()
    data._memo_bytes[0] = 0
    assert [client.get(url).get_data() for url in urls] == eager
    for value in data._memo.values():
        if isinstance(value, features.FeatureCache):
            held = sum(len(body) for body in value.cache if body is not None)
            assert value.fields == PROJECTS.fields or held == value.memo_bytes, value.fields
    assert data._memo_bytes[0] == sum(base._size(v) for v in data._memo.values())


def _entries(app) -> int:
    return len(app.wsgi_app.items)


def _memo_keys(app) -> list:
    return list(app.extensions["geoservice"].dataset._memo)


def test_answers_for_untrusted_hosts_are_built_but_never_kept(make_app):
    """Default configuration (any Host answered): only loopback names may key a cache."""
    app = make_app()
    client = app.test_client()
    before = _entries(app)
    for n in range(50):
        if n == 2:  # what the first hosts derived from the data (ids, serialized features) stays
            first_memo = _memo_keys(app)
        for path in ("/openapi?f=json", "/collections?f=json", "/?f=json",
                     "/collections/funding-areas/items/prohlis"):
            response = client.get(path, base_url=f"http://h{n}.example:81")
            assert response.status_code == 200
            assert f"h{n}.example" in response.get_data(as_text=True)  # links follow it (local runs)
    assert _entries(app) == before
    assert _memo_keys(app) == first_memo
    assert not [k for k in first_memo if "example" in repr(k)]
    client.get("/collections?f=json", base_url="http://127.0.0.1:5000")
    assert _entries(app) == before + 1  # a loopback name is kept


def test_base_url_makes_the_host_irrelevant_and_allowed_hosts_a_finite_set(make_app):
    app = make_app(BASE_URL="https://geo.example.org/prohlis")
    client = app.test_client()
    first = client.get("/collections?f=json", base_url="http://a.example")
    second = client.get("/collections?f=json", base_url="http://b.example")
    assert first.data == second.data and "https://geo.example.org/prohlis/collections" in first.get_data(as_text=True)
    assert _entries(app) == 1
    redirect = client.get("/areas//prohlis", base_url="http://evil.example")
    assert redirect.headers["Location"] == "https://geo.example.org/prohlis/areas/prohlis"


def test_orderings_and_spellings_of_one_request_make_one_entry(make_app):
    app = make_app()
    client = app.test_client()
    items = "/collections/projects/items"
    answers = [client.get(f"{items}?{q}") for q in (
        "limit=3&offset=1&properties=title,status", "offset=1&limit=3&properties=title,status",
        "properties=title,status&offset=1&limit=3")]
    assert {a.status_code for a in answers} == {200}
    assert len({a.data for a in answers}) == 1 and len({a.headers["ETag"] for a in answers}) == 1
    assert _entries(app) == 1
    # other spellings of the same values: answered alike (schema order), never kept
    for query in ("limit=+3&offset=1&properties=title,status", "limit=003&offset=1&properties=title,status",
                  "limit=3&offset=1&properties=status,title", "limit=3&offset=1&properties=title,status,title",
                  "limit=3&offset=1&properties=title,%20status"):
        response = client.get(f"{items}?{query}")
        assert response.status_code == 200, query
        assert [list(f["properties"]) for f in response.get_json()["features"]] == [["title", "status"]] * 3
    assert _entries(app) == 1
    # tracking parameters on a page: the same page, no new entry; the page memo is canonical too
    html = {"Accept": "text/html"}
    page = client.get("/compare?from=2010&to=2020", headers=html)
    pages_before = len([k for k in _memo_keys(app) if k[0] == "page"])
    entries = _entries(app)
    for query in ("from=2010&to=2020&utm_source=x", "from=2010&to=2020&fbclid=abc",
                  "from=%202010&to=2020", "to=2020&from=2010"):
        assert client.get(f"/compare?{query}", headers=html).data == page.data, query
    for query in ("from=2010-06-15T23:30:00Z&to=2020", "from=2010-06-16T01:30:00%2B02:00&to=2020",
                  "from=2010-06-16&to=2020"):
        assert client.get(f"/compare?{query}", headers=html).status_code == 200
    assert len([k for k in _memo_keys(app) if k[0] == "page"]) == pages_before + 1  # one day: one page
    assert _entries(app) == entries + 1  # only the canonical spelling of the day


def test_negotiation_headers_are_reduced_to_what_negotiation_reads(make_app):
    app = make_app()
    client = app.test_client()
    for n in range(30):  # junk types, languages, encodings, cookies: one entry per variant
        client.set_cookie("tracker", str(n))
        response = client.get("/collections", headers={
            "Accept": f"application/json, image/x-{n}", "Accept-Language": f"de, x-{n};q=0.5",
            "Accept-Encoding": f"identity, x-{n}"})
        assert response.status_code == 200
    assert _entries(app) == 1
    client.delete_cookie("tracker")
    assert client.get("/collections", headers={"Accept": "text/html"}).status_code == 200
    assert client.get("/collections", headers={"Accept-Language": "en"}).status_code == 200
    assert _entries(app) == 3
    # a session cookie bypasses the cache (answers may be personal)
    client.set_cookie("session", "abc")
    assert client.get("/collections").status_code == 200
    assert _entries(app) == 3


def test_a_redirect_never_follows_a_forged_host(client):
    response = client.get("/areas//prohlis", base_url="http://evil.example")
    assert response.status_code in (301, 308)
    assert response.headers["Location"] == "/areas/prohlis"


def test_healthz_and_readyz(make_app):
    app = make_app(RELOAD_INTERVAL=0)
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"
    assert ready.headers["Cache-Control"] == "no-store"
    holder = app.extensions["geoservice"]
    last = holder.store.history("projects", "bmx-anlage-prohlis")[-1]
    holder.store.write(Author("test", "Test"), "kaputt", "update", [
        Put("projects", Feature(last.fid, dict(last.properties, status="kaputt"), last.wkb))])
    assert wait_for(lambda: client.get("/readyz").status_code == 503)
    body = client.get("/readyz").get_json()
    assert body["status"] == "not ready" and "detail" not in body  # detail: administrators only
    # (tests/test_edge.py)
    # still serving the last good state meanwhile
    assert client.get("/collections/projects/items/bmx-anlage-prohlis").get_json()["properties"]["status"] == \
        last.properties["status"]


def test_a_worker_starting_on_an_invalid_state_serves_the_last_good_one(make_app):
    first = make_app()
    store = first.extensions["geoservice"].store
    last = store.history("projects", "bmx-anlage-prohlis")[-1]
    store.write(Author("test", "Test"), "kaputt", "update", [
        Put("projects", Feature(last.fid, dict(last.properties, status="kaputt"), last.wkb))])
    restarted = make_app(DATABASE_URL=store.url)  # e.g. a worker respawned after a crash
    holder = restarted.extensions["geoservice"]
    assert not holder.dataset.historical and holder.dataset.change_id == 1
    client = restarted.test_client()
    assert client.get("/readyz").status_code == 503
    assert client.get("/collections/projects/items/bmx-anlage-prohlis").get_json()["properties"]["status"] == \
        last.properties["status"]
    # a repair is picked up as usual
    holder.store.write(Author("test", "Test"), "repariert", "update", [
        Put("projects", Feature(last.fid, dict(last.properties, status="laufend"), last.wkb))])
    assert wait_for(lambda: client.get("/readyz").status_code == 200)
    assert client.get("/collections/projects/items/bmx-anlage-prohlis").get_json()["properties"]["status"] == "laufend"


def test_an_overlong_query_is_414_even_when_it_decodes_to_a_cached_request(make_app):
    app = make_app()
    client = app.test_client()
    assert client.get("/collections/projects/items?limit=2").status_code == 200
    assert _entries(app) == 1
    padded = client.get("/collections/projects/items?" + "&" * 9000 + "limit=2")
    assert padded.status_code == 414
