"""Shared fixtures: the app on the bundled data, a test client, a real server, a browser.

Tests run in tiers (docs/TESTING.md):
- on **both stores** (the embedded SQLite store and PostgreSQL with PostGIS, GEOSERVICE_TEST_POSTGRES,
  default the local server that `make test` makes sure of) where the store matters: the module says
  so with `pytestmark = pytest.mark.both_stores`; `pytest --all-stores` runs every test on both;
- on **SQLite only** for everything else (domain, read API, pages, formats, browser journeys): the
  `backend` fixture is parametrised by `pytest_generate_tests` below, so the ids stay `[sqlite]`.

Each app gets a database of its own, dropped at the end. Apps on the bundled data are copies of one
database per store seeded once per session (SQLite: the backup API; PostgreSQL: CREATE DATABASE
... TEMPLATE), so a writing test pays for a copy, not for the migrations and the seed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from werkzeug.serving import make_server

from geoservice import create_app
from geoservice.storage import accounts, open_store

ROOT = Path(__file__).resolve().parents[1]
GEODATA = ROOT / "geodata"
POSTGRES = os.environ.get("GEOSERVICE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")

_apps: list = []
# PostgreSQL servers and commands that tests start as subprocesses keep their snapshot of the last
# good state here, not in instance/ (removed at the session's end)
_SNAPSHOTS = Path(tempfile.mkdtemp(prefix="geoservice-snapshots-"))
os.environ.setdefault("GEOSERVICE_SNAPSHOT_PATH", str(_SNAPSHOTS / "state.json.gz"))


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
    for folder in [*_template_dirs, _SNAPSHOTS]:
        shutil.rmtree(folder, ignore_errors=True)


def _seed_key(data_dir: Path) -> str:
    """What a seed from `data_dir` depends on: the folder's name (in the seed's note) and its files."""
    digest = hashlib.sha256(data_dir.name.encode())
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if path.is_file() and relative.parts[0] != "sources" and path.suffix not in (".md", ".csv"):
            digest.update(str(relative).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


GEODATA_KEY = _seed_key(GEODATA)
_templates: dict[str, str] = {}  # backend -> URL of this session's database seeded from geodata/


def _template_folder() -> Path:
    """The session's folder for the SQLite template (removed at the session's end)."""
    if not _template_dirs:
        _template_dirs.append(Path(tempfile.mkdtemp(prefix="geoservice-template-")))
    return _template_dirs[0]


_template_dirs: list[Path] = []


def _seeded_copy(backend: str, folder: Path) -> str:
    """Return the URL of a new database of the backend holding the seed of geodata/.

    The first call per backend migrates and seeds a template; later ones copy it.
    """
    if backend not in _templates:
        url = new_database(backend, _template_folder())
        open_store({"DATABASE_URL": url, "DATA_DIR": str(GEODATA)}, "").dispose()
        _templates[backend] = url
    template = sa.engine.make_url(_templates[backend])
    if backend == "sqlite":
        url = new_database(backend, folder)
        with closing(sqlite3.connect(template.database)) as source, \
                closing(sqlite3.connect(sa.engine.make_url(url).database)) as copy:
            source.backup(copy)
        return url
    name = f"geoservice_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    engine = _admin()
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"'))
    engine.dispose()
    return template.set(database=name).render_as_string(hide_password=False)


def build_app(backend: str, folder: Path, **config):
    """Create the app on a new database of `backend`, seeded from DATA_DIR (default geodata/).

    A database seeded from the same files as geodata/ is a copy of the session's template.
    """
    # PostgreSQL apps keep their last good state in a file: the test's folder, not instance/
    # Password checks at normal priority: the suite keeps both cores busy, and checks at nice 19
    # (production's default, measured by bench/reliability.py --fault login-flood) would wait
    settings = {"TESTING": True, "DATA_DIR": str(GEODATA), "LOGIN_CHECK_NICE": 0,
                "SNAPSHOT_PATH": str(folder / f"snapshot-{uuid.uuid4().hex[:8]}.json.gz")}
    settings.update(config)
    if "DATABASE_URL" not in settings:
        if settings.get("AUTO_UPGRADE", True) and _seed_key(Path(settings["DATA_DIR"])) == GEODATA_KEY:
            settings["DATABASE_URL"] = _seeded_copy(backend, folder)
        else:
            settings["DATABASE_URL"] = new_database(backend, folder)
    app = create_app(settings)
    _apps.append(app)
    return app


def pytest_addoption(parser) -> None:
    parser.addoption("--all-stores", action="store_true",
                     help="run every test that uses a store on SQLite and PostgreSQL, not only "
                          "the modules marked both_stores")


def _parametrizes_backend(metafunc) -> bool:
    """Return True when the test itself parametrises `backend` (it then chooses the stores)."""
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", ())
        if "backend" in ([n.strip() for n in names.split(",")] if isinstance(names, str) else names):
            return True
    return False


def pytest_generate_tests(metafunc) -> None:
    """Parametrise `backend`: both stores for tests marked both_stores (or --all-stores), else SQLite."""
    if "backend" in metafunc.fixturenames and not _parametrizes_backend(metafunc):
        both = metafunc.config.getoption("all_stores") or metafunc.definition.get_closest_marker("both_stores")
        metafunc.parametrize("backend", BACKENDS if both else BACKENDS[:1], indirect=True, scope="session")


@pytest.hookimpl(optionalhook=True)  # `-p no:xdist` runs without it
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile` hands out whole modules longest first (tests/scheduling.py)."""
    if config.getvalue("dist") == "loadfile":
        from scheduling import LongestFirst

        return LongestFirst(config, log)
    return None


def pytest_collection_modifyitems(items) -> None:
    """Tests that drive Chromium are marked `browser` (`pytest -m "not browser"` skips them)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    """Argon2 with its cheapest parameters (argon2-cffi's profile CHEAPEST, made for tests) for
    accounts made and checked in the test process: production's (RFC 9106 low-memory, 64 MiB) cost
    ~0.3 s of two cores per hash, and the suite makes and checks hundreds. Servers the tests start
    as processes (gunicorn, granian, flask commands) hash as production does; so do the login
    flood tests (tests/test_login_flood.py, `production_password_hashes`)."""
    production = accounts._hasher
    accounts._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    accounts._dummy.clear()
    yield production
    accounts._hasher = production
    accounts._dummy.clear()


@pytest.fixture(scope="session")
def backend(request) -> str:
    """The store under test: 'sqlite' or 'postgresql' (parametrised by pytest_generate_tests)."""
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
