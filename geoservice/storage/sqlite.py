"""How the store uses an SQLite file: its connections' settings, and its WAL checkpoints.

Every connection of the store's engine (`configure`): explicit transactions (`BEGIN`, and
`BEGIN IMMEDIATE` for a writer that asks for it with the execution option `sqlite_begin`, so it
takes the write lock up front), WAL (readers go on during a write), foreign keys, 30 s of
patience with a busy file.

Checkpoints run in a thread of their own, never in a request's commit. SQLite copies the
write-ahead log back into the database file (a checkpoint, with its fsyncs) inside the commit
that takes the log past 1,000 pages: at 100,000 projects that commit took 93 ms against 1.5 ms
for the others (in process, one in ~100 PATCHes), and 270-290 ms while reads filled both cores
(bench/README.md). Here every EVERY commits of a process a short-lived thread runs a PASSIVE
checkpoint on a connection of its own (it copies what no reader still needs, waiting for no
one; at most one such thread per store at a time); the next writer that finds the log copied
starts it again from its beginning. A commit checkpoints itself only past LIMIT pages (`PRAGMA
wal_autocheckpoint`): when writes follow each other so closely that each begins before the
thread's checkpoint is done, the log is never found copied and would grow without that bound;
such a commit has little left to copy.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

import sqlalchemy as sa
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

EVERY = 32  # commits of this process between two checkpoints (a PATCH adds ~10 pages to the log)
LIMIT = 10_000  # pages of the log (4 KiB each) past which a commit checkpoints (SQLite: 1,000)


class Checkpoints:
    """The checkpoints of one SQLite file, for the connections of one engine."""

    def __init__(self, engine: Engine, path: str):
        self.path = path
        self.commits = 0
        self.due = False
        self.done = 0  # checkpoints run (tests)
        self._running = threading.Lock()
        sa.event.listen(engine, "connect", self._connect)
        sa.event.listen(engine, "commit", self._commit)
        sa.event.listen(engine.pool, "checkin", self._checkin)

    def _connect(self, dbapi_connection, _record) -> None:
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={int(LIMIT)}")

    def _commit(self, _conn) -> None:
        self.commits += 1
        if self.commits % EVERY == 0:
            self.due = True

    def _checkin(self, _dbapi_connection, _record) -> None:
        # the connection is back in the pool: its commit has landed (SQLAlchemy's "commit" event
        # comes before it), so the checkpoint copies it too, and a writer that begins after the
        # checkpoint finds the whole log copied and starts it again
        if self.due and self._running.acquire(blocking=False):
            self.due = False
            threading.Thread(target=self.run, name="sqlite-checkpoint", daemon=True).start()

    def run(self) -> None:
        """Run one PASSIVE checkpoint (the caller holds `_running`, released here)."""
        try:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                self.done += 1
                log.debug("checkpoint of %s: %s of %s log frames copied (busy %s)", self.path,
                          copied, frames, busy)
            finally:
                connection.close()
        except sqlite3.Error as exc:  # a file gone (a test's folder), a locked database: next time
            log.warning("SQLite checkpoint of %s failed: %s", self.path, exc)
        finally:
            self._running.release()


def configure(engine: Engine) -> Checkpoints | None:
    """Set up the connections of an SQLite engine; return the checkpoints of its file (None for
    a database in memory)."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # transactions begin as `_begin` says
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))

    path = engine.url.database
    return Checkpoints(engine, path) if path and path != ":memory:" else None
