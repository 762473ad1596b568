"""Webhooks in the store: subscriptions, and the outbox their events wait in.

`enqueue()` runs inside `SqlStore.write()`'s transaction: every feature change of the commit
becomes one CloudEvents 1.0 event per matching active subscription, in the SAME transaction as
the change (a change is never committed without its events, nor an event without its change).

Delivery workers (geoservice/webhooks/) `claim()` due events: a short write transaction that
leases them (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so workers on several instances never take the
same row; SQLite: the writers' lock, `BEGIN IMMEDIATE`), send them outside any transaction and
then mark them delivered, or due again later with back-off, or failed after the last attempt.
A worker killed while sending leaves a lease that runs out: the event is sent again (receivers
dedupe by `webhook-id`, as Standard Webhooks asks).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geoservice.storage import changelog
from geoservice.storage.tables import records, webhook_outbox, webhook_subscriptions

EVENT_TYPE = "org.geoservice.feature.{status}"  # created | changed | retired
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Subscription:
    id: int
    url: str
    secret: str
    collections: list[str] | None
    features: list[str] | None
    active: bool

    def wants(self, collection: str, fid: str) -> bool:
        if self.collections is not None and collection not in self.collections:
            return False
        return self.features is None or f"{collection}/{fid}" in self.features


def _subscription(row) -> Subscription:
    return Subscription(row.id, row.url, row.secret,
                        json.loads(row.collections) if row.collections else None,
                        json.loads(row.features) if row.features else None, bool(row.active))


# --------------------------------------------------------------------------- subscriptions

def add(engine: sa.Engine, url: str, secret: str, collections: list[str] | None,
        features: list[str] | None, created_by: str) -> int:
    with engine.begin() as conn:
        return conn.execute(webhook_subscriptions.insert().values(
            url=url, secret=secret, collections=json.dumps(collections) if collections else None,
            features=json.dumps(features) if features else None, active=True,
            created_at=utcnow(), created_by=created_by)).inserted_primary_key[0]


def remove(engine: sa.Engine, subscription_id: int) -> bool:
    """Deactivate a subscription (its outbox rows stay as the record of what was sent)."""
    with engine.begin() as conn:
        done = conn.execute(webhook_subscriptions.update()
                            .where(webhook_subscriptions.c.id == subscription_id,
                                   webhook_subscriptions.c.active.is_(True))
                            .values(active=False)).rowcount
        conn.execute(webhook_outbox.update().where(webhook_outbox.c.subscription_id == subscription_id,
                                                   webhook_outbox.c.status == PENDING)
                     .values(status=FAILED, last_error="subscription removed"))
    return bool(done)


def subscriptions(engine: sa.Engine, active_only: bool = True) -> list[Subscription]:
    query = sa.select(webhook_subscriptions).order_by(webhook_subscriptions.c.id)
    if active_only:
        query = query.where(webhook_subscriptions.c.active.is_(True))
    with engine.connect() as conn:
        return [_subscription(row) for row in conn.execute(query)]


def report(engine: sa.Engine) -> list[dict]:
    """Every subscription with its counts per status and its latest failure (for administrators)."""
    out = []
    with engine.connect() as conn:
        counts = conn.execute(sa.select(webhook_outbox.c.subscription_id, webhook_outbox.c.status,
                                        sa.func.count()).group_by(webhook_outbox.c.subscription_id,
                                                                  webhook_outbox.c.status)).all()
        errors = conn.execute(sa.select(webhook_outbox.c.subscription_id, webhook_outbox.c.event_id,
                                        webhook_outbox.c.status, webhook_outbox.c.attempts,
                                        webhook_outbox.c.last_error)
                              .where(webhook_outbox.c.last_error.is_not(None),
                                     webhook_outbox.c.status != DELIVERED)
                              .order_by(webhook_outbox.c.id.desc())).all()
        for row in conn.execute(sa.select(webhook_subscriptions).order_by(webhook_subscriptions.c.id)):
            sub = _subscription(row)
            out.append({
                "id": sub.id, "url": sub.url, "active": sub.active, "collections": sub.collections,
                "features": sub.features, "created_by": row.created_by,
                "created_at": row.created_at.isoformat() + "Z",
                "events": {status: n for sid, status, n in counts if sid == sub.id},
                "problems": [{"event": e.event_id, "status": e.status, "attempts": e.attempts,
                              "error": e.last_error} for e in errors if e.subscription_id == sub.id][:20],
            })
    return out


def retry_failed(engine: sa.Engine, subscription_id: int) -> int:
    """Make a subscription's failed events due again (after the receiver was fixed)."""
    with engine.begin() as conn:
        return conn.execute(webhook_outbox.update().where(
            webhook_outbox.c.subscription_id == subscription_id, webhook_outbox.c.status == FAILED)
            .values(status=PENDING, attempts=0, next_attempt_at=utcnow(), lease_until=None)).rowcount


# --------------------------------------------------------------------------- in the write

def cloud_event(entry: changelog.Entry) -> dict:
    feature = None
    if entry.status != changelog.RETIRED:
        geometry = json.loads(shapely.to_geojson(shapely.from_wkb(entry.wkb))) if entry.wkb else None
        feature = {"type": "Feature", "id": entry.fid, "geometry": geometry,
                   "properties": entry.properties}
    return {
        "specversion": "1.0",
        "id": f"record-{entry.record_id}",
        "source": f"/collections/{entry.collection}",
        "type": EVENT_TYPE.format(status=entry.status),
        "subject": entry.fid,
        "time": entry.recorded_at.isoformat(timespec="microseconds") + "Z",
        "datacontenttype": "application/json",
        "data": {"collection": entry.collection, "id": entry.fid, "change": entry.status,
                 "cursor": entry.record_id, "record_id": entry.record_id,
                 "change_id": entry.change_id, "kind": entry.kind, "note": entry.note,
                 "author_role": entry.author_role, "feature": feature,
                 "item": f"/collections/{entry.collection}/items/{entry.fid}",
                 "changes": f"/collections/{entry.collection}/changes?after={entry.record_id - 1}"},
    }


def enqueue(conn: Connection, change_id: int, now: datetime) -> int:
    """Write the events of change `change_id` for every matching active subscription (inside the
    change's transaction). Returns the number of outbox rows; with no subscription one query."""
    subs = [_subscription(row) for row in conn.execute(
        sa.select(webhook_subscriptions).where(webhook_subscriptions.c.active.is_(True)))]
    if not subs:
        return 0
    query = changelog.select_entries().where(records.c.change_id == change_id).order_by(records.c.id)
    rows = []
    for entry in (changelog.entry(row) for row in conn.execute(query)):
        event = None
        for sub in subs:
            if sub.wants(entry.collection, entry.fid):
                event = event or json.dumps(cloud_event(entry), ensure_ascii=False, separators=(",", ":"))
                rows.append(dict(subscription_id=sub.id, change_id=change_id,
                                 event_id=f"record-{entry.record_id}", payload=event,
                                 status=PENDING, attempts=0, next_attempt_at=now,
                                 lease_until=None, last_error=None, delivered_at=None,
                                 created_at=now))
    if rows:
        conn.execute(webhook_outbox.insert(), rows)
    return len(rows)


# --------------------------------------------------------------------------- delivery

@dataclass(frozen=True)
class Due:
    id: int
    event_id: str
    payload: str
    attempts: int  # including this one
    subscription: Subscription


def claim(engine: sa.Engine, limit: int, lease: timedelta) -> list[Due]:
    """Lease up to `limit` due events for this worker (no other worker gets them meanwhile)."""
    now = utcnow()
    due = sa.and_(webhook_outbox.c.status == PENDING, webhook_outbox.c.next_attempt_at <= now,
                  sa.or_(webhook_outbox.c.lease_until.is_(None), webhook_outbox.c.lease_until < now))
    query = sa.select(webhook_outbox.c.id).where(due).order_by(webhook_outbox.c.id).limit(limit)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        else:
            query = query.with_for_update(skip_locked=True)
        with conn.begin():
            ids = list(conn.execute(query).scalars())
            if not ids:
                return []
            conn.execute(webhook_outbox.update().where(webhook_outbox.c.id.in_(ids))
                         .values(lease_until=now + lease, attempts=webhook_outbox.c.attempts + 1))
            rows = conn.execute(sa.select(webhook_outbox, webhook_subscriptions.c.url,
                                          webhook_subscriptions.c.secret,
                                          webhook_subscriptions.c.collections,
                                          webhook_subscriptions.c.features,
                                          webhook_subscriptions.c.active)
                                .join(webhook_subscriptions,
                                      webhook_subscriptions.c.id == webhook_outbox.c.subscription_id)
                                .where(webhook_outbox.c.id.in_(ids))
                                .order_by(webhook_outbox.c.id)).all()
    return [Due(r.id, r.event_id, r.payload, r.attempts,
                Subscription(r.subscription_id, r.url, r.secret,
                             json.loads(r.collections) if r.collections else None,
                             json.loads(r.features) if r.features else None, bool(r.active)))
            for r in rows]


def delivered(engine: sa.Engine, outbox_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(webhook_outbox.update().where(webhook_outbox.c.id == outbox_id)
                     .values(status=DELIVERED, delivered_at=utcnow(), lease_until=None,
                             last_error=None))


def attempt_failed(engine: sa.Engine, due: Due, error: str, retry_in: timedelta | None) -> None:
    """Record a failed attempt: due again after `retry_in`, or failed for good (None)."""
    with engine.begin() as conn:
        values = dict(lease_until=None, last_error=error[:1000])
        if retry_in is None:
            values["status"] = FAILED
        else:
            values["next_attempt_at"] = utcnow() + retry_in
        conn.execute(webhook_outbox.update().where(webhook_outbox.c.id == due.id).values(**values))
