"""The messages of the feedback form, in the store, for the administrators.

The sender's IP address is never stored: a keyed hash of it (HMAC-SHA-256 with the app's secret)
counts the messages per address for the hourly limit.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from geoservice.storage.sql import SqlStore, utcnow
from geoservice.storage.tables import feedback


@dataclass(frozen=True)
class Message:
    """One received message as the administrators see it."""

    id: int
    received_at: datetime  # UTC
    name: str
    contact: str
    page: str
    message: str
    lang: str


def address_key(address: str, secret: str) -> str:
    """Return the stored form of a sender's address (not reversible without the secret)."""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()


class FeedbackBox:
    """Feedback messages on a SqlStore."""

    def __init__(self, store: SqlStore):
        self.store = store

    def add(self, address_hash: str, name: str, contact: str, page: str, message: str,
            lang: str) -> int:
        with self.store.engine.begin() as conn:
            return conn.execute(feedback.insert().values(
                received_at=utcnow(), address=address_hash[:64], name=name[:200],
                contact=contact[:300], page=page[:500], message=message, lang=lang[:5],
            ).returning(feedback.c.id)).scalar_one()

    def sent_since(self, address_hash: str, window: timedelta) -> int:
        """Count the messages from this address within the window."""
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(feedback).where(
                feedback.c.address == address_hash[:64],
                feedback.c.received_at >= utcnow() - window)).scalar_one()

    def latest(self, limit: int = 200) -> list[Message]:
        """Return the newest messages first."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(feedback).order_by(feedback.c.id.desc()).limit(limit))
            return [Message(r.id, r.received_at, r.name, r.contact, r.page, r.message, r.lang)
                    for r in rows]
