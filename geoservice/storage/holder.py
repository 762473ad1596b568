"""Hold the current Dataset and swap in a new one when the store's files change (live reload)."""

from __future__ import annotations

import logging
import threading
import time

from geoservice.errors import DataError
from geoservice.storage.base import Dataset, Store

log = logging.getLogger(__name__)


class DataHolder:
    """The one reference to the serving Dataset; readers never see a half-loaded state."""

    def __init__(self, store: Store, interval: float = 2.0):
        self.store = store
        self.interval = float(interval)
        self._signature = store.signature()
        self._dataset = store.load()  # a bad bundled file stops start-up here
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self.last_error: str | None = None

    @property
    def dataset(self) -> Dataset:
        """Return the current dataset, reloading first if the files changed."""
        self.maybe_reload()
        return self._dataset

    def maybe_reload(self) -> bool:
        """Reload when the store's signature changed; keep the old data if the new is invalid."""
        now = time.monotonic()
        if now - self._checked < self.interval or not self._lock.acquire(blocking=False):
            return False
        try:
            self._checked = now
            signature = self.store.signature()
            if signature == self._signature:
                return False
            self._signature = signature
            try:
                self._dataset = self.store.load()
            except DataError as exc:
                self.last_error = str(exc)
                log.error("data changed but is invalid; still serving version %s\n%s",
                          self._dataset.version, exc)
                return False
            self.last_error = None
            log.info("reloaded data, version %s", self._dataset.version)
            return True
        finally:
            self._lock.release()
