"""Typed settings (geoservice/config.py): a bad value stops the start with one line naming it.

Before, GEOSERVICE_MAX_LIMIT=lots started, /readyz said 200 and every items and /openapi request
was a 500. The start is checked as people run it: create_app(), `flask --app geoservice` and
gunicorn with deploy/gunicorn.conf.py, in subprocesses.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from geoservice import APP_LOAD_ERROR, create_app
from geoservice.config import Settings, SettingsError, settings
from tests.conftest import GEODATA, ROOT, new_database

BAD = {"GEOSERVICE_MAX_LIMIT": "lots"}


def _env(url: str, **extra: str) -> dict:
    return {**os.environ, "GEOSERVICE_DATABASE_URL": url, "GEOSERVICE_DATA_DIR": str(GEODATA), **extra}


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("Error:", "ERROR:geoservice"))]


def test_defaults_are_the_app_config_and_the_environment_is_typed(monkeypatch):
    assert settings()["MAX_LIMIT"] == 10_000 and set(settings()) == set(Settings.model_fields)
    monkeypatch.setenv("GEOSERVICE_MAX_LIMIT", "5000")
    monkeypatch.setenv("GEOSERVICE_AUTO_UPGRADE", "false")
    monkeypatch.setenv("GEOSERVICE_ALLOWED_HOSTS", "geo.example.org, other.example.org")
    monkeypatch.setenv("GEOSERVICE_DEFAULT_LIMIT", "")  # empty: the default
    checked = settings({"RELOAD_INTERVAL": 0, "TESTING": True})
    assert checked["MAX_LIMIT"] == 5000 and checked["AUTO_UPGRADE"] is False
    assert checked["ALLOWED_HOSTS"] == ["geo.example.org", "other.example.org"]
    assert checked["DEFAULT_LIMIT"] == 100 and checked["RELOAD_INTERVAL"] == 0
    assert "TESTING" not in checked  # not a setting of the service: left to Flask
    assert settings({"MAX_LIMIT": 700})["MAX_LIMIT"] == 700  # the mapping overrides the environment
    monkeypatch.setenv("GEOSERVICE_ALLOWED_HOSTS", '["geo.example.org"]')
    assert settings()["ALLOWED_HOSTS"] == ["geo.example.org"]


@pytest.mark.parametrize(("name", "value", "accepts"), [
    ("MAX_LIMIT", "lots", "a whole number"),
    ("MAX_LIMIT", "0", "a whole number from 1 to 1000000"),
    ("RELOAD_INTERVAL", "-1", "a number from 0"),
    ("AUTO_UPGRADE", "maybe", "true or false"),
    ("DEFAULT_LANGUAGE", "fr", "'de' or 'en'"),
    ("BASE_URL", "geo.example.org", "https?://"),
    ("ALLOWED_HOSTS", '["geo.example.org"', "a JSON list of host names, or names separated by commas"),
    ("EDITOR_SESSION_HOURS", "0", "a number above 0"),
])
def test_a_bad_value_is_one_line_naming_the_variable(monkeypatch, name, value, accepts):
    monkeypatch.setenv(f"GEOSERVICE_{name}", value)
    with pytest.raises(SettingsError) as raised:
        settings()
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"GEOSERVICE_{name}={value!r} is not accepted: expected ")
    assert accepts in message


def test_a_database_password_is_never_shown(monkeypatch):
    monkeypatch.setenv("GEOSERVICE_DATABASE_URL", "mysql://geo:geheim@db.example.org/geo")
    with pytest.raises(SettingsError) as raised:
        settings()
    assert "geheim" not in str(raised.value) and "GEOSERVICE_DATABASE_URL" in str(raised.value)


def test_two_settings_that_do_not_fit_together(monkeypatch):
    monkeypatch.setenv("GEOSERVICE_DEFAULT_LIMIT", "500")
    with pytest.raises(SettingsError, match=r"DEFAULT_LIMIT \(500\) is larger than MAX_LIMIT \(100\)"):
        settings({"MAX_LIMIT": 100})


def test_create_app_stops_before_opening_the_store(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("GEOSERVICE_MAX_LIMIT", "lots")
    url = f"sqlite:///{tmp_path / 'never.sqlite3'}"
    with pytest.raises(SystemExit) as stopped:
        create_app({"DATABASE_URL": url, "DATA_DIR": str(GEODATA)})
    assert stopped.value.code == APP_LOAD_ERROR
    assert "cannot start: GEOSERVICE_MAX_LIMIT='lots' is not accepted: expected a whole number" in caplog.text
    assert not (tmp_path / "never.sqlite3").exists()


def test_flask_and_gunicorn_refuse_to_start(tmp_path):
    url = new_database("sqlite", tmp_path / "db")
    flask = subprocess.run([sys.executable, "-m", "flask", "--app", "geoservice", "geodata", "check"],
                           cwd=ROOT, env=_env(url, **BAD), capture_output=True, text=True, timeout=120)
    assert flask.returncode != 0 and "Traceback" not in flask.stderr
    assert _error_lines(flask.stderr) == [
        "Error: cannot start: GEOSERVICE_MAX_LIMIT='lots' is not accepted: expected a whole number"]

    gunicorn = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "-w", "1",
         "-b", "127.0.0.1:0"], cwd=ROOT, env=_env(url, **BAD), capture_output=True, text=True, timeout=120)
    assert gunicorn.returncode == APP_LOAD_ERROR  # the master stops: no worker ever answers a request
    assert "GEOSERVICE_MAX_LIMIT='lots' is not accepted" in gunicorn.stderr
