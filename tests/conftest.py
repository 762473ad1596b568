"""Shared fixtures: the app on the bundled data, a test client, and a real server on loopback."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from geoservice import create_app

ROOT = Path(__file__).resolve().parents[1]
GEODATA = ROOT / "geodata"


@pytest.fixture(scope="session")
def app():
    """The app on the repository's bundled data (read-only: tests never write to geodata/)."""
    return create_app({"TESTING": True, "DATA_DIR": str(GEODATA)})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    """A private copy of geodata/ for tests that import, replace or corrupt files."""
    target = tmp_path / "geodata"
    shutil.copytree(GEODATA, target, ignore=shutil.ignore_patterns("sources", "*.md", "*.csv"))
    return target


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


@pytest.fixture(scope="session")
def live_server(app):
    """The bundled-data app on a real server on loopback, shared by the session's client tests."""
    server = LiveServer(app)
    yield server
    server.stop()
