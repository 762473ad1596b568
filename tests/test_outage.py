"""A PostgreSQL outage is a degraded mode, not an outage (issue 19).

The README's production command (deploy/granian.sh, 2 workers) serves a private
PostgreSQL/PostGIS cluster this test starts itself (bench/pgcluster.py; the shared server on
5432 is never touched). The database is stopped, a worker is killed: granian starts a new one
from the snapshot of the last good state, reads go on, /readyz, writes and logins answer 503;
the database is started again and the service is ready within 30 s, with no request failing
after that. Figures are printed (`pytest -s`) and written to the test's properties.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from bench import pgcluster
from tests.conftest import GEODATA, ROOT
from tests.test_production import URLS, _free_port, children

HTML = {"Accept": "text/html"}
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
FEATURE = "/collections/projects/items/bmx-anlage-prohlis"


@pytest.fixture(scope="module")
def cluster():
    reason = pgcluster.missing()
    if reason:
        pytest.skip(f"no private PostgreSQL cluster can be made here: {reason}")
    made = pgcluster.Cluster()
    try:
        made.start()
        made.create_database()
        yield made
    finally:
        made.remove()


def _login(url: str, name: str, password: str) -> int:
    with requests.Session() as session:
        page = session.get(f"{url}/edit/login", headers=HTML, timeout=20)
        token = CSRF.search(page.text).group(1)
        return session.post(f"{url}/edit/login", headers=HTML, timeout=20, allow_redirects=False,
                            data={"csrf_token": token, "name": name, "password": password}).status_code


def _patch(url: str, token: str, text: str) -> int:
    tag = requests.get(url + FEATURE, timeout=20).headers["ETag"]
    return requests.patch(url + FEATURE, json={"properties": {"status_note": text}}, timeout=20,
                          headers={"Authorization": f"Bearer {token}", "If-Match": tag, "X-Change-Note": "Test",
                                   "Content-Type": "application/merge-patch+json"}).status_code


def _readyz(url: str) -> int:
    try:
        return requests.get(f"{url}/readyz", timeout=10).status_code
    except requests.RequestException:
        return 0


@pytest.mark.slow  # starts a PostgreSQL cluster and granian
def test_a_database_outage_and_a_killed_worker_leave_reads_up(cluster, tmp_path, record_property):
    from geoservice import create_app
    from geoservice.storage.accounts import Accounts

    snapshot = tmp_path / "snapshot.json.gz"
    settings = {"DATABASE_URL": cluster.url, "DATA_DIR": str(GEODATA), "SNAPSHOT_PATH": str(snapshot)}
    app = create_app(settings)  # migrate and seed once, before two workers start on it
    _account, password, token = Accounts(app.extensions["geoservice"].store).add(
        "olga", "admin", "Test", "test")
    app.extensions["geoservice"].close()
    snapshot.unlink(missing_ok=True)  # the workers write it themselves

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, **{f"GEOSERVICE_{k}": v for k, v in settings.items()}}
    log = tmp_path / "granian.log"
    env.update({"GEOSERVICE_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
                "GRANIAN": str(Path(sys.executable).parent / "granian")})
    with open(log, "wb") as output:
        server = subprocess.Popen(["bash", str(ROOT / "deploy" / "granian.sh")], cwd=ROOT, env=env,
                                  stdout=output, stderr=subprocess.STDOUT)
    outcome: dict[str, list] = {"outage": [], "after": []}
    phase = ["outage"]
    stop = threading.Event()

    def read(offset: int) -> None:  # one reader: new connection per request, no retry
        n = offset
        while not stop.is_set():
            path = URLS[n % len(URLS)]
            n += 1
            asked = time.monotonic()
            try:
                status = requests.get(url + path, timeout=20).status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            outcome[phase[0]].append((asked, time.monotonic(), status))

    readers = [threading.Thread(target=read, args=(i,)) for i in range(3)]
    try:
        deadline = time.monotonic() + 90
        # both workers started (granian logs each): /readyz may be answered by the first while
        # the second still loads, and connections handed to that one fail meanwhile (a fresh
        # clone's run failed 243 reads so, all before the second worker was up)
        while not (len(children(server.pid)) == 2 and _readyz(url) == 200 and snapshot.exists()
                   and log.read_text().count("Started worker-") >= 2):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        assert _patch(url, token, "vor dem Ausfall") == 200  # writes work while it is up

        for thread in readers:
            thread.start()
        cluster.stop("fast")
        down = time.monotonic()
        while any(_readyz(url) != 503 for _ in range(6)):  # both workers notice
            assert time.monotonic() - down < 20, "readyz stayed ready without the database"
        victim = min(children(server.pid))
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)  # granian must start a worker without the database
        while not (victim not in (now := children(server.pid)) and len(now) == 2):
            assert server.poll() is None, "the server exited: " + log.read_text()[-2000:]
            time.sleep(0.05)
        while "from the snapshot" not in log.read_text():  # the new worker boots from it
            assert server.poll() is None, "the server exited: " + log.read_text()[-2000:]
            assert time.monotonic() - down < 90, log.read_text()[-2000:]
            time.sleep(0.1)
        replaced = time.monotonic()
        assert server.poll() is None
        probes = [requests.get(f"{url}/readyz", timeout=10) for _ in range(10)]
        assert {p.status_code for p in probes} == {503}
        assert probes[0].json()["reason"].startswith("database unavailable")
        writes = [_patch(url, token, "im Ausfall") for _ in range(4)]
        logins = [_login(url, "olga", password) for _ in range(4)]
        assert writes == [503] * 4 and logins == [503] * 4

        cluster.start()
        back = time.monotonic()
        while not all(_readyz(url) == 200 for _ in range(10)):
            assert time.monotonic() - back < 30, "not ready 30 s after the database returned"
            time.sleep(0.1)
        ready_s = time.monotonic() - back
        phase[0] = "after"
        time.sleep(2)
        assert _patch(url, token, "nach dem Ausfall") == 200
        assert _login(url, "olga", password) == 303
    finally:
        stop.set()
        for thread in readers:
            if thread.is_alive() or thread.ident:
                thread.join(timeout=30)
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)

    during, after = [s for *_t, s in outcome["outage"]], [s for *_t, s in outcome["after"]]
    answered = during.count(200) / len(during)
    # a read in flight at the kill fails, and granian refuses some connections until the new
    # worker is up (1 to 8 in test_production.py's respawn test); every other read is answered
    failed = [(asked, ended, s) for asked, ended, s in outcome["outage"] if s != 200]
    figures = {"outage_reads": len(during), "outage_answered": round(answered, 4),
               "outage_failures": sorted({str(s) for *_t, s in failed}), "failed": len(failed),
               "failed_outside_the_respawn": sum(ended < killed or asked > replaced
                                                 for asked, ended, _s in failed),
               "ready_after_restart_s": round(ready_s, 2), "after_reads": len(after),
               "after_failures": len(after) - after.count(200)}
    record_property("outage", figures)
    print("outage:", figures)
    assert figures["outage_failures"] in ([], ["ConnectionError"]), figures
    assert figures["failed_outside_the_respawn"] == 0 and len(failed) <= 10, figures
    assert after and after.count(200) == len(after), figures


def _closed_port_url() -> str:
    return f"postgresql://postgres@127.0.0.1:{_free_port()}/geoservice"  # nothing listens there


def test_a_worker_starts_from_the_snapshot_while_the_database_is_away(app, tmp_path):
    """In process, without a cluster: a snapshot of the bundled state, a database that refuses."""
    from geoservice import create_app
    from geoservice.storage import snapshot

    data = app.extensions["geoservice"].dataset
    when = app.extensions["geoservice"].store.features(data.change_id)[1]
    path = tmp_path / "snapshot.json.gz"
    snapshot.write(path, data.change_id, when, data)
    away = create_app({"DATABASE_URL": _closed_port_url(), "SNAPSHOT_PATH": str(path),
                       "DATA_DIR": str(GEODATA)})
    try:
        client = away.test_client()
        assert client.get(FEATURE).get_json()["id"] == "bmx-anlage-prohlis"
        assert client.get(FEATURE).headers["ETag"] == app.test_client().get(FEATURE).headers["ETag"]
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "database unavailable" in ready.get_json()["reason"]
        write = client.patch(FEATURE, headers={"Authorization": "Bearer x", "If-Match": "*"})
        assert write.status_code == 503 and write.headers["Retry-After"]
        assert "cannot be reached" in write.get_json()["description"]
    finally:
        away.extensions["geoservice"].close()


def test_without_database_and_snapshot_a_worker_exits_to_be_started_again(tmp_path, monkeypatch):
    import geoservice
    from geoservice import create_app

    monkeypatch.setattr(geoservice, "DATABASE_AWAY_PAUSE", 0)
    with pytest.raises(SystemExit) as stopped:
        create_app({"DATABASE_URL": _closed_port_url(), "DATA_DIR": str(GEODATA),
                    "SNAPSHOT_PATH": str(tmp_path / "none.json.gz")})
    assert stopped.value.code == geoservice.DATABASE_AWAY_EXIT != geoservice.APP_LOAD_ERROR
