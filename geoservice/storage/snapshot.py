"""The last good state of the store in a local file, so a worker can start while the database is away.

A worker that serves a new state (loaded whole, or a change applied to the served one,
storage/holder.py) keeps it here: gzipped JSON of its features, column by column, written from
the state in memory (never read again from the database) to a temporary file and renamed, so a
reader never sees half a file. A worker that starts while the database cannot be reached builds
its Dataset from this file instead and serves it read-only until the database answers again.
The file holds only what the public API serves anyway (no accounts, no history).

Writing the whole state costs one pass over it (about a second of CPU at 100,000 features), so
a change applied to the state is appended to the file's journal instead (storage/journal.py),
and the whole state is written again only when the journal would outgrow its share of the file
(journal.SHARE), or when the changes handed over do not follow on from what the file holds (a
full load, a gap).

This is done once per machine and once per burst (SnapshotKeeper): each process writes in one
background thread, which after a write (and a pause, PAUSE) writes again only if a newer state
was kept meanwhile; of the processes that share the file, the one holding the lock beside it
writes and the others skip (they serve the same states: the writer writes the newest after its
current one); a state the file already holds, or an older one, is not written again.
"""

from __future__ import annotations

import base64
import fcntl
import gzip
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import shapely

from geoservice.domain.dataset import Dataset, stored_columns
from geoservice.domain.schema import COLLECTIONS
from geoservice.storage import heap, journal
from geoservice.storage.geojson import (
    CONTEXT,
    FILES,
    FOCUS_AREAS,
    TIMELINE,
    FeatureColumns,
)
from geoservice.storage.journal import plain, recorded
from geoservice.storage.states import build_state

log = logging.getLogger(__name__)

# 2: per collection its ids, record ids, property columns (or the timeline's entries) and hex
# WKB; 1 (read still: a file of the release before): a list of features per collection
FORMAT = 2
CHUNK = 5000  # values encoded at a time: the writing thread holds the GIL for milliseconds
# after a write that took d seconds the next one waits PAUSE × d: a steady stream of changes
# costs the writer at most 1 / (1 + PAUSE) of a core, the file lagging by a few writes' time
PAUSE = 3.0
# the start of every snapshot: format, change id and time are read without the features
_HEAD = re.compile(rb'\{"format":(\d+),"change_id":(\d+),"recorded_at":(null|"[^"\\]*")')
STEPS = 1_000  # changes handed over and not yet written, beyond which the whole state is written


def default_path(instance_path: str, database_url: str) -> Path:
    """Return the snapshot file of a database: one per database URL in the instance folder, so a
    worker never serves another database's state."""
    key = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return Path(instance_path) / "snapshots" / f"state-{key}.json.gz"


def write(path: Path, change_id: int, when: datetime | None, data: Dataset) -> None:
    """Write a state in memory (`when`: the time of its change) atomically: a temporary file in
    the same folder, fsync, rename. The head (format, change id, time) comes first (`head`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as raw:
            # level 1: a quarter less CPU than 3 for a tenth more bytes (a local, private file)
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as out:
                out.write(json.dumps({"format": FORMAT, "change_id": change_id,
                                      "recorded_at": recorded(when)},
                                     separators=(",", ":"))[:-1].encode() + b',"collections":{')
                for n, (name, parts) in enumerate(_collections(data)):
                    out.write(b"," * (n > 0) + json.dumps(name).encode() + b":{")
                    for i, (part, values) in enumerate(parts):
                        out.write(b"," * (i > 0) + json.dumps(part).encode() + b":")
                        if isinstance(values, dict):  # the property columns
                            out.write(b"{")
                            for k, (column, items) in enumerate(values.items()):
                                out.write(b"," * (k > 0) + json.dumps(column).encode() + b":")
                                _array(out, items)
                            out.write(b"}")
                        else:
                            _array(out, values)
                    out.write(b"}")
                out.write(b"}}")
            raw.flush()
            os.fsync(raw.fileno())
        # the journal goes first: until the rename the older file is kept without its changes
        # (a valid older state), never the new file with changes made for the older one
        journal.path_of(path).unlink(missing_ok=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Kept:
    """What a snapshot file holds: its head, and the state with its journal applied."""

    format: int
    base: journal.Base  # the file's own change id and time
    end: journal.Base  # the state's, with the journal's lines that follow on applied
    size: int  # the file's bytes
    journal: bytes  # the journal's lines that follow on, the first line (the file's) included


def kept(path: Path) -> Kept | None:
    """Return what the snapshot file `path` holds (None: no such file, or not a snapshot)."""
    found = head(path, changes=False)
    if found is None:
        return None
    base = found[1:]
    following = journal.following(path, base)
    try:
        size = path.stat().st_size
    except OSError:
        return None
    return Kept(found[0], base, journal.ends(following, base), size, following)


def _array(out: IO[bytes], values: list) -> None:
    """Write a JSON array CHUNK values at a time (NaN as NaN: Python's json reads it back)."""
    out.write(b"[")
    for start in range(0, len(values), CHUNK):
        text = json.dumps(values[start:start + CHUNK], separators=(",", ":"), default=plain)
        out.write(b"," * (start > 0) + text[1:-1].encode())
    out.write(b"]")


def _collections(data: Dataset):
    """Per stored collection, its parts (name, list or dict of columns), made as they are
    written: a frame's columns (domain/dataset.py stored_columns: frame() + prepare() of them
    give the same frame), the timeline's entries as they are, the ids (of the context: its
    record ids' keys, in order), record ids and hex WKB. Without content digests: a Dataset does
    not keep them, and nothing built from a snapshot uses them."""
    for name in FILES:
        ids = data.record_ids.get(name, {})
        if name == TIMELINE.name:
            yield name, (("ids", list(ids)), ("record_ids", list(ids.values())),
                         ("entries", list(data.timeline)))
            continue
        spec = COLLECTIONS.get(name)
        gdf = data.collections[name] if spec is not None else \
            {FOCUS_AREAS.name: data.focus_areas, CONTEXT.name: data.context}.get(name)
        if gdf is None:
            continue
        fids = list(ids) if name == CONTEXT.name else gdf.index.to_numpy(dtype=object).tolist()
        if len(fids) != len(gdf):
            raise ValueError(f"{name}: the features have no distinct ids")
        yield name, (("ids", fids), ("record_ids", [ids.get(fid) for fid in fids]),
                     ("columns", stored_columns(gdf, spec)),
                     ("geometry", shapely.to_wkb(np.asarray(gdf.geometry.array, dtype=object),
                                                 hex=True).tolist()))


def head(path: Path, changes: bool = True) -> tuple[int, int, str | None] | None:
    """Return (format, change id, ISO time of the change) of the state in `path` (with the
    changes of its journal, unless `changes` is False) from the file's first bytes (every format
    begins so) and the journal's, None when there is no such file or it is not a snapshot."""
    try:
        with gzip.open(path, "rb") as handle:
            start = handle.read(160)
    except (OSError, EOFError):
        return None
    found = _HEAD.match(start)
    if found is None:
        return None
    base = int(found[2]), None if found[3] == b"null" else found[3][1:-1].decode()
    if not changes:
        return int(found[1]), *base
    held = kept(path)  # the journal's changes, as the keeper sees them
    return None if held is None else (held.format, *held.end)


def read(path: Path) -> tuple[int, datetime | None, dict[str, FeatureColumns]]:
    """Return (change id, its time, features per collection) of the state kept in `path`.

    Raises OSError when there is none, ValueError when it is unreadable or of another format.
    """
    body = json.loads(gzip.decompress(path.read_bytes()))
    if not isinstance(body, dict) or body.get("format") not in (1, FORMAT):
        raise ValueError(f"{path}: not a snapshot of this version")
    seen: dict = {}  # one object per distinct string (FeatureColumns.append)
    try:
        base = int(body["change_id"]), body.get("recorded_at")
        if body["format"] == 1:  # the release before's: a list of stored features per collection
            collections = {name: _listed(features, seen)
                           for name, features in body["collections"].items()}
        else:
            collections = {name: _features(part, seen) for name, part in body["collections"].items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: not a snapshot of this version ({exc!r})") from None
    del body
    change_id, when = journal.replay(collections, journal.following(path, base), seen, base)
    return change_id, datetime.fromisoformat(when) if when else None, collections


def _listed(features: list, seen: dict) -> FeatureColumns:
    """The stored features of one collection of a format-1 snapshot."""
    out = FeatureColumns()
    for fid, properties, wkb, record_id, _digest in features:
        out.append(fid, properties, base64.b64decode(wkb) if wkb is not None else None, record_id,
                   seen)
    return out


def _features(part: dict, seen: dict) -> FeatureColumns:
    """The stored features of one collection of a snapshot, column by column as a load reads
    them from the database (ValueError: parts of unequal length)."""
    ids = part["ids"]
    if "entries" in part:
        rows = iter(part["entries"])
    elif part["columns"]:
        names = list(part["columns"])
        rows = (dict(zip(names, values, strict=True))  # one at a time, none kept
                for values in zip(*part["columns"].values(), strict=True))
    else:
        rows = ({} for _ in ids)
    geometry = part.get("geometry") or [None] * len(ids)
    features = FeatureColumns()
    for fid, properties, wkb, record_id in zip(ids, rows, geometry, part["record_ids"], strict=True):
        features.append(fid, properties, bytes.fromhex(wkb) if wkb is not None else None,
                        record_id, seen)
    return features


class SnapshotKeeper:
    """The snapshot file of one store (`path` None: none is kept, e.g. SQLite).

    `keep` hands a state over to this process's writer thread and returns at once; the writer
    writes the newest state it was handed, once, unless another process holds the lock beside
    the file (it is writing) or the file already holds that state or a newer one of this store;
    after a write it pauses (PAUSE), so states kept meanwhile are written once, as the newest.
    A state handed over with the changes that led to it from what the file holds is written as
    journal lines (`appended`), any other one whole (`written`).
    """

    def __init__(self, path: Path | None = None):
        self.path = path
        self.written = 0  # files this keeper wrote
        self.appended = 0  # journal appends this keeper made
        self._kept: int | None = None  # the last change settled (written, or found kept)
        # the newest state handed over, and the changes that led to it (None: written whole)
        self._pending: tuple[int, datetime | None, Dataset, list | None] | None = None
        self._writer: threading.Thread | None = None
        self._mine = False  # the file was seen holding a state of this store (see _write)
        self._changed = threading.Condition()

    def keep(self, change_id: int, when: datetime | None, data: Dataset, delta: Any = None) -> None:
        """Keep a valid state served as the present (`when`: the time of its change): written in
        the background, so serving it does not wait for the disk. `delta`: the change that led
        to it from the state kept before (storage/changed.py Delta), None: it was loaded whole."""
        if self.path is None:
            return
        with self._changed:
            if change_id == self._kept and self._pending is None:
                return
            steps = None  # the changes since the state the writer took last
            if delta is not None:
                before = [] if self._pending is None else self._pending[3]
                if before is not None and len(before) < STEPS and \
                        (not before or before[-1].change_id == delta.after):
                    steps = [*before, delta]
            # a state not yet written is never written
            self._pending = (change_id, when, data, steps)
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._drain, name="geoservice-snapshot",
                                                daemon=True)
                self._writer.start()

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until this process has written (or skipped) every state it was handed."""
        with self._changed:
            return self._changed.wait_for(lambda: self._pending is None and (
                self._writer is None or not self._writer.is_alive()), timeout)

    def _drain(self) -> None:
        pause = 0.0
        while True:
            with self._changed:
                if pause:  # states kept meanwhile replace each other: the newest is written
                    self._changed.wait_for(lambda: False, pause)
                if self._pending is None:
                    self._writer = None
                    self._changed.notify_all()
                    return
                change_id, when, data, steps = self._pending
                self._pending = None
            started, pause = time.monotonic(), 0.0
            try:
                if self._write(change_id, when, data, steps):
                    pause = (time.monotonic() - started) * PAUSE
                settled: int | None = change_id
            except Exception as exc:  # noqa: BLE001 - a full disk must not stop serving
                settled = None  # the next state kept (or this one again) tries again
                log.warning("could not write the snapshot %s: %s", self.path, exc)
            del data, steps  # not held through the pause: the state served by then is newer
            with self._changed:
                self._kept = settled

    def _write(self, change_id: int, when: datetime | None, data: Dataset,
               steps: list | None = None) -> bool:
        """Write one state (as the journal lines of `steps` when the file holds what they follow
        on from) unless another process is writing or the file needs it not; return whether it
        was written."""
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(f"{self.path.name}.lock"), "ab") as lock:
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # another worker writes; it serves this state, too
                log.debug("snapshot %s: another process is writing it", self.path)
                return False
            held = kept(self.path)
            if held is not None and held.format != FORMAT:
                held = None  # the release before wrote it: replaced
            end = held.end if held is not None else None
            # a newer state in the file is skipped only once the file was seen to hold this
            # store's: the same URL's database made anew starts its change ids again
            if end == (change_id, recorded(when)) or (end and end[0] > change_id and self._mine):
                self._mine = True
                return False
            lines = self._follows(held, steps, change_id)
            if held is not None and lines and len(held.journal) + sum(map(len, lines)) <= \
                    max(journal.MIN, journal.SHARE * held.size):
                journal.append(self.path, held.base, held.journal, lines)
                self._mine = True
                self.appended += 1
                log.debug("kept change %s in the journal of %s", change_id, self.path)
                return True
            write(self.path, change_id, when, data)
            heap.give_back()  # the file's columns and compressed bytes, freed by now
            self._mine = True
            self.written += 1
            log.info("kept change %s in the snapshot %s", change_id, self.path)
            return True

    def _follows(self, held: Kept | None, steps: list | None, change_id: int) -> list[bytes]:
        """The journal lines of the changes (`steps`, one after the other, ending at `change_id`)
        that lead from the state the file holds on, [] when they do not: the file is then written
        whole. The file's state must be this store's (seen so, or one of these changes')."""
        if held is None or not steps or steps[-1].change_id != change_id:
            return []
        end = held.end[0]
        if not steps[0].after <= end < change_id:
            return []
        if not self._mine and all((step.change_id, recorded(step.recorded_at)) != held.end
                                  for step in steps):
            return []
        return [journal.line(step) for step in steps if step.change_id > end]

    def load(self, this_year: int | None = None) -> Dataset:
        """Return the state kept in the file (OSError when there is none, ValueError: unreadable)."""
        if self.path is None:
            raise OSError("no snapshot file is configured")
        change_id, when, collections = read(self.path)
        self._kept, self._mine = change_id, True
        dataset = build_state(change_id, when, collections, False, this_year)
        del collections
        heap.give_back()
        return dataset
