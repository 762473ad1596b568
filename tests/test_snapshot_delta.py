"""A change is applied to the served state (domain/delta.py), and the result is what a full load
of the store builds: the same frames, record ids, version, id lookups, bbox hits, and served
answers (pages with bbox, sorting, filters, time and paging, single features; bytes, counts
and ETags; ids no longer served found nowhere). The state a change was applied to keeps
answering as before (requests that began on it), and a change that keeps every row in place
shares what did not change (index, spatial tree, serialized bytes) instead of building it again.

The delta is read from the store (storage/changed.py): the first test runs on SQLite and
PostgreSQL, the others (what makes a worker load the whole state, long runs of changes in place,
of new and of retired features) on SQLite.

On PostgreSQL the state a change was applied to is kept in the snapshot file from memory, without
reading the database again (storage/snapshot.py), as lines of its journal: the file loads to
what a full load builds; of two keepers of one file only one writes; a burst of changes is
written once or twice, ending at the newest (storage/journal.py, tests/test_snapshot_journal.py).
"""

from __future__ import annotations

import base64
import gc
import gzip
import json
import threading
import time
import weakref
from datetime import datetime

import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geoservice.api import features
from geoservice.domain import ids, spatial
from geoservice.domain.schema import COLLECTIONS, PROJECTS
from geoservice.storage import journal, snapshot
from geoservice.storage.geojson import Feature
from geoservice.storage.snapshot import SnapshotKeeper
from geoservice.storage.writer import Author, Kind, Put, Retire
from tests.conftest import wait_for

GEOJSON = "application/geo+json"
AUTHOR = Author("test", "Test")
MOVED_TO = (13.7905, 51.0105)  # a project's new place (none of the bundled ones is there)
BOXES = [(13.7, 50.9, 13.9, 51.1), (13.78, 50.99, 13.8, 51.01), (13.8, 51.0, 13.82, 51.02),
         (13.79, 51.01, 13.791, 51.011)]


def _caught_up(holder, written) -> bool:
    """Serve the written change (SQLite: now; PostgreSQL: the listener may have been first)."""
    holder.maybe_reload(force=True)
    return wait_for(lambda: holder.dataset.change_id == written.change_id)


def _urls(data) -> list[str]:
    """Pages and features whose answers a change may alter (bytes, counts, ETags)."""
    projects = "/collections/projects/items"
    area = "POLYGON((13.78 50.99,13.8 50.99,13.8 51.011,13.78 51.011,13.78 50.99))"
    return [*(f"/collections/{name}/items?limit=1000{crs}" for name in COLLECTIONS
              for crs in ("", "&crs=http://www.opengis.net/def/crs/EPSG/0/25833")),
            *(f"{projects}?bbox={','.join(map(str, box))}&limit=1000" for box in BOXES),
            f"{projects}?bbox=13.7,50.9,13.9,51.1&sortby=title&limit=7&offset=3",
            f"{projects}?sortby=-start_year,title&limit=1000&skipGeometry=true",
            f"{projects}?filter=S_INTERSECTS(geometry,{area})&limit=1000",
            f"{projects}?filter=status='laufend'&limit=1000",
            f"{projects}?filter=start_year>=2015&sortby=-title&limit=1000",
            f"{projects}?datetime=2015-01-01/2020-12-31&sortby=end_year&limit=1000",
            *(f"{projects}/{fid}" for fid in data.projects.index[:3]),
            f"{projects}/{data.projects.index[-1]}"]


def _answers(holder, client, urls: list[str]) -> list[tuple]:
    answers = [client.get(url, headers={"Accept": GEOJSON}) for url in urls]
    return [(r.status_code, r.headers.get("ETag"), r.data) for r in answers]


def _answers_of(holder, client, state, urls: list[str]) -> list[tuple]:
    """The answers of a state that is no longer served (requests that began on it)."""
    served, holder._dataset = holder._dataset, state
    try:
        return _answers(holder, client, urls)
    finally:
        holder._dataset = served


def _same_as_a_full_load(holder, client, absent: tuple[str, ...] = ()) -> None:
    """The served state equals a full load; `absent`: ids no longer served (retired)."""
    served = holder.dataset
    loaded = holder.store.load(this_year=served.this_year)
    assert (served.change_id, served.version, served.last_modified) == \
        (loaded.change_id, loaded.version, loaded.last_modified)
    assert served.record_ids == loaded.record_ids
    for name, spec in COLLECTIONS.items():
        assert_geodataframe_equal(served.collection(name), loaded.collection(name), check_like=False)
        for fid in [*loaded.collection(name).index, "gibt-es-nicht", *absent]:  # the id index
            assert served.position(name, fid) == loaded.position(name, fid)
        for box in BOXES:  # the spatial index
            assert sorted(features.bbox_hits(served, spec, box)) == \
                sorted(features.bbox_hits(loaded, spec, box)), (name, box)
    urls = _urls(loaded)
    answers = _answers(holder, client, urls)
    assert all(status == 200 for status, _etag, _body in answers)
    holder._dataset = loaded  # what a worker that loaded the whole state answers
    assert answers == _answers(holder, client, urls)
    holder._dataset = served


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

    # one feature changed in place (the common PATCH): what did not change is shared
    before = holder.dataset
    urls = _urls(before)
    answered = _answers(holder, client, urls)
    written = store.write(AUTHOR, "nochmal", Kind.UPDATE, [Put("projects", feature(first, title="Nochmal"))])
    assert _caught_up(holder, written) and (holder.loads, holder.applied) == (loads, 2)
    after = holder.dataset
    assert after.projects.index is before.projects.index  # no hash table of ids built again
    assert after.memo(("sindex", "projects"), None) is before.memo(("sindex", "projects"), None)
    assert features.feature_cache(after, PROJECTS).cache is features.feature_cache(before, PROJECTS).cache
    assert np.shares_memory(after.projects["status"].to_numpy(), before.projects["status"].to_numpy())
    _same_as_a_full_load(holder, client)
    holder._dataset = before  # a request that began before the change still answers as before
    assert _answers(holder, client, urls) == answered
    holder._dataset = after

    # a project moved in place: the tree is kept, the new place answered beside it
    moved = store.history("projects", second)[-1]
    written = store.write(AUTHOR, "verschoben", Kind.UPDATE, [Put("projects", Feature(
        second, {**moved.properties, "status_note": "verschoben"}, shapely.Point(*MOVED_TO).wkb))])
    assert _caught_up(holder, written) and (holder.loads, holder.applied) == (loads, 3)
    index = holder.dataset.memo(("sindex", "projects"), None)
    position = holder.dataset.position(PROJECTS.name, second)
    assert index.tree is after.memo(("sindex", "projects"), None).tree and position in index.extra
    assert position in features.bbox_hits(holder.dataset, PROJECTS, BOXES[3])
    old_place = shapely.from_wkb(moved.wkb).buffer(1e-9).bounds
    assert position not in features.bbox_hits(holder.dataset, PROJECTS, old_place)
    _same_as_a_full_load(holder, client)

    # a funding area's new shape: the collection is built whole, the projects checked again
    area = store.history("funding-areas", holder.dataset.funding_areas.index[0])[-1]
    written = store.write(AUTHOR, "Notiz", Kind.UPDATE, [Put("funding-areas", Feature(
        area.fid, {**area.properties, "note": "geändert"}, area.wkb))])
    assert _caught_up(holder, written) and (holder.loads, holder.applied) == (loads, 4)
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


def test_many_changes_in_place_equal_a_full_load(make_app, monkeypatch):
    """Changes in place and appended features past the bounds of what is kept apart: the fresh
    bytes folded into a new array (FRESH_LIMIT), the spatial overlay into a new tree (REBUILD_*),
    the appended ids into a new table (ADDED_LIMIT); each state as a full load builds it."""
    monkeypatch.setattr(features, "EAGER_LIMIT", 10)
    monkeypatch.setattr(features, "FRESH_LIMIT", 3)
    monkeypatch.setattr(spatial, "REBUILD_ROWS", 2)
    monkeypatch.setattr(spatial, "REBUILD_SHARE", 0.0)
    monkeypatch.setattr(ids, "ADDED_LIMIT", 2)
    app = make_app(RELOAD_INTERVAL=0)
    holder, client = app.extensions["geoservice"], app.test_client()
    store = holder.store
    fids = list(holder.dataset.projects.index[:6])
    trees, tables, last = set(), set(), holder.dataset.projects.index[-1]
    for n, fid in enumerate(fids * 2):
        client.get(f"/collections/projects/items?bbox={','.join(map(str, BOXES[0]))}",
                   headers={"Accept": GEOJSON})  # the spatial index and lazy bytes in the memo
        record = store.history("projects", fid)[-1]
        x, y = MOVED_TO
        wkb = shapely.Point(x + n / 1000, y).wkb if n % 3 else record.wkb
        ops = [Put("projects", Feature(fid, {**record.properties, "title": f"Titel {n}",
                                             "end_year": None if n % 2 else 2030}, wkb))]
        if n % 4 == 3:  # a new project appended (beside the change in place, or alone)
            last = f"neu-{n}"
            ops = [*ops[: n % 8 // 4], Put("projects", Feature(last, {**record.properties, "id": last}, wkb))]
        written = store.write(AUTHOR, f"Änderung {n}", Kind.UPDATE, ops)
        assert _caught_up(holder, written) and holder.dataset.projects.index[-1] == last
        trees.add(id(holder.dataset.memo(("sindex", "projects"), None).tree))
        tables.add(id(holder.dataset.memo(("ids", "projects"), None).base))
        _same_as_a_full_load(holder, client)
    assert holder.loads == 1 and holder.applied == len(fids) * 2
    assert len(trees) > 2 and len(tables) > 1  # rebuilt past the bound, kept below it


def test_retirements_alone_and_beside_other_changes_equal_a_full_load(make_app, monkeypatch):
    """Features retired one after another (alone, two at once, beside a new feature or a change
    in place, the newest feature itself) past every bound of what is kept apart: the places gone
    and ids appended (ADDED_LIMIT), the bytes apart (FRESH_LIMIT), the spatial overlay
    (REBUILD_*). Each state is what a full load builds, a retired id is found nowhere, the state
    before a retirement keeps answering as before, and the id table is shared below its bound."""
    monkeypatch.setattr(features, "EAGER_LIMIT", 10)
    monkeypatch.setattr(features, "FRESH_LIMIT", 3)
    monkeypatch.setattr(spatial, "REBUILD_ROWS", 2)
    monkeypatch.setattr(spatial, "REBUILD_SHARE", 0.0)
    monkeypatch.setattr(ids, "ADDED_LIMIT", 5)
    CHANGES = 12  # noqa: N806 (a constant of this test)
    app = make_app(RELOAD_INTERVAL=0)
    holder, client = app.extensions["geoservice"], app.test_client()
    store = holder.store
    _answers(holder, client, _urls(holder.dataset))  # what a serving worker's memo holds
    retired: list[str] = []
    newest: list[str] = []
    tables, slotted, states = set(), 0, []

    def put(fid: str, new_id: str | None = None, **changes) -> Put:
        record = store.history("projects", fid)[-1]
        return Put("projects", Feature(new_id or fid, {**record.properties, "id": new_id or fid,
                                                       **changes}, record.wkb))

    for n in range(CHANGES):  # each kind twice (n % 6); ~12 retirements, past ADDED_LIMIT twice
        served = list(holder.dataset.projects.index)
        spread = [served[0], served[-1], served[len(served) // 2], served[3]]
        gone = [spread[n % 4]]
        ops: list = []
        if n % 6 == 1:  # beside a change in place (a title not seen before, or a null sort key)
            ops = [put(served[5], title=f"Geändert {n}", end_year=None if n % 4 else 2031)]
        elif n % 6 == 2:  # beside a new feature (its title one that another feature has)
            newest.append(f"neu-{n}")
            ops = [put(served[1], newest[-1], title=holder.dataset.projects["title"].iloc[7])]
        elif n % 6 == 3:  # two at once
            gone.append(served[2])
        elif n % 6 == 4 and newest:  # the newest feature, appended before
            gone = [newest.pop()]
        elif n % 6 == 5:  # a new feature alone, then retirements
            newest.append(f"neu-{n}")
            ops, gone = [put(served[6], newest[-1], title=f"Neu {n}")], []
        ops += [Retire("projects", fid) for fid in gone]
        states.append(weakref.ref(holder.dataset))
        began = holder.dataset if n == 0 else None  # a request that began before the change
        answered = _answers(holder, client, _urls(began)) if began is not None else None
        written = store.write(AUTHOR, f"Stilllegung {n}", Kind.UPDATE, ops)
        assert _caught_up(holder, written) and (holder.loads, holder.applied) == (1, n + 1)
        retired += gone
        newest = [fid for fid in newest if fid not in gone]
        table = holder.dataset.memo(("ids", "projects"), None)
        tables.add(id(table.base))
        slotted += features.feature_cache(holder.dataset, PROJECTS).slots is not None
        _same_as_a_full_load(holder, client, absent=tuple(retired))
        if began is not None:  # still answers as before the retirement
            assert _answers_of(holder, client, began, _urls(began)) == answered
    assert 1 < len(tables) < CHANGES and slotted  # rebuilt past the bound, kept below it
    # no value carried holds a state that is no longer served: each is freed, once a thread of
    # the holder that still looks at one (a change being applied, under load) has moved on
    deadline = time.monotonic() + 30
    while gc.collect() is not None and any(ref() for ref in states) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [ref for ref in states if ref() is not None] == []


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


def _gate(monkeypatch) -> tuple[list[int], threading.Event, threading.Event]:
    """Make snapshot writes (whole, or journal appends) wait for `release` (after `entered`);
    return the change ids written (of an append: the change its last line leads to)."""
    written, entered, release = [], threading.Event(), threading.Event()
    write, append = snapshot.write, journal.append

    def gate(change_id: int) -> None:
        written.append(change_id)
        entered.set()
        assert release.wait(60)

    def gated(path, change_id, when, data) -> None:
        gate(change_id)
        write(path, change_id, when, data)

    def gated_append(path, base, following, lines) -> None:
        gate(json.loads(lines[-1].rpartition(b"\t")[0])["change_id"])
        append(path, base, following, lines)

    monkeypatch.setattr(snapshot, "write", gated)
    monkeypatch.setattr(journal, "append", gated_append)
    return written, entered, release


def _recorded(holder) -> datetime | None:
    return holder.store.features(holder.dataset.change_id)[1]


def _same_frames(kept, served) -> None:
    assert (kept.change_id, kept.version, kept.last_modified, kept.record_ids, kept.timeline) == \
        (served.change_id, served.version, served.last_modified, served.record_ids, served.timeline)
    for name in COLLECTIONS:
        assert_geodataframe_equal(kept.collection(name), served.collection(name), check_like=False)
    assert_geodataframe_equal(kept.focus_areas, served.focus_areas, check_like=False)
    assert_geodataframe_equal(kept.context, served.context, check_like=False)


def test_of_two_keepers_of_one_file_one_writes_and_a_kept_state_is_not_written_again(
        app, tmp_path, monkeypatch):
    holder = app.extensions["geoservice"]
    data, when = holder.dataset, _recorded(holder)
    path = tmp_path / "state.json.gz"
    written, entered, release = _gate(monkeypatch)
    first, second = SnapshotKeeper(path), SnapshotKeeper(path)
    first.keep(data.change_id, when, data)
    assert entered.wait(60)  # the first holds the lock beside the file and writes
    second.keep(data.change_id, when, data)
    assert second.idle(60) and second.written == 0  # another process writes: skipped
    release.set()
    assert first.idle(60) and first.written == 1 and written == [data.change_id]
    assert snapshot.head(path) == (snapshot.FORMAT, data.change_id, when.isoformat())
    third = SnapshotKeeper(path)
    third.keep(data.change_id, when, data)  # the file holds this state already
    assert third.idle(60) and third.written == 0 and written == [data.change_id]
    _same_frames(SnapshotKeeper(path).load(this_year=data.this_year), data)

    # a newer state in the file is another database's (the URL's made anew) until seen to be ours
    snapshot.write(path, data.change_id + 1000, when, data)
    fresh = SnapshotKeeper(path)
    fresh.keep(data.change_id, when, data)
    assert fresh.idle(60) and fresh.written == 1 and snapshot.head(path)[1] == data.change_id
    snapshot.write(path, data.change_id + 1000, when, data)
    fresh.keep(data.change_id - 1, when, data)
    assert fresh.idle(60) and fresh.written == 1  # the file was seen to be this store's


def test_a_snapshot_of_the_release_before_still_starts_a_worker(app, tmp_path):
    """Format 1 (a list of stored features per collection) is read: a worker that starts
    during an outage right after an upgrade has the file the release before wrote."""
    holder = app.extensions["geoservice"]
    change_id, when, collections = holder.store.features(holder.dataset.change_id)
    path = tmp_path / "state.json.gz"
    path.write_bytes(gzip.compress(json.dumps({
        "format": 1, "change_id": change_id, "recorded_at": when.isoformat(),
        "collections": {name: [[f.fid, f.properties, base64.b64encode(f.wkb).decode()
                                if f.wkb is not None else None, f.record_id, f.digest]
                               for f in features] for name, features in collections.items()},
    }, separators=(",", ":")).encode()))  # as that release wrote it
    keeper = SnapshotKeeper(path)
    _same_frames(keeper.load(this_year=holder.dataset.this_year), holder.dataset)
    assert snapshot.head(path)[:2] == (1, change_id)
    fresh = SnapshotKeeper(path)  # the same state kept: written again in this format
    fresh.keep(change_id, when, holder.dataset)
    assert fresh.idle(60) and fresh.written == 1 and snapshot.head(path)[:2] == (2, change_id)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_postgresql_keeps_applied_changes_from_memory_once_per_burst(make_app, monkeypatch):
    app = make_app(RELOAD_INTERVAL=0)
    holder, client = app.extensions["geoservice"], app.test_client()
    store, keeper = holder.store, holder.store.snapshots
    assert keeper.idle(60) and snapshot.head(keeper.path)[1] == holder.dataset.change_id
    reads: list = []
    features = store.features
    monkeypatch.setattr(store, "features", lambda *args: reads.append(args) or features(*args))

    def feature(fid: str, new_id: str | None = None, **changes) -> Feature:
        record = store.history("projects", fid)[-1]
        return Feature(new_id or fid, {**record.properties, "id": new_id or fid, **changes}, record.wkb)

    def kept_equals_a_full_load(written) -> None:
        assert keeper.idle(60) and reads == []  # written from memory, not read again
        assert (keeper.written, keeper.appended) == (whole, appended + 1)  # as a journal line
        assert snapshot.head(keeper.path) == (snapshot.FORMAT, written.change_id,
                                              written.recorded_at.isoformat())
        kept = SnapshotKeeper(keeper.path).load(this_year=holder.dataset.this_year)
        _same_frames(kept, holder.dataset)
        served, holder._dataset = holder._dataset, kept  # a worker started from the file
        try:
            _same_as_a_full_load(holder, client)
        finally:
            holder._dataset = served
            reads.clear()

    projects, loads = holder.dataset.projects, holder.loads
    whole, appended = keeper.written, keeper.appended
    first, second, last = projects.index[0], projects.index[1], projects.index[-1]
    written = store.write(AUTHOR, "ändern, neu, stilllegen", Kind.UPDATE, [
        Put("projects", feature(first, title="Geändert", end_year=None, status="laufend")),
        Put("projects", feature(second, "ganz-neu", title="Ganz neu")), Retire("projects", last)])
    assert _caught_up(holder, written) and (holder.loads, holder.applied) == (loads, 1)
    kept_equals_a_full_load(written)
    appended += 1
    area = store.history("funding-areas", holder.dataset.funding_areas.index[0])[-1]
    written = store.write(AUTHOR, "Notiz", Kind.UPDATE, [Put("funding-areas", Feature(
        area.fid, {**area.properties, "note": "geändert"}, area.wkb))])  # days, built whole
    assert _caught_up(holder, written) and (holder.loads, holder.applied) == (loads, 2)
    kept_equals_a_full_load(written)
    appended += 1

    # a burst: the writer is held in its first write while the changes arrive; the others
    # are appended at once after it
    ids, entered, release = _gate(monkeypatch)
    for n in range(6):
        written = store.write(AUTHOR, f"Serie {n}", Kind.UPDATE,
                              [Put("projects", feature(first, title=f"Serie {n}"))])
        assert _caught_up(holder, written)
        assert n > 0 or entered.wait(60)
    release.set()
    assert keeper.idle(60) and holder.loads == loads
    assert 1 <= len(ids) <= 2 and ids[-1] == written.change_id  # the first, then the newest
    appended += len(ids) - 1
    kept_equals_a_full_load(written)
    lines = journal.path_of(keeper.path).read_bytes().splitlines()
    assert len(lines) == 1 + 2 + 6  # the file's line, the two changes above, the burst's six


def test_the_writer_holds_no_state_through_its_pause(tmp_path, monkeypatch):
    """After a write the keeper's thread pauses (PAUSE x the write's time) before the next: the
    state it wrote is not held through the pause (at 100,000 features it is hundreds of MiB, and
    the workers serve a newer one by then)."""
    class State:  # what write() is handed: here only its lifetime matters
        pass

    monkeypatch.setattr(snapshot, "write", lambda *args: time.sleep(0.05))
    monkeypatch.setattr(snapshot, "PAUSE", 400.0)  # a pause of 20 s or more
    keeper = SnapshotKeeper(tmp_path / "state.json.gz")
    state = State()
    handed = weakref.ref(state)
    keeper.keep(1, None, state)
    del state
    assert wait_for(lambda: keeper.written == 1, 30)
    assert wait_for(lambda: gc.collect() is not None and handed() is None, 10)  # within the pause
    assert keeper._writer is not None and keeper._writer.is_alive()  # still pausing
