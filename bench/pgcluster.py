"""A private PostgreSQL server for runs that stop and start the database (tests/test_outage.py,
bench/reliability.py --fault database).

The run's own cluster in a temporary folder on a free port (initdb + pg_ctl of PostgreSQL 15):
the shared server on port 5432 is never touched. As root, the cluster runs as the `postgres`
OS user (PostgreSQL refuses to run as root), so the folder is handed to that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BIN = Path(os.environ.get("GEOSERVICE_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def missing() -> str | None:
    """Return why no private cluster can be made here, or None."""
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not (BIN / tool).is_file():
            return f"{BIN / tool} not found (PostgreSQL 15 server binaries)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` OS user to run the cluster"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """initdb'd cluster in a temporary folder; start(), stop(), remove()."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="geoservice-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.log = self.folder / "postgres.log"
        self._user = None
        if os.geteuid() == 0:
            self._user = pwd.getpwnam("postgres")
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)
        self._run([str(BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                   "--no-sync", "-E", "UTF8", "--locale", "C"])

    def _run(self, command: list[str], timeout: float = 60) -> None:
        if self._user is not None:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout, cwd=self.folder)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/geoservice"

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        self._run([str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                   "-w", "-t", "60", "start"], timeout=90)

    def stop(self, mode: str = "fast") -> None:
        self._run([str(BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"],
                  timeout=90)

    def create_database(self, name: str = "geoservice") -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres",
                                  isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()

    def remove(self) -> None:
        """Stop the server if it runs (immediately) and delete the folder."""
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except (subprocess.SubprocessError, OSError):
                pid = int((self.data / "postmaster.pid").read_text().split()[0])
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
                time.sleep(0.5)
        shutil.rmtree(self.folder, ignore_errors=True)
