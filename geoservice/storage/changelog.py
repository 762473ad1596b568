"""The change log read as a sequence of feature changes (feeds, the change stream, webhooks,
e-mail digests).

Every stored record is one feature change: the record a change inserted, with the record it
closed (the feature before). Its status is `created` (no record before, or the one before was
retired), `changed` or `retired` (the record is the feature's retired last record).

The record id is the cursor of the change stream. It is gap-free in commit order because records
are inserted only by `SqlStore.write()` while it holds the writers' lock (SQLite `BEGIN
IMMEDIATE`, a PostgreSQL transaction-level advisory lock, released only after the commit is
visible): a record id is drawn after every earlier writer committed, so no record with a smaller
id can become visible after a reader has seen a larger one. Rolled-back ids are holes that
never fill. Readers read one page in one snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from geoservice.domain.schema import FUNDING_AREAS, PROJECTS
from geoservice.storage.tables import changes, records

CREATED, CHANGED, RETIRED = "created", "changed", "retired"


@dataclass(frozen=True)
class Entry:
    """One feature change: the record it made and the feature's record before it."""

    record_id: int  # the cursor
    collection: str
    fid: str
    change_id: int
    recorded_at: datetime  # naive UTC, as stored
    kind: str  # the change's kind (seed, import, create, replace, update, retire)
    note: str
    author_role: str  # public: a role or organisation, never the account
    status: str  # CREATED, CHANGED or RETIRED
    properties: dict
    wkb: bytes | None
    before_properties: dict | None
    before_wkb: bytes | None
    before_retired: bool | None


def select_entries():
    prev = records.alias("prev")
    query = (sa.select(records.c.id, records.c.collection, records.c.fid, records.c.change_id,
                       records.c.properties, records.c.geom, records.c.retired,
                       changes.c.recorded_at, changes.c.kind, changes.c.note, changes.c.author_role,
                       prev.c.properties.label("prev_properties"), prev.c.geom.label("prev_geom"),
                       prev.c.retired.label("prev_retired"))
             .join(changes, changes.c.id == records.c.change_id)
             .outerjoin(prev, sa.and_(prev.c.collection == records.c.collection,
                                      prev.c.fid == records.c.fid,
                                      prev.c.closed_by == records.c.change_id)))
    return query


def entry(row) -> Entry:
    if row.retired:
        status = RETIRED
    elif row.prev_properties is None or row.prev_retired:
        status = CREATED
    else:
        status = CHANGED
    return Entry(row.id, row.collection, row.fid, row.change_id, row.recorded_at, row.kind,
                 row.note, row.author_role, status, json.loads(row.properties), row.geom,
                 json.loads(row.prev_properties) if row.prev_properties is not None else None,
                 row.prev_geom, row.prev_retired)


def _read(engine: sa.Engine, query) -> list[Entry]:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            return [entry(row) for row in conn.execute(query)]


def after(engine: sa.Engine, collection: str, cursor: int, limit: int,
          upto_change: int | None = None) -> list[Entry]:
    """Return a collection's feature changes after record `cursor`, oldest first (at most `limit`)."""
    query = (select_entries().where(records.c.collection == collection, records.c.id > cursor)
             .order_by(records.c.id).limit(limit))
    if upto_change is not None:
        query = query.where(records.c.change_id <= upto_change)
    return _read(engine, query)


def since(engine: sa.Engine, cursor: int, upto: int, limit: int) -> list[Entry]:
    """Return every collection's feature changes after record `cursor` up to record `upto`,
    oldest first (at most `limit`): what the e-mail digests read."""
    query = (select_entries().where(records.c.id > cursor, records.c.id <= upto)
             .order_by(records.c.id).limit(limit))
    return _read(engine, query)


def recent(engine: sa.Engine, limit: int, upto_change: int, collections: Iterable[str] | None = None,
           fid: str | None = None, area_id: str | None = None) -> list[Entry]:
    """Return the newest feature changes, newest first: of the whole register, some collections,
    one feature (`collections` + `fid`) or one funding area (its versions and its projects)."""
    query = select_entries().where(records.c.change_id <= upto_change).order_by(records.c.id.desc())
    if collections is not None:
        query = query.where(records.c.collection.in_(list(collections)))
    if fid is not None:
        query = query.where(records.c.fid == fid)
    if area_id is None:
        return _read(engine, query.limit(limit))
    # an area: its boundary versions (indexed column) and the projects that named it then
    versions = query.where(records.c.collection == FUNDING_AREAS.name, records.c.area_id == area_id)
    projects = query.where(records.c.collection == PROJECTS.name)
    found = _read(engine, versions.limit(limit))
    found += [e for e in _read(engine, projects) if e.properties.get("area_id") == area_id
              or (e.before_properties or {}).get("area_id") == area_id]
    return sorted(found, key=lambda e: e.record_id, reverse=True)[:limit]


def head(engine: sa.Engine) -> int:
    """Return the newest record id (0 when empty)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(records.c.id))).scalar() or 0
