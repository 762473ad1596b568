"""Operating-system errors are one clear line: the file and the problem, exit code != 0, no traceback.

The commands run as a person runs them (`flask --app geoservice ...`, `python -c create_app()`),
in subprocesses, on a store of each backend. Read-only folders and files are real: when the tests
run as root (who ignores permissions), the subprocess runs without the capabilities that let root
override them (`setpriv --bounding-set=-dac_override,-dac_read_search`). A full disk is /dev/full
(ENOSPC on every write) and, for the atomic write's own error path, a failing fsync.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from geoservice import create_app
from geoservice.storage import geojson
from tests.conftest import GEODATA, ROOT, new_database

pytestmark = pytest.mark.both_stores  # the store matters here (tests/conftest.py)

NO_OVERRIDE = (["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
               if os.geteuid() == 0 else [])
READ_ONLY_DIR = stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH


@pytest.fixture()
def store_url(backend, tmp_path) -> str:
    """A migrated and seeded store of the backend (PostgreSQL: its own database)."""
    url = new_database(backend, tmp_path / "db")
    create_app({"DATABASE_URL": url, "DATA_DIR": str(GEODATA)}).extensions["geoservice"].close()
    return url


def run(*args: str, url: str, python: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", args[0]] if python else \
        [sys.executable, "-m", "flask", "--app", "geoservice", *args]
    env = {**os.environ, "GEOSERVICE_DATABASE_URL": url, "GEOSERVICE_DATA_DIR": str(GEODATA)}
    return subprocess.run([*NO_OVERRIDE, *command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def one_line(result: subprocess.CompletedProcess, *named: str) -> str:
    """Assert a failure told in one line (besides log lines) naming `named`; return that line."""
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines()
             if line.startswith(("Error:", "ERROR:geoservice"))]
    assert len(lines) == 1, result.stderr[-2000:]
    for text in named:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.fixture()
def read_only(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    (folder / "projects.geojson").write_text("{}", encoding="utf-8")
    folder.chmod(READ_ONLY_DIR)
    yield folder
    folder.chmod(0o755)


def test_dump_into_a_read_only_folder(store_url, read_only):
    result = run("geodata", "dump", "--to", str(read_only), url=store_url)
    line = one_line(result, str(read_only), "Permission denied")
    assert ".tmp" not in line
    assert sorted(p.name for p in read_only.iterdir()) == ["projects.geojson"]


def test_export_to_a_full_disk_and_to_a_read_only_folder(store_url, read_only):
    one_line(run("geodata", "export", "/dev/full", "--collection", "projects", url=store_url),
             "/dev/full", "No space left on device")
    target = read_only / "projekte.gpkg"
    one_line(run("geodata", "export", str(target), "--collection", "projects", url=store_url),
             str(target), "Permission denied")


def test_import_of_an_unreadable_file(store_url, tmp_path):
    source = tmp_path / "projekte.geojson"
    source.write_bytes((GEODATA / "projects.geojson").read_bytes())
    source.chmod(0)
    result = run("geodata", "import", str(source), "--collection", "projects", url=store_url)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert str(source) in result.stderr and "Permission denied" in result.stderr


def test_sqlite_in_a_read_only_folder(tmp_path):
    """import into a read-only database, db upgrade and the server start where none can be made."""
    folder = tmp_path / "instance"
    url = new_database("sqlite", folder)
    create_app({"DATABASE_URL": url, "DATA_DIR": str(GEODATA)}).extensions["geoservice"].close()
    source = tmp_path / "projekte.geojson"
    source.write_bytes((GEODATA / "projects.geojson").read_bytes())
    database = Path(url.removeprefix("sqlite:///"))
    database.chmod(0o444)
    folder.chmod(READ_ONLY_DIR)
    try:
        one_line(run("geodata", "import", str(source), "--collection", "projects", "--note", "x",
                     url=url), str(database), "readonly database")
        fresh = f"sqlite:///{folder / 'new.sqlite3'}"
        one_line(run("db", "upgrade", url=fresh), str(folder / "new.sqlite3"),
                 "unable to open database file")
        start = run("from geoservice import create_app; create_app()", url=fresh, python=True)
        assert start.returncode == 4  # gunicorn's APP_LOAD_ERROR: its master stops, no crash loop
        one_line(start, str(folder / "new.sqlite3"), "unable to open database file")
    finally:
        folder.chmod(0o755)
        database.chmod(0o644)


def test_a_failed_atomic_write_names_the_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    def full(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    target = tmp_path / "projects.geojson"
    target.write_text("old", encoding="utf-8")
    monkeypatch.setattr(geojson.os, "fsync", full)
    with pytest.raises(OSError) as raised:
        geojson.write_atomically(target, "new")
    assert raised.value.filename == str(target) and raised.value.errno == errno.ENOSPC
    assert [p.name for p in tmp_path.iterdir()] == ["projects.geojson"]
    assert target.read_text(encoding="utf-8") == "old"


def test_temp_files_of_a_killed_write_are_removed_by_the_next(store_url, tmp_path):
    """A dump or export killed between writing its temporary file and the rename leaves
    '.NAME.XXXX.tmp' behind; the next run removes it."""
    out = tmp_path / "out"
    out.mkdir()
    leftovers = [out / ".projects.geojson.k1ll3d.tmp", out / ".timeline.json.abc.tmp",
                 out / ".projekte.gpkg.x9.tmp"]
    for path in leftovers:
        path.write_text("half", encoding="utf-8")
    assert run("geodata", "dump", "--to", str(out), url=store_url).returncode == 0
    assert run("geodata", "export", str(out / "projekte.gpkg"), "--collection", "projects",
               url=store_url).returncode == 0
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert (out / "projects.geojson").is_file() and (out / "projekte.gpkg").is_file()
