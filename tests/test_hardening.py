"""Hostile clients: forged Host headers, endless distinct URLs; probes for a load balancer."""

from __future__ import annotations

from geoservice.storage import base
from geoservice.storage.geojson import Feature
from geoservice.storage.sql import Author, Put
from tests.conftest import wait_for


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


def test_distinct_hosts_and_queries_leave_the_memo_bounded(client, app, monkeypatch):
    monkeypatch.setattr(base, "MEMO_ENTRIES", 64)
    data = app.extensions["geoservice"].dataset
    for n in range(600):  # each Host gives its own links, so its own memo entries
        assert client.get("/openapi?f=json", base_url=f"http://h{n}.example").status_code == 200
        assert client.get(f"/collections?lang={'de' if n % 2 else 'en'}",
                          base_url=f"http://h{n}.example").status_code == 200
    assert len(data._memo) <= 64
    assert data._memo_bytes[0] == sum(base._size(v) for v in data._memo.values())


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
    assert body["status"] == "not ready" and "status 'kaputt'" in body["detail"]
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
