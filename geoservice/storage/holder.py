"""Hold the serving Dataset of this worker and swap in a new one when the store changes.

SQLite: a cheap change counter is polled (at most every `interval` seconds, on requests).
PostgreSQL: a listener thread waits for the store's NOTIFY and reloads at once, so a write
through any instance is served by every instance without polling. A request keeps the Dataset
it started with, so no request ever sees half of a change. Past states (`recorded=`) are
loaded on demand and kept in a small LRU.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict

from geoservice.domain import clock
from geoservice.domain.dataset import Dataset
from geoservice.errors import DataError
from geoservice.storage.sql import NOTIFY_CHANNEL, SqlStore

log = logging.getLogger(__name__)

LAST_GOOD_SEARCH = 50  # changes to look back for a valid state when the newest one is invalid
PAST_STATES = 2  # past states kept per worker (each is a full Dataset: memory and seconds to load)


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
        self.loads = 0  # full loads of the serving state (start-up included): what a change costs
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
            self.maybe_reload()
        return self._dataset

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
                dataset = self.store.load(this_year=self.today().year)
            except DataError as exc:
                self._signature = signature
                self.last_error = str(exc)
                log.error("the store changed but its state is invalid; still serving version %s\n%s",
                          self._dataset.version, exc)
                return False
            self._signature, self._dataset, self.last_error = signature, dataset, None
            self.loads += 1
            log.info("reloaded data after change %s, version %s", dataset.change_id, dataset.version)
            return True
        finally:
            self._lock.release()

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
        self.store.dispose()
