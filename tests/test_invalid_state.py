"""Writes are either served or refused, also while the store's newest state is invalid (issue 19).

A bad record reaches the store outside the service's checks (an old release, SQL, a bug). Then a
write on top of it is refused with 409 naming the problem (it would be stored but never served),
an administrator repairs the broken feature with If-Match: *, a repair made by SQL is noticed
without another change, and every worker serves the same last good state.
"""

from __future__ import annotations

import json

import pytest

from geoservice.storage import holder as holder_module
from geoservice.storage.accounts import Accounts
from geoservice.storage.geojson import Feature
from geoservice.storage.sql import Author, Put
from geoservice.storage.tables import records
from tests.conftest import wait_for

pytestmark = pytest.mark.both_stores

BAD = "bmx-anlage-prohlis"
OTHER = "/collections/projects/items/spielplatz-jacob-winter-platz"
MERGE = "application/merge-patch+json"


def _break(store, fid: str = BAD) -> int:
    """Store a record that breaks the start-up rules, as SQL or an old release could."""
    last = store.history("projects", fid)[-1]
    return store.write(Author("test", "Test"), "kaputt", "update", [
        Put("projects", Feature(last.fid, dict(last.properties, status="kaputt"), last.wkb))]).change_id


def _note(store, fid: str, text: str) -> int:
    last = store.history("projects", fid)[-1]
    return store.write(Author("test", "Test"), text, "update", [
        Put("projects", Feature(last.fid, dict(last.properties, status_note=text), last.wkb))]).change_id


@pytest.fixture()
def broken(make_app):
    app = make_app(RELOAD_INTERVAL=0)
    store = app.extensions["geoservice"].store
    token = Accounts(store).add("ines", "admin", "Stadtplanungsamt", "test")[2]
    _break(store)
    app.extensions["geoservice"].maybe_reload(force=True)
    app.token = {"Authorization": f"Bearer {token}", "X-Change-Note": "Reparatur"}
    return app


def test_a_write_on_an_invalid_state_is_refused_and_an_admin_repairs_it(broken):
    client, store = broken.test_client(), broken.extensions["geoservice"].store
    assert client.get("/readyz").status_code == 503
    head = store.signature()
    other = client.get("/collections/projects/items?limit=2").get_json()["features"][1]["id"]
    tag = client.get(f"/collections/projects/items/{other}").headers["ETag"]
    refused = client.patch(f"/collections/projects/items/{other}", headers={
        **broken.token, "If-Match": tag, "Content-Type": MERGE},
        data=json.dumps({"properties": {"status_note": "neu"}}))
    assert refused.status_code == 409, refused.get_json()
    assert "kaputt" in " ".join(refused.get_json()["problems"])
    assert store.signature() == head  # nothing stored

    # the served ETag names the last good record, not the stored one: If-Match: * repairs
    stale = client.get(f"/collections/projects/items/{BAD}").headers["ETag"]
    assert client.patch(f"/collections/projects/items/{BAD}", headers={
        **broken.token, "If-Match": stale, "Content-Type": MERGE},
        data=json.dumps({"properties": {"status_note": "x"}})).status_code == 412
    repaired = client.patch(f"/collections/projects/items/{BAD}", headers={
        **broken.token, "If-Match": "*", "Content-Type": MERGE},
        data=json.dumps({"properties": {"status_note": "repariert"}}))
    assert repaired.status_code == 200, repaired.get_json()
    assert client.get("/readyz").status_code == 200
    served = client.get(f"/collections/projects/items/{BAD}").get_json()["properties"]
    assert served["status_note"] == "repariert" and served["status"] != "kaputt"


def test_a_repair_by_sql_is_noticed_without_another_change(broken, monkeypatch):
    monkeypatch.setattr(holder_module, "REVALIDATE_SECONDS", 0.2)
    client, store = broken.test_client(), broken.extensions["geoservice"].store
    assert client.get("/readyz").status_code == 503
    good = store.history("projects", BAD)[-2]
    with store.engine.begin() as conn:  # an operator repairs the record in place
        conn.execute(records.update().where(records.c.recorded_to.is_(None), records.c.fid == BAD)
                     .values(properties=json.dumps(good.properties)))
    assert wait_for(lambda: client.get("/readyz").status_code == 200, timeout=15)


def test_every_worker_serves_the_same_last_good_state(make_app):
    first = make_app(RELOAD_INTERVAL=3600)  # hears of nothing until told
    store = first.extensions["geoservice"].store
    valid = _note(store, BAD, "gültig")
    _break(store)  # both changes arrive before the worker looks again
    first.extensions["geoservice"].maybe_reload(force=True)
    second = make_app(DATABASE_URL=first.config["DATABASE_URL"])  # a worker started now
    for app in (first, second):
        data = app.extensions["geoservice"].dataset
        assert data.change_id == valid
    assert first.extensions["geoservice"].dataset.version == second.extensions["geoservice"].dataset.version
