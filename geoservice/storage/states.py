"""One stored state: which records it holds, its Dataset, its check, and its snapshot file.

The state after change `n` is the records with `change_id <= n` not closed by `n` or earlier
(`as_of`); `read_state` reads it in the caller's transaction, `build_state` validates and indexes
it (from the database or the snapshot file alike, so both give the same version), `check_state`
validates the state a write is about to commit. SnapshotKeeper keeps the last good state served
in a local file (storage/snapshot.py) for a start without the database.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geoservice.domain import clock
from geoservice.domain.dataset import Dataset, build_dataset
from geoservice.errors import DataError, InvalidState
from geoservice.storage import snapshot
from geoservice.storage.geojson import FILES, Feature
from geoservice.storage.tables import changes, records

log = logging.getLogger(__name__)


class SnapshotKeeper:
    """The snapshot file of one store (`path` None: none is kept, e.g. SQLite)."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self._kept: int | None = None
        self._lock = threading.Lock()

    def keep(self, change_id: int, when, collections) -> None:
        """Keep a valid state served as the present (once per change), written in the background:
        serving the new state does not wait for the disk."""
        if self.path is None or self._kept == change_id:
            return
        self._kept = change_id
        threading.Thread(target=self._write, args=(change_id, when, collections),
                         name="geoservice-snapshot", daemon=True).start()

    def _write(self, change_id: int, when, collections) -> None:
        with self._lock:  # one at a time; a newer state may have been kept meanwhile
            if self._kept != change_id or self.path is None:
                return
            try:
                snapshot.write(self.path, change_id, when, collections)
            except OSError as exc:  # a full disk must not stop serving; the next load tries again
                self._kept = None
                log.warning("could not write the snapshot %s: %s", self.path, exc)

    def load(self, this_year: int | None = None) -> Dataset:
        """Return the state kept in the file (OSError when there is none, ValueError: unreadable)."""
        if self.path is None:
            raise OSError("no snapshot file is configured")
        change_id, when, collections = snapshot.read(self.path)
        self._kept = change_id
        return build_state(change_id, when, collections, False, this_year)


def check_state(conn: Connection, change_id: int) -> None:
    """Validate the state a write is about to commit (InvalidState: the write is rolled back)."""
    change_id, when, collections = read_state(conn, change_id)
    try:
        build_state(change_id, when, collections, False, None)
    except DataError as exc:
        raise InvalidState("the stored data does not pass its rules, and would not after this "
                           "write either, so the write is refused: repair the features named "
                           "(an administrator may write with If-Match: *)", exc.problems) from None


def build_state(change_id: int, when: datetime | None, collections: dict, historical: bool,
             this_year: int | None) -> Dataset:
    """Validate and index one stored state (from the database or its snapshot file)."""
    # the state's version from the digests stored with each record (computed once, at write),
    # and the year ongoing projects run until: answers to time queries change at New Year
    this_year = this_year or clock.this_year()
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"this year\0{this_year}\0".encode())
    for name in sorted(collections):
        for feature in collections[name]:
            digest.update(f"{name}\0{feature.fid}\0{feature.digest}".encode())
    # HTTP dates have whole seconds: Last-Modified must compare equal to what clients send back
    modified = (when or datetime.now(UTC).replace(tzinfo=None)).replace(tzinfo=UTC, microsecond=0)
    return build_dataset(collections, digest.hexdigest(), modified,
                         change_id, historical=historical, this_year=this_year)


def read_state(conn: Connection, change_id: int | None) -> tuple[int, datetime | None, dict[str, list[Feature]]]:
    head = conn.execute(sa.select(sa.func.max(changes.c.id))).scalar() or 0
    if change_id is None or change_id > head:
        change_id = head
    when = conn.execute(sa.select(changes.c.recorded_at).where(changes.c.id == change_id)).scalar()
    query = (sa.select(records.c.collection, records.c.fid, records.c.properties, records.c.geom,
                       records.c.id, records.c.digest)
             .where(as_of(change_id), records.c.retired.is_(False))
             .order_by(records.c.collection, records.c.position))
    out: dict[str, list[Feature]] = {name: [] for name in FILES}
    for collection, fid, properties, wkb, record_id, digest in conn.execute(query):
        out.setdefault(collection, []).append(Feature(fid, json.loads(properties), wkb, record_id, digest))
    return change_id, when, out


def as_of(change_id: int):
    """Records that were current right after change `change_id`."""
    return sa.and_(records.c.change_id <= change_id,
                   sa.or_(records.c.closed_by.is_(None), records.c.closed_by > change_id))
