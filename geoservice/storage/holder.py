"""Hold the serving Dataset of this worker and swap in a new one when the store changes.

SQLite: before each request the worker asks SQLite whether any connection committed since
(`PRAGMA data_version` on a connection of its own: microseconds, no query of the tables); only
then, or at the latest every `interval` seconds, it reads the change counter. So a read or a
conditional write that follows a write through another worker sees it.
PostgreSQL: a listener thread waits for the store's NOTIFY and catches up at once, so a write
through any instance is served by every instance without polling.
A change is applied to the state served (the changed features only, domain/delta.py); the whole
state is loaded again only when a delta cannot give it exactly (storage/changed.py). A request
keeps the Dataset it started with, so no request ever sees half of a change. Past states
(`recorded=`) are loaded on demand and kept in a small LRU.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict

from geoservice.domain import clock
from geoservice.domain.dataset import Dataset
from geoservice.domain.delta import updated
from geoservice.errors import DataError
from geoservice.storage.changed import changes_since
from geoservice.storage.sql import NOTIFY_CHANNEL, SqlStore, last_modified, state_version

log = logging.getLogger(__name__)

LAST_GOOD_SEARCH = 50  # changes to look back for a valid state when the newest one is invalid
PAST_STATES = 2  # past states kept per worker (each is a full Dataset: memory and seconds to load)
DELTA_LIMIT = 1_000  # changed features up to which a change is applied rather than loaded whole


class DataHolder:
    """The one reference to the serving Dataset; readers never see a half-loaded state."""

    def __init__(self, store: SqlStore, interval: float = 1.0, listen: bool | None = None,
                 today=clock.today):
        self.store = store
        self.today = today  # the clock of New Year (tests pass their own)
        self.interval = float(interval)
        self.listen = store.dialect == "postgresql" if listen is None else listen
        self._signature = store.signature()
        self.last_error: str | None = None
        self.loads = 0  # full loads of the serving state (start-up included)
        self.applied = 0  # changes applied to the served state instead (domain/delta.py)
        try:
            self._dataset = store.load(this_year=today().year)
        except DataError as exc:
            # a worker (re)started while the newest state is invalid serves the last good one
            # and reports not-ready, instead of failing to boot and taking the service down
            self._dataset = self._last_good(exc)
        self.loads += 1
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self._past: OrderedDict[int, Dataset] = OrderedDict()
        self._past_lock = threading.Lock()
        self._listener_pid: int | None = None
        self._stop = threading.Event()
        self._hints = threading.local()  # SQLite: this thread's connection and data_version
        self._hint_connections: list[sqlite3.Connection] = []
        database = store.engine.url.database if store.dialect == "sqlite" else None
        self._hint_path = database if database and database != ":memory:" else None

    def _last_good(self, error: DataError) -> Dataset:
        """Return the newest valid state before the invalid newest one; raise if there is none."""
        head = int(self._signature)
        for change_id in range(head - 1, max(0, head - 1 - LAST_GOOD_SEARCH), -1):
            try:
                dataset = self.store.load(change_id, current=True, this_year=self.today().year)
            except DataError:
                continue
            self.last_error = str(error)
            log.error("the store's newest state (change %s) is invalid; serving change %s\n%s",
                      head, change_id, error)
            return dataset
        raise error  # nothing valid to serve (e.g. the seed itself is broken)

    @property
    def dataset(self) -> Dataset:
        """Return the current dataset, reloading first if the store changed (SQLite polling), or
        at New Year: ongoing projects without an end then run until the new year."""
        if self._dataset.this_year != self.today().year:
            self.maybe_reload(force=True)
        if self.listen:
            self._ensure_listener()
        else:
            self.maybe_reload(force=self._committed_since())
        return self._dataset

    def _committed_since(self) -> bool:
        """SQLite: True when any other connection committed since this thread last asked (a
        write of another worker or process; also one to the accounts: the counter then says)."""
        if self._hint_path is None:
            return False
        hints = self._hints
        try:
            connection = getattr(hints, "connection", None)
            if connection is None:
                connection = sqlite3.connect(self._hint_path, isolation_level=None,
                                             check_same_thread=False)
                self._hint_connections.append(connection)
                hints.connection, hints.version = connection, None
            version = connection.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return False  # the poll by `interval` still sees the change
        moved = hints.version is not None and version != hints.version
        hints.version = version
        return moved

    def maybe_reload(self, force: bool = False) -> bool:
        """Reload when the store's counter moved; keep the old data if the new state is invalid."""
        now = time.monotonic()
        if not force and now - self._checked < self.interval:
            return False
        if not self._lock.acquire(blocking=force):
            return False
        try:
            self._checked = now
            signature = self.store.signature()
            if signature == self._signature and self._dataset.this_year == self.today().year:
                return False
            try:
                dataset = self._next_state()
            except DataError as exc:
                self._signature = signature
                self.last_error = str(exc)
                log.error("the store changed but its state is invalid; still serving version %s\n%s",
                          self._dataset.version, exc)
                return False
            self._signature, self._dataset, self.last_error = str(dataset.change_id), dataset, None
            return True
        finally:
            self._lock.release()

    def _next_state(self) -> Dataset:
        """The newest state: the served one with the changes since applied, or loaded whole."""
        served, year = self._dataset, self.today().year
        if served.this_year == year:
            try:
                delta = changes_since(self.store, served.change_id, DELTA_LIMIT)
                if delta is not None:
                    dataset = updated(served, delta.features, delta.change_id,
                                      state_version(delta.change_id, delta.recorded_at, year),
                                      last_modified(delta.recorded_at), delta.whole)
                    self.applied += 1
                    log.info("applied change %s (%s features)", delta.change_id, len(delta))
                    return dataset
            except DataError:
                pass  # the full load below names the problem as a start would
        dataset = self.store.load(this_year=year)
        self.loads += 1
        log.info("reloaded data after change %s, version %s", dataset.change_id, dataset.version)
        return dataset

    def at(self, change_id: int) -> Dataset:
        """Return the state right after a past change (kept in a small LRU)."""
        if change_id == self._dataset.change_id:
            return self._dataset
        with self._past_lock:
            hit = self._past.get(change_id)
            if hit is not None:
                self._past.move_to_end(change_id)
                return hit
        dataset = self.store.load(change_id, this_year=self.today().year)
        with self._past_lock:
            self._past[change_id] = dataset
            while len(self._past) > PAST_STATES:
                self._past.popitem(last=False)
        return dataset

    # ------------------------------------------------------------------ PostgreSQL LISTEN

    def _ensure_listener(self) -> None:
        pid = os.getpid()
        if self._listener_pid == pid:
            return
        with self._lock:
            if self._listener_pid == pid:
                return
            self._listener_pid = pid  # per process: a forked worker starts its own
            threading.Thread(target=self._listen, name="geoservice-listen", daemon=True).start()

    def _listen(self) -> None:
        import psycopg

        conninfo = self.store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.maybe_reload(force=True)  # catch up on whatever came before LISTEN
                    while not self._stop.is_set():
                        # wakes at each notice, and once a second to see whether to stop
                        if list(conn.notifies(timeout=1.0, stop_after=1)):
                            self.maybe_reload(force=True)
            except Exception as exc:  # the connection dropped: reconnect, then catch up
                if self._stop.is_set():
                    break
                log.warning("change listener lost its connection (%s); reconnecting", exc)
                self._stop.wait(1.0)
        self.store.dispose()  # a reload that raced close() may have opened a connection

    def close(self) -> None:
        """Stop the listener and close the store's connections."""
        self._stop.set()
        for connection in self._hint_connections:
            connection.close()
        self.store.dispose()
