"""The SQL store: one implementation over SQLAlchemy Core for SQLite and PostgreSQL/PostGIS.

Contract:
- `load(change_id)` reads the state after one change in one consistent read transaction and
  returns a validated Dataset; `signature()` is the last change id (a cheap counter).
- `write(change, ops)` applies operations in ONE transaction: writers are serialised (SQLite's
  write lock taken up front, a PostgreSQL advisory lock), every change gets a strictly increasing
  time, a changed feature's current record is closed and a new one inserted, nothing is ever
  updated in place otherwise or deleted. The webhook events of the change are written to the
  outbox in the same transaction (storage/outbox.py). On PostgreSQL the commit announces the change with
  NOTIFY, which every other instance hears (storage/holder.py).
- Schema changes are Alembic migrations (storage/migrations), run by `upgrade()`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from geoservice.domain import clock, cql
from geoservice.domain.dataset import Dataset, build_dataset, frame, prepare
from geoservice.domain.schema import COLLECTIONS
from geoservice.errors import Conflict, DataError
from geoservice.storage import cql_sql, heap, outbox, sqlite
from geoservice.storage.geojson import FILES, Feature, read_collection
from geoservice.storage.snapshot import SnapshotKeeper
from geoservice.storage.states import (
    as_of,
    build_state,
    check_state,
    data_head,
    read_state,
)
from geoservice.storage.tables import changes, records
from geoservice.storage.writer import (  # noqa: F401  (the write API is imported from here)
    Author,
    Kind,
    NothingChanged,
    Put,
    Retire,
    Writer,
    WriteResult,
)

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
NOTIFY_CHANNEL = "geoservice_changes"
WRITE_LOCK_KEY = 0x6765_6F73  # pg_advisory_xact_lock key of all writers ("geos")
LOGIN_LOCK_KEY = WRITE_LOCK_KEY + 2  # (+1: migrations) the login throttle's count-and-insert
SEED_AUTHOR = ("system", "Datenpflege")
CONNECT_TIMEOUT = 5  # seconds (PostgreSQL)


def utcnow() -> datetime:
    """Return the current UTC time as the naive datetime the tables store."""
    return datetime.now(UTC).replace(tzinfo=None)


def engine_url(url: str) -> str:
    """Return the SQLAlchemy URL for a configured database URL (postgresql:// uses psycopg 3)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class RecordVersion:
    """One stored record of a feature with the change that made it."""

    record_id: int
    fid: str
    properties: dict
    wkb: bytes | None
    retired: bool
    recorded_from: datetime
    recorded_to: datetime | None
    change_id: int
    author: str
    author_role: str
    kind: str
    note: str


class SqlStore:
    """A store in one database (SQLite file or PostgreSQL with PostGIS), chosen by its URL."""

    def __init__(self, url: str):
        self.url = url
        options: dict = {"future": True}
        if url.startswith("sqlite"):
            options["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            # a database that does not answer fails a request in seconds, not minutes
            options.update(pool_pre_ping=True, pool_size=4, max_overflow=8,
                           connect_args={"connect_timeout": CONNECT_TIMEOUT})
        self.engine: Engine = sa.create_engine(engine_url(url), **options)
        self.dialect = self.engine.dialect.name
        # SQLite: its connections' settings and WAL checkpoints (storage/sqlite.py)
        self.checkpoints = sqlite.configure(self.engine) if self.dialect == "sqlite" else None
        self._lock = threading.Lock()
        self._outbox = False  # the webhook outbox exists (migration 0006); once seen, for good
        # where the last good state is kept for a start without the database (storage/snapshot.py)
        self.snapshots = SnapshotKeeper()

    # ------------------------------------------------------------------ schema

    def _alembic(self, connection: Connection) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        return config

    def revision(self) -> str | None:
        """Return the schema revision of the database (None for an empty database)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head(self) -> str:
        """Return the newest schema revision this code knows."""
        return ScriptDirectory(str(MIGRATIONS)).get_current_head()

    def upgrade(self, revision: str = "head") -> None:
        """Bring the database to `revision` with the migrations (never drop and recreate).

        Workers starting together on an old database migrate one after the other: the first
        takes the lock, the others then find the schema current.
        """
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn = conn.execution_options(sqlite_begin="BEGIN IMMEDIATE")
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY + 1})
                command.upgrade(self._alembic(conn), revision)

    def is_empty(self) -> bool:
        """Return True when no change has been recorded yet."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(changes)).scalar_one() == 0

    def seed(self, data_dir: Path) -> WriteResult:
        """Fill an empty store from the data folder's files as one recorded change."""
        collections = {name: read_collection(data_dir, spec) for name, spec in FILES.items()}
        # validate exactly as a load would, naming the file, before anything is written
        build_dataset(collections, "check", utcnow(),
                      sources={name: str(Path(data_dir) / spec.filename) for name, spec in FILES.items()})
        ops = [Put(name, feature) for name, features in collections.items() for feature in features]
        return self.write(Author(*SEED_AUTHOR), "Erstbefüllung aus den veröffentlichten Grundlagendaten",
                          Kind.SEED, ops, only_if_empty=True)

    # ------------------------------------------------------------------ reads

    def signature(self) -> str:
        """Return the last data change's id: a cheap counter that grows with every write of
        features (an account change is recorded beside them and does not move it)."""
        with self.engine.connect() as conn:
            return str(data_head(conn))

    def change_at(self, instant: datetime) -> int | None:
        """Return the id of the last change recorded at or before `instant` (naive UTC)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.max(changes.c.id))
                                .where(changes.c.recorded_at <= instant)).scalar()

    def state_at(self, instant: datetime) -> int | None:
        """Return the change whose state was the register's at `instant`: the last change at or
        before it that changed a feature (an account change leaves the state as it was), so
        every instant between two feature changes names the same state. None: before the first."""
        last = (sa.select(sa.func.max(changes.c.id)).where(changes.c.recorded_at <= instant)
                .scalar_subquery())
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.max(records.c.change_id))
                                .where(records.c.change_id <= last)).scalar()

    @contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        """A read transaction that sees one consistent state."""
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def features(self, change_id: int | None = None) -> tuple[int, datetime | None, dict[str, list[Feature]]]:
        """Return (change id, its time, features per collection) of the state after a change."""
        with self._snapshot() as conn:
            return read_state(conn, change_id)

    def current_record(self, collection: str, fid: str) -> int | None:
        """Return the id of a live feature's current stored record (None: no such live feature),
        whatever the served state is (the newest stored one may be invalid)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(records.c.id).where(
                records.c.collection == collection, records.c.fid == fid,
                records.c.recorded_to.is_(None), records.c.retired.is_(False))).scalar()

    def load(self, change_id: int | None = None, current: bool = False,
             this_year: int | None = None) -> Dataset:
        """Return the state after `change_id` (default: the latest) as a validated Dataset.

        A state before the latest is `historical` (a `recorded=` answer) unless `current` says it
        is what the worker serves as its present (the last good state before an invalid one).
        `this_year`: until when ongoing projects without an end run (default: today's year).
        """
        historical = change_id is not None and not current
        change_id, when, collections = self.features(change_id)
        if change_id == 0:
            raise DataError("store", ["the database holds no data yet; run "
                                      "`flask --app geoservice db upgrade` and start the service once"])
        dataset = build_state(change_id, when, collections, historical, this_year)
        del collections  # the raw records: the Dataset holds what is served
        heap.give_back()
        if not historical:
            self.snapshots.keep(change_id, when, dataset)
        return dataset

    def last_changes(self, collection: str, retired: bool = False) -> dict[str, sa.Row]:
        """Return, per current feature of a collection, the change that made its record (one query).

        Each row has recorded_at, note, author, author_role, kind, the record's id and properties
        (`retired`: the retired features instead of the live ones, each with its retirement).
        """
        query = (sa.select(records.c.fid, changes.c.recorded_at, changes.c.note, changes.c.author,
                           changes.c.author_role, changes.c.kind, records.c.id.label("record_id"),
                           records.c.properties)
                 .join(changes, changes.c.id == records.c.change_id)
                 .where(records.c.collection == collection, records.c.recorded_to.is_(None),
                        records.c.retired.is_(retired)))
        with self.engine.connect() as conn:
            return {row.fid: row for row in conn.execute(query)}

    def filter_ids(self, collection: str, where, change_id: int | None = None,
                   recheck: bool = True, this_year: int | None = None) -> list[str]:
        """Return the ids of a collection's features (state after `change_id`) matching a filter.

        `where` is a checked CQL2 tree (domain.cql). The database answers what
        storage/cql_sql.py translates exactly; any other part is evaluated in Python on the
        database's candidates, so the answer always equals the in-memory evaluation
        (`recheck=False` returns the database's candidates alone, for tests).
        """
        spec = COLLECTIONS[collection]
        this_year = this_year or clock.this_year()
        condition, exact = cql_sql.translate(where, spec, self.dialect, this_year)
        with self._snapshot() as conn:
            if change_id is None:
                change_id = conn.execute(sa.select(sa.func.max(changes.c.id))).scalar() or 0
            query = (sa.select(records.c.fid, records.c.properties, records.c.geom, records.c.id)
                     .where(records.c.collection == collection, as_of(change_id),
                            records.c.retired.is_(False))
                     .order_by(records.c.position))
            if condition is not None:
                query = query.where(condition)
            rows = conn.execute(query).all()
        if exact or not recheck or not rows:
            return [row.fid for row in rows]
        found = [Feature(fid, json.loads(props), wkb, rid) for fid, props, wkb, rid in rows]
        gdf = prepare(frame(found, spec.fields), spec)
        return list(gdf.index[cql.mask(where, gdf, spec)])

    def history(self, collection: str, fid: str) -> list[RecordVersion]:
        """Return every record of a feature, oldest first, with the change that made it."""
        query = (sa.select(records, changes.c.author, changes.c.author_role, changes.c.kind,
                           changes.c.note)
                 .join(changes, changes.c.id == records.c.change_id)
                 .where(records.c.collection == collection, records.c.fid == fid)
                 .order_by(records.c.id))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [RecordVersion(r["id"], r["fid"], json.loads(r["properties"]), r["geom"], r["retired"],
                              r["recorded_from"], r["recorded_to"], r["change_id"], r["author"],
                              r["author_role"], r["kind"], r["note"]) for r in rows]

    def feature_ids(self, collection: str) -> set[str]:
        """Return every id the collection has ever used (retired ones included)."""
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(records.c.fid).distinct()
                                    .where(records.c.collection == collection)).scalars())

    # ------------------------------------------------------------------ writes

    @contextmanager
    def _write_transaction(self) -> Iterator[Connection]:
        with self.exclusive(WRITE_LOCK_KEY) as conn:
            yield conn

    @contextmanager
    def exclusive(self, key: int) -> Iterator[Connection]:
        """A write transaction that holds lock `key` throughout: transactions with the same key run
        one after the other, on every instance (SQLite: its one write lock, taken up front;
        PostgreSQL: an advisory lock), so a count and the insert that depends on it cannot race."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn = conn.execution_options(sqlite_begin="BEGIN IMMEDIATE")  # write lock up front
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
                yield conn

    def write(self, author: Author, note: str, kind: str, ops: Iterable[Put | Retire],
              replace: Iterable[str] = (), only_if_empty: bool = False,
              valid_head: int | None = None) -> WriteResult:
        """Apply `ops` as one recorded change in one transaction; nothing is written on error.

        `replace`: collections whose features not named in `ops` are retired (an import).
        `valid_head`: the newest change whose state the caller knows to be valid (the one it
        serves). When the write lands on another one (an invalid state, or one the caller has
        not seen; an account's change does not count, it leaves the data as it was), the whole
        resulting state is validated inside the transaction (a full load), so a write is
        either served or refused (InvalidState), never stored unseen; a write that repairs the
        state passes. Raises PreconditionFailed when an `expect`ed record is no longer current,
        Conflict when two versions of a funding area would overlap in validity, NotFound for a
        missing feature.
        """
        note = (note or "").strip()
        if not note:
            raise ValueError("a change needs a note")
        ops = list(ops)
        result = WriteResult()
        try:
            return self._write(author, note, kind, ops, replace, only_if_empty, result, valid_head)
        except NothingChanged:
            return WriteResult(unchanged=result.unchanged, records=result.records)

    def _write(self, author, note, kind, ops, replace, only_if_empty, result, valid_head) -> WriteResult:
        with self._write_transaction() as conn:
            last = conn.execute(sa.select(changes.c.id, changes.c.recorded_at)
                                .order_by(changes.c.id.desc()).limit(1)).first()
            if only_if_empty and last is not None:
                return result
            # the data's last change (an account's change, e.g. a new token, is not the data's)
            head = data_head(conn) if valid_head is not None else None
            now = utcnow()
            if last is not None and now <= last.recorded_at:
                now = last.recorded_at + timedelta(microseconds=1)  # strictly increasing
            change_id = conn.execute(changes.insert().values(
                recorded_at=now, author=author.name, author_role=author.role, kind=str(kind),
                note=note)).inserted_primary_key[0]
            writer = Writer(conn, change_id, now, result)
            named: dict[str, set[str]] = {}
            for op in ops:
                fid = op.feature.fid if isinstance(op, Put) else op.fid
                if fid in named.setdefault(op.collection, set()):
                    raise Conflict(f"feature '{fid}' is written twice in one change")
                named[op.collection].add(fid)
                if isinstance(op, Put):
                    writer.put(op)
                else:
                    writer.retire(op)
            for collection in replace:
                for fid in sorted(writer.current_fids(collection) - named.get(collection, set())):
                    writer.retire(Retire(collection, fid))
            if not (result.created or result.changed or result.retired):
                raise NothingChanged
            writer.flush()
            writer.check_validity_overlaps()
            if valid_head is not None and (not head or head != valid_head):
                check_state(conn, change_id)
            if self._has_outbox(conn):
                outbox.enqueue(conn, change_id, now)  # webhook events, in the change's transaction
            if self.dialect == "postgresql":
                conn.execute(sa.text("SELECT pg_notify(:c, :p)"), {"c": NOTIFY_CHANNEL, "p": str(change_id)})
            result.change_id, result.recorded_at = change_id, now
        return result

    def _has_outbox(self, conn: Connection) -> bool:
        """True when the schema has the webhook outbox (a store written before its migration, as
        `seed` on an older revision does, has none and no subscriptions either)."""
        if not self._outbox:
            self._outbox = sa.inspect(conn).has_table("webhook_outbox")
        return self._outbox

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

