"""Shared fixtures: the app on the bundled data in both stores, a test client, a real server.

Every test that uses `app` (or `client`, `live_server`, `make_app`) runs twice: on the embedded
SQLite store and on PostgreSQL with PostGIS (GEOSERVICE_TEST_POSTGRES, default the local server
that `make test` makes sure of). Each app gets a database of its own, dropped at the end.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from geoservice import create_app

ROOT = Path(__file__).resolve().parents[1]
GEODATA = ROOT / "geodata"
POSTGRES = os.environ.get("GEOSERVICE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")

_apps: list = []


def _admin() -> sa.Engine:
    return sa.create_engine(POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1),
                            isolation_level="AUTOCOMMIT")


def new_database(backend: str, folder: Path) -> str:
    """Return the URL of a new, empty database of the backend."""
    if backend == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / f'geoservice-{uuid.uuid4().hex[:8]}.sqlite3'}"
    # the pid names this run's databases: the session drops them all, however this module was
    # imported (as `conftest` by pytest or as `tests.conftest` by a test module)
    name = f"geoservice_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    engine = _admin()
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.engine.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


def pytest_sessionfinish(session, exitstatus) -> None:
    for app in _apps:
        holder = app.extensions.get("geoservice")
        if holder is not None:
            holder.close()
    try:
        engine = _admin()
        with engine.connect() as conn:
            names = conn.execute(sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                 {"p": f"geoservice_test_{os.getpid()}_%"}).scalars().all()
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    except sa.exc.OperationalError:
        pass  # no PostgreSQL in this run: nothing to drop


def build_app(backend: str, folder: Path, **config):
    """Create the app on a new database of `backend`, seeded from DATA_DIR (default geodata/)."""
    settings = {"TESTING": True, "DATA_DIR": str(GEODATA),
                "DATABASE_URL": new_database(backend, folder)}
    settings.update(config)
    app = create_app(settings)
    _apps.append(app)
    return app


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """The store under test: 'sqlite' or 'postgresql'."""
    return request.param


@pytest.fixture(scope="session")
def app(backend, tmp_path_factory):
    """The app on the bundled data (read-only: tests never write to it or to geodata/)."""
    return build_app(backend, tmp_path_factory.mktemp(f"db-{backend}"))


@pytest.fixture()
def make_app(backend, tmp_path):
    """Build apps on fresh databases of the current backend (for tests that write).

    Their connections and listeners are closed when the test ends.
    """
    made: list = []

    def make(**config):
        made.append(build_app(backend, tmp_path / "db", **config))
        return made[-1]

    yield make
    for app in made:
        _apps.remove(app)
        app.extensions["geoservice"].close()


def wait_for(predicate, timeout: float = 5.0) -> bool:
    """Poll `predicate` until it is true (a change reaches PostgreSQL workers by NOTIFY, async)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    """A private copy of geodata/ for tests that seed from changed or broken files."""
    target = tmp_path / "geodata"
    shutil.copytree(GEODATA, target, ignore=shutil.ignore_patterns("sources", "*.md", "*.csv"))
    return target


CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; a test tool never downloads a browser
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (Playwright allows one sync driver per process)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield chromium
        chromium.close()


class LiveServer:
    """A real threaded HTTP server on 127.0.0.1 serving an app, stopped after the test(s)."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


class Recorder:
    """WSGI middleware keeping each request's path and decoded query: what a client sent."""

    def __init__(self, app):
        self.app, self.seen = app, []

    def __call__(self, environ, start_response):
        from urllib.parse import unquote_plus

        self.seen.append(f"{environ.get('PATH_INFO', '')}?{unquote_plus(environ.get('QUERY_STRING', ''))}")
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def recorded_server(app):
    """The bundled-data app on a real server that records the requests (`.recorder.seen`)."""
    recorder = Recorder(app)
    server = LiveServer(recorder)
    server.recorder = recorder
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_server(app):
    """The bundled-data app on a real server on loopback, shared by the session's client tests."""
    server = LiveServer(app)
    yield server
    server.stop()
