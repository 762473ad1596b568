"""Login floods (issue 19): counted atomically, throttled per name and address, bounded per worker.

Every password check runs Argon2 (64 MiB): a flood of logins must neither run more checks than
the throttle allows (no race between counting and checking) nor queue checks without bound.
X-Forwarded-For counts only from a configured proxy.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from geoservice.config import SettingsError, settings
from geoservice.storage import accounts
from geoservice.storage.accounts import Accounts
from geoservice.storage.sql import utcnow
from geoservice.storage.tables import login_attempts
from tests.conftest import LiveServer, build_app

HTML = {"Accept": "text/html", "Accept-Language": "de"}
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PROXY = "10.0.0.1"  # the one trusted proxy of the app under test


@pytest.fixture(scope="module", autouse=True)
def production_password_hashes(cheap_password_hashes):
    """The floods meet production's Argon2 parameters, not the suite's cheap ones (conftest)."""
    cheap = accounts._hasher
    accounts._hasher = cheap_password_hashes
    accounts._dummy.clear()
    yield
    accounts._hasher = cheap
    accounts._dummy.clear()


def test_production_hashes_passwords_with_argon2id_rfc_9106_low_memory(production_password_hashes):
    stored = accounts._hasher.hash("x")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert accounts._hasher.verify(stored, "x")


@pytest.fixture(scope="module")
def flood_app(backend, tmp_path_factory):
    app = build_app(backend, tmp_path_factory.mktemp("logins"), PROXY_FIX_HOPS=1,
                    TRUSTED_PROXIES=[PROXY], WTF_CSRF_ENABLED=True)
    password = Accounts(app.extensions["geoservice"].store).add("anna", "editor", "QM", "test")[1]
    app.anna_password = password
    return app


def _store(app):
    return app.extensions["geoservice"].store


def _failures(app, **where) -> int:
    with _store(app).engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
            login_attempts.c.ok.is_(False),
            *(getattr(login_attempts.c, k) == v for k, v in where.items()))).scalar_one()


def _login(client, name: str, password: str, address: str = PROXY, forwarded: str | None = None):
    environ = {"REMOTE_ADDR": address}
    headers = dict(HTML, **({"X-Forwarded-For": forwarded} if forwarded else {}))
    page = client.get("/edit/login", headers=headers, environ_base=environ).get_data(as_text=True)
    return client.post("/edit/login", headers=headers, environ_base=environ, data={
        "csrf_token": CSRF.search(page).group(1), "name": name, "password": password})


@pytest.mark.both_stores  # the count and the insert must not race on either store
def test_sixteen_concurrent_wrong_passwords_allow_exactly_five_checks(flood_app):
    server = LiveServer(flood_app)
    final: list[int] = []
    busy = [0]
    lock = threading.Lock()
    start = threading.Barrier(16)

    def attempt(n: int) -> None:
        with requests.Session() as session:
            page = session.get(f"{server.url}/edit/login", headers=HTML, timeout=30).text
            data = {"csrf_token": CSRF.search(page).group(1), "name": "anna", "password": f"falsch{n}"}
            start.wait()
            for _ in range(400):  # a 503 (all checks in use) is answered at once: try again
                # (a client's own X-Forwarded-For makes it no other address)
                status = session.post(f"{server.url}/edit/login", data=data, timeout=60,
                                      headers=dict(HTML, **{"X-Forwarded-For": f"192.0.2.{n}"}),
                                      allow_redirects=False).status_code
                if status != 503:
                    break
                with lock:
                    busy[0] += 1
                time.sleep(0.02)
            with lock:
                final.append(status)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(16)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        server.stop()
    print("16 concurrent wrong passwords:", {s: final.count(s) for s in set(final)}, "busy:", busy[0])
    assert sorted(final) == [401] * 5 + [429] * 11
    assert _failures(flood_app, name="anna", address="127.0.0.1") == 5  # exactly 5 checks ran


def test_a_worker_answers_503_at_once_when_its_password_checks_are_in_use(flood_app):
    checks = flood_app.extensions["geoservice_logins"]
    held = 0
    while checks.acquire(blocking=False):  # every check of this worker in use (a flood)
        held += 1
    try:
        response = _login(flood_app.test_client(), "anna", "falsch", forwarded="198.51.100.9")
    finally:
        for _ in range(held):
            checks.release()
    assert held == flood_app.config["LOGIN_CONCURRENCY"] == 2
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert "zu viele Anmeldungen geprüft" in response.get_data(as_text=True)
    assert _failures(flood_app, address="198.51.100.9") == 0  # nothing counted, nothing checked


def test_unknown_names_from_one_address_are_throttled_like_known_ones(flood_app, monkeypatch):
    monkeypatch.setitem(flood_app.config, "LOGIN_MAX_ADDRESS_FAILURES", 2)
    client = flood_app.test_client()
    statuses = [_login(client, uuid.uuid4().hex, "x", forwarded="198.51.100.20").status_code
                for _ in range(5)]
    assert statuses == [401] * 2 + [429] * 3
    assert _failures(flood_app, address="198.51.100.20") == 2  # no check beyond the limit


def test_one_name_is_throttled_across_addresses(flood_app, monkeypatch):
    monkeypatch.setitem(flood_app.config, "LOGIN_MAX_NAME_FAILURES", 2)
    client = flood_app.test_client()
    statuses = [_login(client, "bruno", "x", forwarded=f"203.0.113.{n}").status_code
                for n in range(4)]
    assert statuses == [401] * 2 + [429] * 2


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(flood_app, monkeypatch):
    monkeypatch.setitem(flood_app.config, "LOGIN_MAX_FAILURES", 2)
    client = flood_app.test_client()
    # a direct client (not the proxy) rotating X-Forwarded-For is still one address
    statuses = [_login(client, "carla", "x", address="192.0.2.50",
                       forwarded=f"198.51.100.{100 + n}").status_code for n in range(4)]
    assert statuses == [401] * 2 + [429] * 2
    assert _failures(flood_app, address="192.0.2.50") == 2
    # through the proxy, the forwarded address is the client's
    assert _login(client, "carla", "x", forwarded="198.51.100.150").status_code == 401
    assert _failures(flood_app, address="198.51.100.150") == 1
    with pytest.raises(SettingsError, match="PROXY_FIX_HOPS needs TRUSTED_PROXIES"):
        settings({"PROXY_FIX_HOPS": 1})
    with pytest.raises(SettingsError, match="not an IP address"):
        settings({"PROXY_FIX_HOPS": 1, "TRUSTED_PROXIES": ["proxy.example.org"]})


def test_old_login_attempts_are_deleted(flood_app):
    old = utcnow() - timedelta(minutes=float(flood_app.config["LOGIN_WINDOW_MINUTES"]) + 1)
    with _store(flood_app).engine.begin() as conn:
        conn.execute(login_attempts.insert().values(name="alt", address="192.0.2.99", at=old, ok=False))
    Accounts._pruned = None  # the next attempt prunes (at most once a minute per process)
    assert _login(flood_app.test_client(), "dora", "x", forwarded="198.51.100.77").status_code == 401
    assert _failures(flood_app, address="192.0.2.99") == 0
    assert _failures(flood_app, address="198.51.100.77") == 1


def test_password_checks_run_at_the_lowest_cpu_priority_by_default():
    import os

    def own_priority() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    assert settings({})["LOGIN_CHECK_NICE"] == 19
    assert accounts._low_priority(19, own_priority) == 19  # (Argon2's lane threads inherit it)
    assert accounts._low_priority(0, own_priority) == own_priority()  # 0: the caller's thread
