"""The snapshot file's journal (storage/journal.py, kept by storage/snapshot.py): a change
applied to the kept state is appended as one line, not written as the whole state, and the
file with its journal loads to the state served. A line cut short by a crash, a line damaged on
disk, a journal made for another file and changes that do not follow on from what the file
holds are each survived: the file then loads to a valid state of the store, and the next write
repairs it. A journal that would outgrow its share of the file is folded into a new file.

The changes are real ones: written to the store, applied by the worker, read as the delta it
applied (storage/changed.py).
"""

from __future__ import annotations

import gzip
import json

import pytest

from geoservice.storage import journal, snapshot
from geoservice.storage.changed import changes_since
from geoservice.storage.geojson import Feature
from geoservice.storage.snapshot import SnapshotKeeper
from geoservice.storage.writer import Put, Retire
from tests.test_snapshot_delta import AUTHOR, Kind, _caught_up, _recorded, _same_frames


@pytest.fixture()
def setup(make_app, tmp_path):
    """A worker (SQLite: it keeps no snapshot of its own), and a keeper of a file in tmp_path
    that holds the state the worker serves."""
    holder = make_app(RELOAD_INTERVAL=0).extensions["geoservice"]
    keeper = SnapshotKeeper(tmp_path / "state.json.gz")
    keeper.keep(holder.dataset.change_id, _recorded(holder), holder.dataset)
    assert keeper.idle(60) and keeper.written == 1
    return holder, keeper


def _change(holder, keeper: SnapshotKeeper | None, n: int, hand_over: bool = True):
    """Write a change (a project's title; every third one also a new project, every fifth the
    retirement of the one before), apply it, and hand it over to `keeper` with its delta."""
    store, before = holder.store, holder.dataset
    fid = before.projects.index[n % 3]
    record = store.history("projects", fid)[-1]
    ops = [Put("projects", Feature(fid, {**record.properties, "title": f"Journal {n}"}, record.wkb))]
    if n % 3 == 2:
        ops.append(Put("projects", Feature(f"neu-{n}", {**record.properties, "id": f"neu-{n}"}, record.wkb)))
    if n % 5 == 4:
        ops.append(Retire("projects", f"neu-{n - 2}"))
    written = store.write(AUTHOR, f"Journal {n}", Kind.UPDATE, ops)
    assert _caught_up(holder, written) and holder.dataset.change_id == written.change_id
    delta = changes_since(store, before.change_id, 1000)
    assert delta is not None and delta.after == before.change_id
    if keeper is not None and hand_over:
        keeper.keep(delta.change_id, delta.recorded_at, holder.dataset, delta)
        assert keeper.idle(60)
    return delta


def _loads_to_the_served_state(holder, keeper) -> None:
    assert snapshot.head(keeper.path)[1:] == (holder.dataset.change_id, _recorded(holder).isoformat())
    _same_frames(SnapshotKeeper(keeper.path).load(this_year=holder.dataset.this_year), holder.dataset)


def test_changes_are_appended_and_the_file_loads_to_the_served_state(setup):
    holder, keeper = setup
    size = keeper.path.stat().st_size
    for n in range(6):
        _change(holder, keeper, n)
    assert (keeper.written, keeper.appended) == (1, 6)
    assert keeper.path.stat().st_size == size  # the file itself was not written again
    lines = journal.path_of(keeper.path).read_bytes().splitlines()
    assert len(lines) == 7 and all(len(line) < 8192 for line in lines)  # a change's size
    _loads_to_the_served_state(holder, keeper)
    served = holder.dataset.projects.index
    assert "neu-2" not in served and served[-1] == "neu-5"  # added, retired; added

    # a state handed over again is not written again
    keeper.keep(holder.dataset.change_id, _recorded(holder), holder.dataset)
    assert keeper.idle(60) and (keeper.written, keeper.appended) == (1, 6)


def test_a_line_cut_short_or_damaged_is_not_applied_and_the_next_write_repairs(setup):
    holder, keeper = setup
    changes = journal.path_of(keeper.path)
    for n in range(2):
        _change(holder, keeper, n)
    with changes.open("ab") as out:  # a crash in the middle of an append
        out.write(b'{"after":1,"change_id":')
    _loads_to_the_served_state(holder, keeper)
    _change(holder, keeper, 2)
    assert keeper.appended == 3 and changes.read_bytes().count(b'"change_id":') == 3  # cut, then appended
    _loads_to_the_served_state(holder, keeper)

    # a line damaged on disk (one bit): the state of the line before it is loaded
    before = holder.dataset.change_id, _recorded(holder).isoformat()
    _change(holder, keeper, 3)
    data = bytearray(changes.read_bytes())
    data[data.rindex(b"Journal 3")] ^= 0x01  # "Journal" -> "Kournal"
    changes.write_bytes(bytes(data))
    assert snapshot.head(keeper.path)[1:] == before
    assert SnapshotKeeper(keeper.path).load(this_year=holder.dataset.this_year).change_id == before[0]
    _change(holder, keeper, 4)  # does not follow on from what the file holds: written whole
    assert (keeper.written, keeper.appended) == (2, 4) and not changes.exists()
    _loads_to_the_served_state(holder, keeper)


def test_a_journal_made_for_another_file_is_ignored(setup, tmp_path):
    holder, keeper = setup
    first = (holder.dataset, _recorded(holder))
    _change(holder, keeper, 0)
    # the release before (it knows no journal) wrote the file again, with its own state
    other = tmp_path / "other.json.gz"
    snapshot.write(other, first[0].change_id, first[1], first[0])
    body = json.loads(gzip.decompress(other.read_bytes()))
    body["recorded_at"] = "2001-01-01T00:00:00+00:00"  # another state of the same change id
    keeper.path.write_bytes(gzip.compress(json.dumps(body, separators=(",", ":")).encode()))
    loaded = SnapshotKeeper(keeper.path).load(this_year=holder.dataset.this_year)
    assert loaded.change_id == first[0].change_id
    assert snapshot.head(keeper.path)[1:] == (first[0].change_id, "2001-01-01T00:00:00+00:00")
    _change(holder, keeper, 1)  # does not follow on from the file: written whole
    assert (keeper.written, keeper.appended) == (2, 1)
    assert not journal.path_of(keeper.path).exists()
    _loads_to_the_served_state(holder, keeper)


def test_changes_that_do_not_follow_on_from_the_file_are_written_whole(setup):
    holder, keeper = setup
    _change(holder, keeper, 0)
    _change(holder, keeper, 1, hand_over=False)  # a change this keeper never saw
    _change(holder, keeper, 2)  # it follows the one not seen, not what the file holds
    assert (keeper.written, keeper.appended) == (2, 1)
    assert not journal.path_of(keeper.path).exists()
    _loads_to_the_served_state(holder, keeper)
    _change(holder, keeper, 3)  # and from there on appended again
    assert (keeper.written, keeper.appended) == (2, 2)
    _loads_to_the_served_state(holder, keeper)

    # another keeper of the file (another process) appends only to a state it knows is this
    # store's: the one the file holds is not among its changes, so it writes whole
    other = SnapshotKeeper(keeper.path)
    delta = _change(holder, None, 4)
    other.keep(delta.change_id, delta.recorded_at, holder.dataset, delta)
    assert other.idle(60) and (other.written, other.appended) == (1, 0)
    _loads_to_the_served_state(holder, keeper)


def test_a_journal_past_its_share_of_the_file_is_folded_into_a_new_file(setup, monkeypatch):
    holder, keeper = setup
    monkeypatch.setattr(journal, "MIN", 0)
    monkeypatch.setattr(journal, "SHARE", 0.0)
    _change(holder, keeper, 0)
    assert (keeper.written, keeper.appended) == (2, 0)
    assert not journal.path_of(keeper.path).exists()
    _loads_to_the_served_state(holder, keeper)
    monkeypatch.setattr(journal, "SHARE", 0.5)
    _change(holder, keeper, 1)
    assert (keeper.written, keeper.appended) == (2, 1)
    _loads_to_the_served_state(holder, keeper)
