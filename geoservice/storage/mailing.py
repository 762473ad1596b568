"""Residents' e-mail subscriptions in the store: pending and confirmed, their cursors, the limit.

A subscription is an address, a scope (the whole register, one funding area, one project), a
language and a frequency. It is created unconfirmed; an unconfirmed one is deleted after a day
(`prune()`, run on every subscription request and by every `mail send`). Confirming sets its
cursor to the change log's newest record: from then on every committed feature change after the
cursor that lies in its scope is mailed once, and the cursor moves past it in the store after the
SMTP server accepted the mail (geoservice/mail/send.py).

Workers `claim()` due subscriptions with a lease (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite the
writers' lock), so two workers never mail the same digest.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from geoservice.domain.schema import COLLECTIONS, FUNDING_AREAS, PROJECTS
from geoservice.storage import changelog
from geoservice.storage.sql import utcnow
from geoservice.storage.tables import mail_requests, mail_subscriptions, records

ALL, AREA, PROJECT = "all", "area", "project"
SCOPES = (ALL, AREA, PROJECT)
IMMEDIATE, DAILY = "immediate", "daily"
FREQUENCIES = (IMMEDIATE, DAILY)
UNCONFIRMED_FOR = timedelta(days=1)  # the longest an unconfirmed address is kept


@dataclass(frozen=True)
class Subscription:
    """One subscription as the store keeps it."""

    id: int
    email: str
    scope: str  # ALL | AREA | PROJECT
    scope_id: str | None
    lang: str
    frequency: str  # IMMEDIATE | DAILY
    token_hash: str
    created_at: datetime  # UTC
    confirmed_at: datetime | None
    cursor: int | None

    def wants(self, entry: changelog.Entry) -> bool:
        """Return True if a feature change lies in this subscription's scope."""
        if self.scope == ALL:
            return entry.collection in COLLECTIONS  # the published collections, as the feeds
        if self.scope == PROJECT:
            return entry.collection == PROJECTS.name and entry.fid == self.scope_id
        if entry.collection not in (PROJECTS.name, FUNDING_AREAS.name):
            return False
        return self.scope_id in (entry.properties.get("area_id"),
                                 (entry.before_properties or {}).get("area_id"))


def token_hash(token: str) -> str:
    """Return the stored form of a subscription's random token."""
    return hashlib.sha256(token.encode()).hexdigest()


def request_key(kind: str, value: str, secret: str) -> str:
    """Return the stored form of a client address or e-mail address for the hourly limit."""
    return hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _subscription(row) -> Subscription:
    return Subscription(row.id, row.email, row.scope, row.scope_id, row.lang, row.frequency,
                        row.token_hash, row.created_at, row.confirmed_at, row.cursor)


def _head(conn) -> int:
    return conn.execute(sa.select(sa.func.max(records.c.id))).scalar() or 0


def prune(engine: sa.Engine, now: datetime | None = None) -> int:
    """Delete unconfirmed subscriptions older than a day and request counts older than a day;
    return the number of subscriptions deleted."""
    limit = (now or utcnow()) - UNCONFIRMED_FOR
    with engine.begin() as conn:
        conn.execute(mail_requests.delete().where(mail_requests.c.at < limit))
        return conn.execute(mail_subscriptions.delete().where(
            mail_subscriptions.c.confirmed_at.is_(None),
            mail_subscriptions.c.created_at < limit)).rowcount


def allow_request(engine: sa.Engine, keys: list[str], per_hour: int) -> bool:
    """Count one subscription request for each key; False (nothing counted) when any key already
    made `per_hour` requests within the last hour."""
    now = utcnow()
    with engine.begin() as conn:
        seen = conn.execute(sa.select(sa.func.count(), mail_requests.c.key)
                            .where(mail_requests.c.key.in_(keys),
                                   mail_requests.c.at >= now - timedelta(hours=1))
                            .group_by(mail_requests.c.key)).all()
        if any(count >= per_hour for count, _ in seen):
            return False
        conn.execute(mail_requests.insert(), [{"key": key, "at": now} for key in keys])
    return True


def add_pending(engine: sa.Engine, email: str, scope: str, scope_id: str | None, lang: str,
                frequency: str, hashed_token: str) -> int:
    """Store an unconfirmed subscription (after pruning the old unconfirmed ones); return its id."""
    prune(engine)
    with engine.begin() as conn:
        return conn.execute(mail_subscriptions.insert().values(
            email=email, scope=scope, scope_id=scope_id, lang=lang, frequency=frequency,
            token_hash=hashed_token, created_at=utcnow(), confirmed_at=None, cursor=None,
            lease_until=None)).inserted_primary_key[0]


def get(engine: sa.Engine, subscription_id: int) -> Subscription | None:
    """Return a subscription by its id (the caller checks the token: mail/tokens.py)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(mail_subscriptions).where(
            mail_subscriptions.c.id == subscription_id)).first()
    return None if row is None else _subscription(row)


def confirm(engine: sa.Engine, found: Subscription) -> Subscription:
    """Confirm a subscription (idempotent): its cursor becomes the change log's head, and an
    older subscription of the same address to the same scope is replaced by it."""
    if found.confirmed_at is not None:
        return found
    with engine.begin() as conn:
        now, head = utcnow(), _head(conn)
        conn.execute(mail_subscriptions.update().where(mail_subscriptions.c.id == found.id)
                     .values(confirmed_at=now, cursor=head))
        same = [mail_subscriptions.c.email == found.email, mail_subscriptions.c.scope == found.scope,
                mail_subscriptions.c.id != found.id]
        same.append(mail_subscriptions.c.scope_id.is_(None) if found.scope_id is None
                    else mail_subscriptions.c.scope_id == found.scope_id)
        conn.execute(mail_subscriptions.delete().where(*same))
    return Subscription(**{**found.__dict__, "confirmed_at": now, "cursor": head})


def delete(engine: sa.Engine, subscription_id: int) -> bool:
    """Delete a subscription (unsubscribe, or an administrator on request)."""
    with engine.begin() as conn:
        return bool(conn.execute(mail_subscriptions.delete().where(
            mail_subscriptions.c.id == subscription_id)).rowcount)


def delete_address(engine: sa.Engine, email: str) -> int:
    """Delete every subscription of an address (case-insensitive); return how many."""
    with engine.begin() as conn:
        return conn.execute(mail_subscriptions.delete().where(
            sa.func.lower(mail_subscriptions.c.email) == email.strip().lower())).rowcount


def listing(engine: sa.Engine, email: str | None = None, limit: int | None = None) -> list[Subscription]:
    """Every subscription (or an address's), newest first: for administrators only."""
    query = sa.select(mail_subscriptions).order_by(mail_subscriptions.c.id.desc()).limit(limit)
    if email:
        query = query.where(sa.func.lower(mail_subscriptions.c.email) == email.strip().lower())
    with engine.connect() as conn:
        return [_subscription(row) for row in conn.execute(query)]


def claim(engine: sa.Engine, frequency: str, limit: int, lease: timedelta,
          exclude: Collection[int] = ()) -> tuple[list[Subscription], int]:
    """Lease up to `limit` confirmed subscriptions of a frequency that have changes after their
    cursor (except those in `exclude`); return them and the change log's head they are due up to."""
    now = utcnow()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn = conn.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        with conn.begin():
            head = _head(conn)
            query = (sa.select(mail_subscriptions.c.id)
                     .where(mail_subscriptions.c.confirmed_at.is_not(None),
                            mail_subscriptions.c.frequency == frequency,
                            mail_subscriptions.c.cursor < head,
                            sa.or_(mail_subscriptions.c.lease_until.is_(None),
                                   mail_subscriptions.c.lease_until < now),
                            mail_subscriptions.c.id.not_in(list(exclude)))
                     .order_by(mail_subscriptions.c.id).limit(limit))
            if engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = list(conn.execute(query).scalars())
            if not ids:
                return [], head
            conn.execute(mail_subscriptions.update().where(mail_subscriptions.c.id.in_(ids))
                         .values(lease_until=now + lease))
            rows = conn.execute(sa.select(mail_subscriptions)
                                .where(mail_subscriptions.c.id.in_(ids))
                                .order_by(mail_subscriptions.c.id)).all()
    return [_subscription(row) for row in rows], head


def advance(engine: sa.Engine, subscription_id: int, cursor: int) -> None:
    """Move a subscription's cursor (its digest up to `cursor` was accepted) and end its lease."""
    with engine.begin() as conn:
        conn.execute(mail_subscriptions.update().where(mail_subscriptions.c.id == subscription_id)
                     .values(cursor=cursor, lease_until=None))


def release(engine: sa.Engine, subscription_id: int) -> None:
    """End a lease without moving the cursor (the mail was not accepted: tried again later)."""
    with engine.begin() as conn:
        conn.execute(mail_subscriptions.update().where(mail_subscriptions.c.id == subscription_id)
                     .values(lease_until=None))
