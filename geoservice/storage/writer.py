"""One write transaction's record operations: what a change is made of, and how it is applied.

`SqlStore.write()` (storage/sql.py) opens the transaction, takes the writers' lock and inserts the
`changes` row; `Writer` then reads each touched collection's current records once, decides per
operation (create, replace, unchanged, retire; `expect` = optimistic locking), and at flush()
closes the replaced records and inserts the new ones in batches, closes first, so that a feature
always has exactly one current record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geoservice.domain import editing
from geoservice.domain.schema import FUNDING_AREAS, as_date
from geoservice.errors import Conflict, NotFound, PreconditionFailed
from geoservice.storage.geojson import Feature
from geoservice.storage.tables import records


def digest_of(properties: dict, wkb: bytes | None) -> str:
    """Return the content digest of a feature: equal digests mean an unchanged feature."""
    h = hashlib.blake2b(digest_size=16)
    h.update(json.dumps(properties, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode())
    h.update(b"\0" + (wkb or b""))
    return h.hexdigest()


class Kind(StrEnum):
    """What a change did, as the `changes.kind` column records it (labels: geoservice/writes.py)."""

    SEED = "seed"  # the first fill of an empty store from the data files
    IMPORT = "import"  # a collection replaced from a file or URL
    CREATE = "create"  # one new feature (API POST, the editor's new form)
    REPLACE = "replace"  # one feature replaced whole (API PUT)
    UPDATE = "update"  # one feature changed in part (API PATCH, the editor's form and status)
    RETIRE = "retire"  # one feature no longer served (API DELETE, the editor's retire form)
    RESTORE = "restore"  # a retired feature served again with its last content (the editor)


@dataclass(frozen=True)
class Author:
    """Who makes a change: the account (shown to administrators) and its public label."""

    name: str
    role: str  # public: a role or organisation, never a person's name


@dataclass(frozen=True)
class Put:
    """Create or replace one feature. `expect`: the record id the writer based this on.

    `restore`: the feature is retired and `expect` names its retirement record (a restore based
    on the retirement the writer saw; anything written since is a PreconditionFailed).
    """

    collection: str
    feature: Feature
    expect: int | None = None
    create_only: bool = False
    restore: bool = False
    # create under a fresh id: the feature's id, or with -2, -3, ... if taken (retired ids
    # stay taken), chosen inside the write transaction so concurrent creations never collide
    fresh_id: bool = False


@dataclass(frozen=True)
class Retire:
    """Retire one feature (it stays in the history)."""

    collection: str
    fid: str
    expect: int | None = None


@dataclass
class WriteResult:
    """What one write did: its change id (None when nothing changed) and the records it made."""

    change_id: int | None = None
    recorded_at: datetime | None = None
    records: dict[tuple[str, str], int] = field(default_factory=dict)
    created: int = 0
    changed: int = 0
    retired: int = 0
    unchanged: int = 0


def validity_columns(collection: str, properties: dict) -> dict:
    if collection != FUNDING_AREAS.name:
        return {"area_id": None, "valid_from": None, "valid_to": None}
    try:
        return {"area_id": properties.get("area_id"), "valid_from": as_date(properties.get("valid_from")),
                "valid_to": as_date(properties.get("valid_to"))}
    except ValueError:
        return {"area_id": properties.get("area_id"), "valid_from": None, "valid_to": None}


def last_position(collection: str) -> sa.Select:
    """The largest position of a collection's records (retired and past ones too): a new feature
    takes the next one. Read from the end of ix_records_position (migration 0010), not a scan."""
    return sa.select(sa.func.max(records.c.position)).where(records.c.collection == collection)


class NothingChanged(Exception):
    """Raised inside a write transaction to roll back a change that changes nothing."""


class _Taken:
    """`fid in taken`: whether a feature (current or retired) of the collection has that id."""

    def __init__(self, row):
        self.row = row

    def __contains__(self, fid: str) -> bool:
        return self.row(fid) is not None


class Writer:
    """The record operations of one write transaction, batched.

    The current records of a collection are read once; closing old records and inserting new
    ones happen in bulk at flush(), closes first (one current record per feature, always).
    """

    BATCH = 500

    def __init__(self, conn: Connection, change_id: int, now: datetime, result: WriteResult):
        self.conn, self.change_id, self.now, self.result = conn, change_id, now, result
        self.touched: set[str] = set()
        self.current: dict[str, dict] = {}  # collection -> fid -> current record (live or retired)
        self.next_position: dict[str, int] = {}
        self.looked: dict[str, dict] = {}  # collection -> fid -> current record, read one by one
        self.closes: list[int] = []
        self.inserts: list[dict] = []
        self.tombstones: list[tuple[str, str, int, int]] = []  # collection, fid, position, old id

    SINGLE = 50  # features of a collection looked up one by one; more: all its rows at once

    def _rows(self, collection: str) -> dict:
        if collection not in self.current:
            rows = self.conn.execute(sa.select(*self._columns)
                                     .where(records.c.collection == collection, records.c.recorded_to.is_(None)))
            self.current[collection] = {row.fid: row for row in rows}
        return self.current[collection]

    _columns = (records.c.id, records.c.fid, records.c.position, records.c.digest, records.c.retired)

    def _row(self, collection: str, fid: str):
        """The current record of one feature (live or retired), or None: a write of a few features
        reads only their rows, not the whole collection's (milliseconds at 100,000 features)."""
        if collection in self.current:
            return self.current[collection].get(fid)
        looked = self.looked.setdefault(collection, {})
        if fid not in looked:
            if len(looked) >= self.SINGLE:
                return self._rows(collection).get(fid)
            looked[fid] = self.conn.execute(sa.select(*self._columns).where(
                records.c.collection == collection, records.c.fid == fid,
                records.c.recorded_to.is_(None))).first()
        return looked[fid]

    def current_fids(self, collection: str) -> set[str]:
        return {fid for fid, row in self._rows(collection).items() if not row.retired}

    def _position(self, collection: str) -> int:
        if collection not in self.next_position:
            top = self.conn.execute(last_position(collection)).scalar()
            self.next_position[collection] = 0 if top is None else top + 1
        self.next_position[collection] += 1
        return self.next_position[collection] - 1

    def _insert(self, collection: str, fid: str, position: int, properties: dict, wkb: bytes | None,
                retired: bool = False) -> None:
        self.inserts.append(dict(
            collection=collection, fid=fid, position=position,
            properties=json.dumps(properties, ensure_ascii=False, separators=(",", ":")),
            geom=wkb, digest=digest_of(properties, wkb), retired=retired,
            recorded_from=self.now, recorded_to=None, change_id=self.change_id, closed_by=None,
            **validity_columns(collection, properties)))
        self.touched.add(collection)

    def _check_expect(self, row, expect: int | None, collection: str, fid: str,
                      retired: bool = False) -> None:
        if expect is None:
            return
        live = row.id if row is not None and bool(row.retired) == retired else None
        if live != expect:
            raise PreconditionFailed(
                f"feature '{fid}' in {collection} was changed by someone else since record {expect}",
                current=live)

    def put(self, op: Put) -> None:
        feature, collection = op.feature, op.collection
        if op.fresh_id:  # made from the title inside the transaction: base, base-2, … not taken
            fid = editing.new_id(feature.fid, _Taken(lambda fid: self._row(collection, fid)))
            feature = replace(feature, fid=fid, properties={**feature.properties, "id": fid})
        row = self._row(collection, feature.fid)
        if op.create_only and row is not None and not row.retired:
            raise Conflict(f"feature '{feature.fid}' already exists in {collection}")
        if op.restore and (op.expect is None or row is None or not row.retired):
            raise PreconditionFailed(f"feature '{feature.fid}' in {collection} is not retired",
                                     current=row.id if row is not None else None)
        self._check_expect(row, op.expect, collection, feature.fid, retired=op.restore)
        if row is not None and not row.retired and row.digest == digest_of(feature.properties, feature.wkb):
            self.result.unchanged += 1
            self.result.records[(collection, feature.fid)] = row.id
            return
        if row is None:
            position = self._position(collection)
            self.result.created += 1
        else:
            position = row.position
            self.closes.append(row.id)
            if row.retired:
                self.result.created += 1
            else:
                self.result.changed += 1
        self._insert(collection, feature.fid, position, feature.properties, feature.wkb)

    def retire(self, op: Retire) -> None:
        row = self._row(op.collection, op.fid)
        if row is None or row.retired:
            raise NotFound(f"feature '{op.fid}' does not exist in collection '{op.collection}'")
        self._check_expect(row, op.expect, op.collection, op.fid)
        self.closes.append(row.id)
        self.tombstones.append((op.collection, op.fid, row.position, row.id))
        self.result.retired += 1

    def flush(self) -> None:
        """Close the replaced records, then insert the new ones (retired ones keep their content)."""
        for start in range(0, len(self.tombstones), self.BATCH):
            chunk = self.tombstones[start:start + self.BATCH]
            old = {row.id: row for row in self.conn.execute(
                sa.select(records.c.id, records.c.properties, records.c.geom)
                .where(records.c.id.in_([t[3] for t in chunk])))}
            for collection, fid, position, old_id in chunk:
                self._insert(collection, fid, position, json.loads(old[old_id].properties),
                             old[old_id].geom, retired=True)
        for start in range(0, len(self.closes), self.BATCH):
            self.conn.execute(records.update().where(records.c.id.in_(self.closes[start:start + self.BATCH]))
                              .values(recorded_to=self.now, closed_by=self.change_id))
        for start in range(0, len(self.inserts), self.BATCH):
            chunk = self.inserts[start:start + self.BATCH]
            made = self.conn.execute(records.insert().returning(records.c.id, records.c.collection,
                                                                records.c.fid, sort_by_parameter_order=True),
                                     chunk)
            for record_id, collection, fid in made:
                self.result.records[(collection, fid)] = record_id

    def check_validity_overlaps(self) -> None:
        """Refuse two current versions of one funding area in force on the same day (both stores)."""
        if FUNDING_AREAS.name not in self.touched:
            return
        rows = self.conn.execute(sa.select(records.c.fid, records.c.area_id, records.c.valid_from,
                                           records.c.valid_to).where(
            records.c.collection == FUNDING_AREAS.name, records.c.recorded_to.is_(None),
            records.c.retired.is_(False)).order_by(records.c.area_id, records.c.valid_from)).all()
        for a, b in zip(rows, rows[1:], strict=False):
            if a.area_id == b.area_id and a.valid_from and b.valid_from and (
                    a.valid_to is None or b.valid_from < a.valid_to):
                raise Conflict(f"version '{b.fid}' of area '{b.area_id}' (valid from {b.valid_from}) "
                               f"overlaps version '{a.fid}' (valid {a.valid_from} to "
                               f"{a.valid_to or 'open end'})")
