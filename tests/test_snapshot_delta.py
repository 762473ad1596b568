"""A change is applied to the served state (domain/delta.py), and the result is what a full load
of the store builds: the same frames, record ids, version and served bytes.

The delta is read from the store (storage/changed.py): the first test runs on SQLite and
PostgreSQL, the second (what makes a worker load the whole state) on SQLite.
"""

from __future__ import annotations

import json
import threading

import pytest
from geopandas.testing import assert_geodataframe_equal

from geoservice.api import features
from geoservice.domain.schema import COLLECTIONS
from geoservice.storage.geojson import Feature
from geoservice.storage.writer import Author, Kind, Put, Retire
from tests.conftest import wait_for

GEOJSON = "application/geo+json"
AUTHOR = Author("test", "Test")


def _caught_up(holder, written) -> bool:
    """Serve the written change (SQLite: now; PostgreSQL: the listener may have been first)."""
    holder.maybe_reload(force=True)
    return wait_for(lambda: holder.dataset.change_id == written.change_id)


def _same_as_a_full_load(holder, client) -> None:
    served = holder.dataset
    loaded = holder.store.load(this_year=served.this_year)
    assert (served.change_id, served.version, served.last_modified) == \
        (loaded.change_id, loaded.version, loaded.last_modified)
    assert served.record_ids == loaded.record_ids
    for name in COLLECTIONS:
        assert_geodataframe_equal(served.collection(name), loaded.collection(name), check_like=False)
    urls = [f"/collections/{name}/items?limit=1000{crs}" for name in COLLECTIONS
            for crs in ("", "&crs=http://www.opengis.net/def/crs/EPSG/0/25833")]
    pages = [client.get(url, headers={"Accept": GEOJSON}).data for url in urls]
    holder._dataset = loaded  # what a worker that loaded the whole state answers
    assert pages == [client.get(url, headers={"Accept": GEOJSON}).data for url in urls]


@pytest.mark.both_stores  # the store matters here (tests/conftest.py)
def test_changes_are_applied_and_equal_a_full_load(make_app, monkeypatch):
    monkeypatch.setattr(features, "EAGER_LIMIT", 10)  # serialized lazily, from column arrays
    app = make_app(RELOAD_INTERVAL=0)
    holder, client = app.extensions["geoservice"], app.test_client()
    store = holder.store
    projects = holder.dataset.projects
    for fid in projects.index[:3]:  # the serialized bytes of unchanged rows are carried over
        client.get(f"/collections/projects/items/{fid}", headers={"Accept": GEOJSON})
    client.get("/collections/projects/items?bbox=13.7,50.9,13.9,51.1&sortby=title")
    client.get("/collections/projects/items?limit=1000&crs=http://www.opengis.net/def/crs/EPSG/0/25833")
    first, second, last = projects.index[0], projects.index[1], projects.index[-1]
    loads = holder.loads

    def feature(fid: str, new_id: str | None = None, **changes) -> Feature:
        record = store.history("projects", fid)[-1]
        return Feature(new_id or fid, {**record.properties, "id": new_id or fid, **changes}, record.wkb)

    new = feature(second, "ganz-neu", title="Ganz neu")
    written = store.write(AUTHOR, "ändern, neu, stilllegen", Kind.UPDATE,
                          [Put("projects", feature(first, title="Geändert", end_year=None, status="laufend")),
                           Put("projects", new), Retire("projects", last)])
    assert _caught_up(holder, written)
    assert (holder.loads, holder.applied) == (loads, 1)
    served = holder.dataset.projects
    assert served.index[0] == first and served.loc[first, "title"] == "Geändert"
    assert served.index[-1] == "ganz-neu" and last not in served.index
    body = json.loads(client.get(f"/collections/projects/items/{first}", headers={"Accept": GEOJSON}).data)
    assert body["properties"]["title"] == "Geändert"
    _same_as_a_full_load(holder, client)

    # one feature changed in place (the common PATCH): the other rows' bytes are copied
    written = store.write(AUTHOR, "nochmal", Kind.UPDATE, [Put("projects", feature(first, title="Nochmal"))])
    assert _caught_up(holder, written) and (holder.loads, holder.applied) == (loads, 2)
    _same_as_a_full_load(holder, client)

    # a funding area's new shape: the collection is built whole, the projects checked again
    area = store.history("funding-areas", holder.dataset.funding_areas.index[0])[-1]
    written = store.write(AUTHOR, "Notiz", Kind.UPDATE, [Put("funding-areas", Feature(
        area.fid, {**area.properties, "note": "geändert"}, area.wkb))])
    assert _caught_up(holder, written) and (holder.loads, holder.applied) == (loads, 3)
    _same_as_a_full_load(holder, client)


def test_a_broken_change_or_a_restore_loads_the_whole_state(make_app):
    app = make_app(RELOAD_INTERVAL=0)
    holder = app.extensions["geoservice"]
    store = holder.store
    fid = holder.dataset.projects.index[1]
    record = store.history("projects", fid)[-1]
    loads, version = holder.loads, holder.dataset.version
    store.write(AUTHOR, "ungültig", Kind.UPDATE,
                [Put("projects", Feature(fid, {**record.properties, "status": "fertig"}, record.wkb))])
    holder.maybe_reload(force=True)
    assert wait_for(lambda: holder.last_error is not None)
    assert holder.loads == loads and holder.dataset.version == version  # keeps the valid state
    assert "status 'fertig'" in holder.last_error

    written = store.write(AUTHOR, "wieder gültig", Kind.UPDATE,
                          [Put("projects", Feature(fid, record.properties, record.wkb))])
    assert _caught_up(holder, written) and holder.last_error is None
    retired = store.write(AUTHOR, "weg", Kind.RETIRE, [Retire("projects", fid)])
    assert _caught_up(holder, retired) and fid not in holder.dataset.projects.index
    applied, loads = holder.applied, holder.loads
    restored = store.write(AUTHOR, "zurück", Kind.RESTORE, [Put(
        "projects", Feature(fid, record.properties, record.wkb),
        expect=retired.records[("projects", fid)], restore=True)])
    assert _caught_up(holder, restored) and (holder.applied, holder.loads) == (applied, loads + 1)
    assert holder.dataset.projects.index[1] == fid  # it is back at its place, not at the end


def test_a_thread_new_to_the_worker_sees_a_commit_made_before_its_first_request(make_app):
    """SQLite: a worker's thread asks `PRAGMA data_version` before each request; a thread that
    serves its first request (gthread and granian start them as needed) has nothing to compare
    with, so it checks the change counter: the read right after a write through another worker
    serves it (read-your-writes failed 1 in 60 in tests/test_production.py before)."""
    app = make_app(RELOAD_INTERVAL=3600)  # nothing is noticed by the clock during the test
    holder = app.extensions["geoservice"]
    before = holder.dataset.change_id  # this thread has asked
    store, fid = holder.store, holder.dataset.projects.index[0]
    record = store.history("projects", fid)[-1]
    written = store.write(AUTHOR, "Test", Kind.UPDATE, [Put("projects", Feature(
        fid, {**record.properties, "title": "Neu"}, record.wkb))])
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(holder.dataset.change_id))
    thread.start()
    thread.join()
    assert before != written.change_id and seen == [written.change_id]
