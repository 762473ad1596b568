"""`recorded=` states are kept per worker by the change they resolve to, in a bounded LRU (issue 19)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from geoservice.storage import holder as holder_module
from geoservice.storage.accounts import Accounts
from geoservice.storage.geojson import Feature
from geoservice.storage.sql import Author, Put

FID = "bmx-anlage-prohlis"


def _now() -> str:
    time.sleep(0.002)  # changes are recorded at their own microsecond
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _note(store, text: str) -> None:
    last = store.history("projects", FID)[-1]
    store.write(Author("test", "Test"), text, "update", [
        Put("projects", Feature(FID, dict(last.properties, status_note=text), last.wkb))])


def test_instants_between_two_feature_changes_share_one_kept_state(make_app, monkeypatch):
    app = make_app()
    holder, store = app.extensions["geoservice"], app.extensions["geoservice"].store
    loads = []
    original = store.load
    # (a spy: counts the loads of past states, each still done by the store)
    monkeypatch.setattr(store, "load", lambda *a, **k: (a and loads.append(a)) or original(*a, **k))
    instants = []
    for n in range(3):
        _note(store, f"Stand {n}")
        instants.append(_now())
        Accounts(store).add(f"konto{n}", "editor", "Test", "test")  # no feature changes
        instants.append(_now())
    _note(store, "heute")
    client = app.test_client()
    notes = [client.get(f"/collections/projects/items/{FID}?recorded={i}").get_json()
             ["properties"]["status_note"] for i in instants]
    assert notes == ["Stand 0", "Stand 0", "Stand 1", "Stand 1", "Stand 2", "Stand 2"]
    assert len(loads) == 3  # one load per state, not per instant or per account change
    client.get(f"/collections/projects/items/{FID}?recorded={instants[0]}")
    assert len(loads) == 3  # kept

    monkeypatch.setattr(holder_module, "PAST_STATES", 2)
    client.get(f"/collections/projects/items/{FID}?recorded={instants[2]}")
    assert len(holder._past) == 2  # bounded: the least recently used state was dropped


def test_the_last_representable_instant_is_the_newest_state(client):
    """`recorded=9999` (valid by the OpenAPI document; schemathesis sends it) ends after the
    last day UTC can name: the register as now, not a 400 "year 10000 is out of range"."""
    now = client.get("/collections/projects/items?limit=3").get_json()
    for value in ("9999", "9999-12", "9999-12-31", "9999-12-31T23:00:00-05:00"):
        answer = client.get(f"/collections/projects/items?limit=3&recorded={value}")
        assert answer.status_code == 200, (value, answer.get_data(as_text=True))
        assert [f["id"] for f in answer.get_json()["features"]] == [f["id"] for f in now["features"]]
        assert client.get(f"/feed?recorded={value}").status_code == 200
