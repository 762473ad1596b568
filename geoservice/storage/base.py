"""The storage interface.

A Store keeps every record version of every feature (storage/sql.py: SQLite embedded, PostgreSQL
with PostGIS for several instances). The Dataset it loads lives in domain/dataset.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from geoservice.domain.dataset import Dataset


class Store(Protocol):
    """What the rest of the service needs from storage (see storage/sql.py for the contract)."""

    def signature(self) -> str:
        """Return a cheap token that changes whenever the stored data changes."""

    def load(self, change_id: int | None = None) -> Dataset:
        """Return the state after `change_id` (default: the latest) as a validated Dataset."""

    def change_at(self, instant: datetime) -> int | None:
        """Return the id of the last change recorded at or before `instant` (UTC), or None."""
