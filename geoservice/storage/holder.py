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
from geoservice.errors import DataError, unavailable
from geoservice.storage.changed import changes_since
from geoservice.storage.sql import CONNECT_TIMEOUT, NOTIFY_CHANNEL, SqlStore
from geoservice.storage.states import last_modified, state_version

log = logging.getLogger(__name__)

LAST_GOOD_SEARCH = 50  # changes to look back for a valid state when the newest one is invalid
# past states (`recorded=`) kept per worker, keyed by the change they resolve to: at most this
# many, and at most PAST_BYTES with each state counted as PAST_STATE_BYTES (its frames, indexes)
# plus its memo (rendered answers; each memo is itself bounded, domain/dataset.py)
# (measured with the bundled data: 0.4 MiB resident per state before it answers anything)
PAST_STATES = 64
PAST_STATE_BYTES = 2**20
PAST_BYTES = 96 * 2**20
REVALIDATE_SECONDS = 5.0  # while the newest state is invalid, load it again this often
RETRY_FIRST, RETRY_MAX = 0.5, 4.0  # seconds between attempts to reach an absent database
DELTA_LIMIT = 1_000  # changed features up to which a change is applied rather than loaded whole


class NoSnapshot(RuntimeError):
    """The database cannot be reached and there is no snapshot to serve instead."""


class _Offline(Exception):
    pass


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:120]


class DataHolder:
    """The one reference to the serving Dataset; readers never see a half-loaded state.

    Two ways the store can fail it, each reported by /readyz and cleared by itself:
    `last_error`: the store's newest state is invalid (the newest valid one is served, and the
    newest state is re-validated every REVALIDATE_SECONDS, so a repair made by SQL is noticed);
    `outage`: the database cannot be reached (the last good state is served from memory or from
    the snapshot file, writes and logins are refused with 503, the database is tried again with
    a back-off until it answers).
    """

    def __init__(self, store: SqlStore, interval: float = 1.0, listen: bool | None = None,
                 today=clock.today, offline: str | None = None):
        self.store = store
        self.today = today  # the clock of New Year (tests pass their own)
        self.interval = float(interval)
        self.listen = store.dialect == "postgresql" if listen is None else listen
        self.last_error: str | None = None
        self.outage: str | None = None
        self.loads = 0  # full loads of the serving state (start-up included)
        self.applied = 0  # changes applied to the served state instead (domain/delta.py)
        self._searched: str | None = None  # the signature the last good state was searched for
        try:
            if offline is not None:
                raise _Offline(offline)
            self._signature = store.signature()
            try:
                self._dataset = store.load(this_year=today().year)
            except DataError as exc:
                # a worker (re)started while the newest state is invalid serves the last good one
                # and reports not-ready, instead of failing to boot and taking the service down
                self._dataset = self._last_good(exc)
            self.loads += 1
        except Exception as exc:  # noqa: BLE001 - only an unreachable database is survived
            reason = offline if isinstance(exc, _Offline) else unavailable(exc)
            if reason is None:
                raise
            self._dataset = self._from_snapshot(reason)
        self._checked = self._validated = time.monotonic()
        self._lock = threading.Lock()
        self._past: OrderedDict[int, Dataset] = OrderedDict()
        self._past_lock = threading.Lock()
        self._loading: dict[int, threading.Lock] = {}
        self._listener_pid: int | None = None
        self._stop = threading.Event()
        self._hints = threading.local()  # SQLite: this thread's connection and data_version
        self._hint_connections: list[sqlite3.Connection] = []
        database = store.engine.url.database if store.dialect == "sqlite" else None
        self._hint_path = database if database and database != ":memory:" else None

    def _from_snapshot(self, reason: str) -> Dataset:
        """Start from the snapshot file while the database is away (raise if there is none)."""
        try:
            dataset = self.store.snapshots.load(this_year=self.today().year)
        except (OSError, ValueError) as exc:
            raise NoSnapshot(f"the database cannot be reached ({reason}) and there is no usable "
                             f"snapshot of its last good state ({exc})") from None
        self._signature = str(dataset.change_id)
        self.outage = reason
        log.error("the database cannot be reached (%s); serving change %s from the snapshot %s",
                  reason, dataset.change_id, self.store.snapshots.path)
        return dataset

    def went_away(self, reason: str) -> None:
        """Note that the database cannot be reached (a request or the listener found out)."""
        if self.outage is None:
            log.error("the database cannot be reached (%s); serving change %s read-only",
                      reason, self._dataset.change_id)
        self.outage = reason

    def _last_good(self, error: DataError, above: int = 0) -> Dataset:
        """Return the newest valid state before the invalid newest one (newer than change `above`);
        raise `error` if there is none. Every worker searches alike, so all serve the same state."""
        head = int(self._signature)
        self._searched = self._signature
        for change_id in range(head - 1, max(above, head - 1 - LAST_GOOD_SEARCH), -1):
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
        write of another worker or process; also one to the accounts: the counter then says),
        and on a thread's first question."""
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
        # a thread's first question cannot know what was committed before it: it checks the
        # change counter once (a read right after a write through another worker may be the
        # first request this thread serves; read-your-writes failed 1 in 60 without this)
        moved = hints.version is None or version != hints.version
        hints.version = version
        return moved

    def maybe_reload(self, force: bool = False) -> bool:
        """Reload when the store's counter moved (or, while the newest state is invalid, every
        REVALIDATE_SECONDS); keep the last good data if the new state is invalid; note an
        unreachable database instead of failing."""
        now = time.monotonic()
        if not force and now - self._checked < self.interval:
            return False
        if not self._lock.acquire(blocking=force):
            return False
        try:
            self._checked = now
            try:
                return self._reload(now)
            except Exception as exc:  # noqa: BLE001 - only an unreachable database is survived
                reason = unavailable(exc)
                if reason is None:
                    raise
                self.went_away(reason)
                return False
        finally:
            self._lock.release()

    def _reload(self, now: float) -> bool:
        signature = self.store.signature()
        if self.outage is not None:
            log.info("the database answers again")
            self.outage = None
        recheck = self.last_error is not None and now - self._validated >= REVALIDATE_SECONDS
        if signature == self._signature and self._dataset.this_year == self.today().year \
                and not recheck:
            return False
        self._validated = now
        try:
            dataset = self._next_state()
        except DataError as exc:
            self._signature = signature
            self.last_error = str(exc)
            if self._searched != signature:  # a newer valid state than the one served?
                try:
                    self._dataset = self._last_good(exc, above=self._dataset.change_id)
                except DataError:
                    self._searched = signature
            log.error("the store changed but its state is invalid; still serving version %s\n%s",
                      self._dataset.version, exc)
            return False
        self._signature, self._dataset, self.last_error = str(dataset.change_id), dataset, None
        return True

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
                    if delta.features:  # kept for a start without the database, from memory
                        self.store.snapshots.keep(delta.change_id, delta.recorded_at, dataset, delta)
                    log.info("applied change %s (%s features)", delta.change_id, len(delta))
                    return dataset
            except DataError:
                pass  # the full load below names the problem as a start would
        dataset = self.store.load(this_year=year)
        self.loads += 1
        log.info("reloaded data after change %s, version %s", dataset.change_id, dataset.version)
        return dataset

    def at(self, change_id: int) -> Dataset:
        """Return the state right after a past change, from an LRU of past states bounded by
        count and bytes (PAST_STATES, PAST_BYTES); concurrent requests for a state not kept
        load it once."""
        if change_id == self._dataset.change_id:
            return self._dataset
        with self._past_lock:
            hit = self._past.get(change_id)
            if hit is not None:
                self._past.move_to_end(change_id)
                self._trim_past()  # the memos of the kept states grow as they answer
                return hit
            loading = self._loading.setdefault(change_id, threading.Lock())
        with loading:
            with self._past_lock:
                hit = self._past.get(change_id)
            if hit is not None:
                return hit
            try:
                dataset = self.store.load(change_id, this_year=self.today().year)
            finally:
                with self._past_lock:
                    self._loading.pop(change_id, None)
            with self._past_lock:
                self._past[change_id] = dataset
                self._trim_past()
        return dataset

    def _trim_past(self) -> None:
        """Drop the least recently used past states beyond PAST_STATES or PAST_BYTES (each state
        counts PAST_STATE_BYTES plus what its memo holds); the newest one always stays."""
        while len(self._past) > 1 and (len(self._past) > PAST_STATES or sum(
                PAST_STATE_BYTES + d.memo_bytes for d in self._past.values()) > PAST_BYTES):
            self._past.popitem(last=False)

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
        delay = RETRY_FIRST
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    delay = RETRY_FIRST
                    self.maybe_reload(force=True)  # catch up on whatever came before LISTEN
                    while not self._stop.is_set():
                        # wakes at each notice, and once a second to see whether to stop
                        if list(conn.notifies(timeout=1.0, stop_after=1)) or self.outage:
                            self.maybe_reload(force=True)
                        elif self.last_error is not None:
                            self.maybe_reload()  # re-validate (a repair by SQL sends no notice)
            except Exception as exc:  # the connection dropped: reconnect with a back-off, catch up
                if self._stop.is_set():
                    break
                reason = unavailable(exc) or _first_line(exc)
                if isinstance(exc, psycopg.Error):
                    self.went_away(reason)
                log.warning("change listener lost its connection (%s); retrying in %.1f s", reason, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, RETRY_MAX)
        self.store.dispose()  # a reload that raced close() may have opened a connection

    def close(self) -> None:
        """Stop the listener and close the store's connections."""
        self._stop.set()
        for connection in self._hint_connections:
            connection.close()
        self.store.dispose()
