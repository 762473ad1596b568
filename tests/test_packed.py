"""A large collection's serialized features are kept packed (domain/packed.py, api/features.py
above EAGER_LIMIT): what a page is given is byte for byte what serializing the rows gives, in
every variant (CRS, skipGeometry), after changes in place, appended and retired rows (the bytes
carried from state to state), and when many threads ask for the first time at once; what is
kept, in memory, is a fraction of the plain bytes. Without a dictionary (training failed) the strings are
still given back as they were."""

from __future__ import annotations

import threading
import tracemalloc

import numpy as np
import pytest

from geoservice.api import features
from geoservice.domain import crs
from geoservice.domain.packed import Packer
from geoservice.domain.schema import PROJECTS
from geoservice.storage.geojson import Feature
from geoservice.storage.writer import Put, Retire
from tests.conftest import wait_for
from tests.test_snapshot_delta import AUTHOR, Kind, _caught_up


def _plain(data, uri: str = crs.CRS84, skip: bool = False) -> list[bytes]:
    return features.serialize(data.projects, PROJECTS.fields, uri, skip)


@pytest.fixture()
def lazy(monkeypatch, make_app):
    """A worker whose projects (40 bundled ones) are serialized lazily, so kept packed."""
    monkeypatch.setattr(features, "EAGER_LIMIT", 10)
    return make_app(RELOAD_INTERVAL=0).extensions["geoservice"]


def test_pages_are_the_serialized_bytes_and_what_is_kept_is_packed(lazy):
    data = lazy.dataset
    rows = np.arange(len(data.projects))
    cache = features.feature_cache(data, PROJECTS)
    cache.take(rows[::2])  # the dictionary trained, half the rows kept
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        cache.take(rows[1::2])  # the answer dropped: what stays is what is kept
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    plain = sum(len(_plain(data)[i]) for i in rows[1::2])
    assert held < plain / 3, (held, plain)  # the memory, not only the length (zstandard's bytes)
    for uri in crs.SUPPORTED:
        for skip in (False, True):
            cache = features.feature_cache(data, PROJECTS, uri, skip)
            assert cache.packer is not None
            page = rows[::-3]  # some rows first, the others after
            assert cache.take(page) == [_plain(data, uri, skip)[i] for i in page]
            assert cache.take(rows) == _plain(data, uri, skip)
    cache = features.feature_cache(data, PROJECTS)
    kept, plain = sum(map(len, cache.cache)), sum(map(len, _plain(data)))
    assert cache.packer._dictionary is not None and kept < plain / 3, (kept, plain)


def test_the_packed_bytes_follow_changes(lazy, monkeypatch):
    monkeypatch.setattr(features, "FRESH_LIMIT", 2)  # past it: one new array, fresh rows packed
    store = lazy.store
    first = features.feature_cache(lazy.dataset, PROJECTS)
    first.take(np.arange(len(lazy.dataset.projects)))
    for n in range(5):
        fid = lazy.dataset.projects.index[n]
        record = store.history("projects", fid)[-1]
        ops = [Put("projects", Feature(fid, {**record.properties, "title": f"Gepackt {n}"}, record.wkb))]
        if n == 2:
            ops.append(Put("projects", Feature("neu", {**record.properties, "id": "neu"}, record.wkb)))
        if n == 4:
            ops.append(Retire("projects", "neu"))
        written = store.write(AUTHOR, f"Gepackt {n}", Kind.UPDATE, ops)
        assert _caught_up(lazy, written) and lazy.applied == n + 1
        cache = features.feature_cache(lazy.dataset, PROJECTS)
        assert cache.packer is first.packer  # the bytes of unchanged rows are carried
        assert cache.take(np.arange(len(lazy.dataset.projects))) == _plain(lazy.dataset)


def test_threads_asking_first_at_once_get_the_same_bytes(lazy):
    data = lazy.dataset
    cache = features.feature_cache(data, PROJECTS)
    start, answers = threading.Barrier(8), []

    def ask(k: int) -> None:
        start.wait()
        answers.append(cache.take(np.roll(np.arange(len(data.projects)), 5 * k)))

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    plain = _plain(data)
    assert len(answers) == 8
    assert all(sorted(answer) == sorted(plain) for answer in answers)
    assert cache.take(np.arange(len(data.projects))) == plain


def test_without_a_dictionary_the_strings_come_back_as_they_were():
    packer = Packer()
    items = [b'{"a":1}', b"", "ä".encode() * 300]
    packed = packer.pack(items, lambda: [b"x", b"y"])  # too few samples to train on
    assert packer._dictionary is None
    unpack = packer.unpacking()
    assert [unpack(item) for item in packed] == items


def test_the_start_makes_what_the_first_page_needs_in_the_background(lazy):
    """features.warm: the dictionary and the column arrays of the default variant (CRS84) are
    made in a thread at the start, not by the first request (nor by a worker's first write)."""
    cache = features.feature_cache(lazy.dataset, PROJECTS)
    assert wait_for(lambda: cache.packer._trained and "_arrays" in cache.__dict__)
    other = features.feature_cache(lazy.dataset, PROJECTS, list(crs.SUPPORTED)[-1])
    assert other is not cache and not other.packer._trained  # the others on first use
