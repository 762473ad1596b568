"""Storage layer: the only code that knows where the data lives."""

from __future__ import annotations

import logging
from pathlib import Path

from geoservice.domain.dataset import Dataset
from geoservice.storage import snapshot
from geoservice.storage.base import Store
from geoservice.storage.sql import SqlStore

__all__ = ["Dataset", "SchemaOutdated", "SqlStore", "Store", "database_url", "open_store"]

log = logging.getLogger(__name__)


class SchemaOutdated(RuntimeError):
    """The database is at an older schema and AUTO_UPGRADE is off."""

    def __init__(self, message: str, store: SqlStore):
        super().__init__(message)
        self.store = store


def database_url(config, instance_path: str) -> str:
    """Return the configured DATABASE_URL, default an SQLite file in the instance folder."""
    url = config.get("DATABASE_URL") or ""
    if url:
        return url
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'geoservice.sqlite3'}"


def open_store(config, instance_path: str, prepare: bool = True) -> SqlStore:
    """Return the configured store; with `prepare`, migrate (AUTO_UPGRADE) and seed an empty one.

    A PostgreSQL store keeps its last good state in the snapshot file (SNAPSHOT_PATH), from which
    a worker starts while the database cannot be reached.
    """
    url = database_url(config, instance_path)
    store = SqlStore(url)
    if store.dialect == "postgresql":
        store.snapshots.path = Path(config.get("SNAPSHOT_PATH") or
                                   snapshot.default_path(instance_path, url))
    if not prepare:
        return store
    try:
        if store.revision() != store.head():
            if not config.get("AUTO_UPGRADE", True):
                raise SchemaOutdated(f"the database schema is {store.revision() or 'empty'}, this code "
                                     f"needs {store.head()}; run `flask --app geoservice db upgrade`", store)
            store.upgrade()
        if store.is_empty():
            result = store.seed(Path(config["DATA_DIR"]))
            if result.change_id:
                log.info("seeded the store from %s (change %s)", config["DATA_DIR"], result.change_id)
    except BaseException:
        store.dispose()  # no connection outlives a failed start
        raise
    return store
