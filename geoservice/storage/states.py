"""One stored state: which records it holds, its Dataset, its check, and its snapshot file.

The state after change `n` is the records with `change_id <= n` not closed by `n` or earlier
(`as_of`); `read_state` reads it in the caller's transaction, `build_state` validates and indexes
it (from the database or the snapshot file alike, so both give the same version), `check_state`
validates the state a write is about to commit. The last good state served is kept in a local
file for a start without the database (storage/snapshot.py).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geoservice.domain import clock
from geoservice.domain.dataset import Dataset, build_dataset
from geoservice.errors import DataError, InvalidState
from geoservice.storage.geojson import FILES, FeatureColumns
from geoservice.storage.tables import ACCOUNT_KIND, changes, records


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
    this_year = this_year or clock.this_year()
    return build_dataset(collections, state_version(change_id, when, this_year),
                         last_modified(when), change_id, historical=historical, this_year=this_year)


def state_version(change_id: int, when: datetime | None, this_year: int) -> str:
    """The version of the state after a change (ETags): the change and its time name the records
    exactly (every write is a new change, never an edit of one), so a worker that applies a
    change (domain/delta.py) and one that loads everything agree; the year ongoing projects run
    until is part of it, so answers to time queries get new ETags at New Year."""
    digest = hashlib.blake2b(f"{change_id}\0{when}\0{this_year}".encode(), digest_size=8)
    return digest.hexdigest()


def last_modified(when: datetime | None) -> datetime:
    """Last-Modified of a state: HTTP dates have whole seconds, so it must compare equal to what
    clients send back."""
    return (when or datetime.now(UTC).replace(tzinfo=None)).replace(tzinfo=UTC, microsecond=0)


def data_head(conn: Connection) -> int:
    """The id of the last change of the data (0 before the seed); account changes do not count."""
    return conn.execute(sa.select(changes.c.id).where(changes.c.kind != ACCOUNT_KIND)
                        .order_by(changes.c.id.desc()).limit(1)).scalar() or 0


def read_state(conn: Connection, change_id: int | None) -> tuple[int, datetime | None, dict[str, FeatureColumns]]:
    head = data_head(conn)
    if change_id is None or change_id > head:
        change_id = head
    when = conn.execute(sa.select(changes.c.recorded_at).where(changes.c.id == change_id)).scalar()
    query = (sa.select(records.c.collection, records.c.fid, records.c.properties, records.c.geom,
                       records.c.id)
             .where(as_of(change_id), records.c.retired.is_(False))
             .order_by(records.c.collection, records.c.position))
    out: dict[str, FeatureColumns] = {name: FeatureColumns() for name in FILES}
    seen: dict = {}  # one object per distinct string of the state (FeatureColumns.append)
    for collection, fid, properties, wkb, record_id in conn.execute(query):
        if collection not in out:
            out[collection] = FeatureColumns()
        out[collection].append(fid, json.loads(properties), wkb, record_id, seen)
    return change_id, when, out


def as_of(change_id: int):
    """Records that were current right after change `change_id`."""
    return sa.and_(records.c.change_id <= change_id,
                   sa.or_(records.c.closed_by.is_(None), records.c.closed_by > change_id))
