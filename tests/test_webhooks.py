"""Webhooks: every committed change reaches each subscription's receiver exactly once, as a
CloudEvents 1.0 event with a valid Standard Webhooks signature (checked with `standardwebhooks`),
also when the receiver is down for a while and when the delivery worker is killed between
commit and delivery; receivers on private or loopback addresses are refused by default, before
any connection. The receiver here is on loopback, allowed by the setting in these tests.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from geoservice.errors import InvalidParameter
from geoservice.storage import outbox
from geoservice.storage.tables import webhook_outbox
from geoservice.webhooks import deliver, guard, registry
from tests.conftest import GEODATA, build_app, wait_for
from tests.test_edit_api import GEOJSON, MERGE_PATCH, add_user, project

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "los-lokales-kapital-fuer-soziale-zwecke"
FAST = {"WEBHOOKS_ALLOW_PRIVATE": True, "WEBHOOK_RETRY_SECONDS": 0.05,
        "WEBHOOK_POLL_SECONDS": 0.05, "WEBHOOK_TIMEOUT_SECONDS": 0.3}


class Receiver:
    """A webhook receiver on loopback: records what it acknowledged; can be down or hang."""

    def __init__(self):
        self.received: list[tuple[str, dict, bytes]] = []  # acknowledged (2xx) only
        self.mode = "up"  # up | down (503) | hang (never answers)
        self.arrived = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.mode == "hang":
                    outer.arrived.set()
                    time.sleep(1.0)
                    self.close_connection = True
                    return  # no answer: the sender's attempt fails
                if outer.mode == "down":
                    self.send_response(503)
                    self.end_headers()
                    return
                outer.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ids(self, path: str) -> list[str]:
        return [headers["webhook-id"] for p, headers, _ in self.received if p == path]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.stop()


def _patch(app, token: str, note: str, value: str) -> None:
    client = app.test_client()
    etag = client.get(f"/collections/projects/items/{PROJECT}", headers={"Accept": GEOJSON}).headers["ETag"]
    response = client.patch(f"/collections/projects/items/{PROJECT}",
                            data=json.dumps({"properties": {"status_note": value}}),
                            headers={"Authorization": f"Bearer {token}", "If-Match": etag,
                                     "Content-Type": MERGE_PATCH, "X-Change-Note": note})
    assert response.status_code == 200, response.data


def _events(app) -> list[str]:
    with app.extensions["geoservice"].store.engine.connect() as conn:
        return list(conn.execute(sa.select(webhook_outbox.c.event_id)).scalars())


def _verified(secret: str, headers: dict, body: bytes) -> dict:
    return Webhook(secret).verify(body, headers)  # raises on a bad signature or old timestamp


# --- refused receivers ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://10.0.0.1/hook",
                                 "http://[::1]/hook", "http://169.254.169.254/latest",
                                 "http://[::ffff:10.0.0.1]/hook", "ftp://example.org/x",
                                 "http://user:pw@example.org/"])
def test_private_and_odd_receivers_are_refused_before_any_connection(url, monkeypatch):
    def no_connection(*args, **kwargs):
        raise AssertionError("a refused receiver must never be contacted")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    with pytest.raises(guard.RefusedReceiver):
        guard.check(url, allow_private=False)
    with pytest.raises(guard.RefusedReceiver):
        deliver.post(url, b"{}", {}, allow_private=False, timeout=1)


def test_registration_refuses_loopback_and_10_by_default_cli_and_api(tmp_path):
    app = build_app("sqlite", tmp_path)
    admin = add_user(app, "chefin", role="admin")
    engine = app.extensions["geoservice"].store.engine
    for url in ("http://127.0.0.1:8000/hook", "http://10.0.0.1/hook"):
        with pytest.raises(InvalidParameter, match="not a public address"):
            registry.register(engine, app.config, url)
        result = app.test_cli_runner().invoke(args=["webhooks", "add", url])
        assert result.exit_code != 0 and "not a public address" in result.output
        response = app.test_client().post("/admin/webhooks", json={"url": url},
                                          headers={"Authorization": f"Bearer {admin['token']}"})
        assert response.status_code == 400 and "not a public address" in response.json["description"]
    assert outbox.subscriptions(engine) == []
    editor = add_user(app, "erika")
    assert app.test_client().get("/admin/webhooks", headers={
        "Authorization": f"Bearer {editor['token']}"}).status_code == 403
    assert app.test_client().get("/admin/webhooks").status_code == 401
    app.extensions["geoservice"].close()


# --- delivery ------------------------------------------------------------------------------------

def test_every_change_once_per_subscription_signed_also_after_the_receiver_was_down(
        make_app, receiver):
    app = make_app(**FAST)
    engine = app.extensions["geoservice"].store.engine
    editor = add_user(app, "erika", organisation="Quartiersmanagement Prohlis")
    admin = add_user(app, "chefin", role="admin")
    # one subscription over the API (everything), one over the CLI (this project only)
    response = app.test_client().post("/admin/webhooks", json={"url": receiver.url + "/all"},
                                      headers={"Authorization": f"Bearer {admin['token']}"})
    assert response.status_code == 201, response.data
    secret_all = response.json["secret"]
    output = app.test_cli_runner().invoke(args=["webhooks", "add", receiver.url + "/one",
                                                "--feature", f"projects/{PROJECT}"]).output
    secret_one = output.split("secret: ")[1].strip()

    _patch(app, editor["token"], "Erste Änderung", "eins")
    client = app.test_client()
    created = client.post("/collections/projects/items", data=json.dumps(project("Neu im Test")),
                          headers={"Authorization": f"Bearer {editor['token']}",
                                   "Content-Type": GEOJSON, "X-Change-Note": "Neu"})
    assert created.status_code == 201
    assert len(_events(app)) == 3  # written with the changes: 2 for /all, 1 for /one

    receiver.mode = "down"
    assert deliver.deliver_due(engine, app.config) == 3
    problems = outbox.report(engine)[0]["problems"]
    assert problems and "503" in problems[0]["error"]  # visible to administrators
    assert receiver.received == []
    _patch(app, editor["token"], "Zweite Änderung", "zwei")  # while it is down
    receiver.mode = "up"
    assert wait_for(lambda: (deliver.deliver_due(engine, app.config) or True)
                    and len(receiver.received) == 5, timeout=10)
    deliver.run(engine, app.config, once=True)  # nothing more to send
    assert len(receiver.received) == 5

    assert sorted(receiver.ids("/all")) == sorted(set(receiver.ids("/all")))
    assert len(receiver.ids("/all")) == 3 and len(receiver.ids("/one")) == 2
    for path, headers, body in receiver.received:
        event = _verified(secret_all if path == "/all" else secret_one, headers, body)
        assert event["specversion"] == "1.0" and event["id"] == headers["webhook-id"]
        assert event["type"] in ("org.geoservice.feature.changed", "org.geoservice.feature.created")
        assert event["data"]["author_role"] == "Quartiersmanagement Prohlis"
        assert "erika" not in body.decode()
        assert headers["content-type"].startswith("application/cloudevents+json")
    notes = [json.loads(b)["data"]["note"] for p, _, b in receiver.received if p == "/one"]
    assert sorted(notes) == ["Erste Änderung", "Zweite Änderung"]
    with pytest.raises(WebhookVerificationError):
        _verified(secret_one, receiver.received[0][1], receiver.received[0][2])  # other key
    listed = json.loads(app.test_cli_runner().invoke(args=["webhooks", "list"]).output)
    assert [s["events"] for s in listed] == [{"delivered": 3}, {"delivered": 2}]


def _worker(url: str) -> subprocess.Popen:
    env = {**os.environ, "GEOSERVICE_DATABASE_URL": url, "GEOSERVICE_DATA_DIR": str(GEODATA),
           **{f"GEOSERVICE_{k}": str(v).lower() if isinstance(v, bool) else str(v)
              for k, v in FAST.items()}}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "geoservice", "webhooks",
                             "deliver"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def test_a_worker_killed_between_commit_and_delivery_is_made_good_by_the_next(make_app, receiver):
    app = make_app(**FAST)
    engine = app.extensions["geoservice"].store.engine
    editor = add_user(app, "erika")
    sub_id, secret = registry.register(engine, app.config, receiver.url + "/hook")
    receiver.mode = "hang"
    first = _worker(app.config["DATABASE_URL"])
    try:
        _patch(app, editor["token"], "Während der Arbeiter sendet", "drei")
        assert receiver.arrived.wait(60)
        first.send_signal(signal.SIGKILL)  # committed, claimed, sent, never acknowledged
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    receiver.mode = "up"
    assert receiver.received == []
    second = _worker(app.config["DATABASE_URL"])
    try:
        assert wait_for(lambda: len(receiver.received) == 1, timeout=60)
        second.send_signal(signal.SIGTERM)  # a supervisor's stop: ends cleanly
        assert second.wait(20) == 0
    finally:
        if second.poll() is None:
            second.kill()
    time.sleep(0.2)
    assert len(receiver.received) == 1  # once: the lease kept the second from a double send
    _verified(secret, receiver.received[0][1], receiver.received[0][2])
    assert outbox.report(engine)[0]["events"] == {"delivered": 1}


def test_two_workers_at_once_send_each_event_once(make_app, receiver):
    app = make_app(**FAST)
    engine = app.extensions["geoservice"].store.engine
    editor = add_user(app, "erika")
    registry.register(engine, app.config, receiver.url + "/a")
    registry.register(engine, app.config, receiver.url + "/b", collections=["projects"])
    for n in range(6):
        _patch(app, editor["token"], f"Änderung {n}", f"Stand {n}")
    stop = threading.Event()
    workers = [threading.Thread(target=deliver.run, args=(engine, app.config, stop)) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        assert wait_for(lambda: len(receiver.received) >= 12, timeout=30)
        time.sleep(0.3)  # time for a double send to show
    finally:
        stop.set()
        for worker in workers:
            worker.join(10)
    assert len(receiver.received) == 12
    assert len(set(receiver.ids("/a"))) == 6 and len(set(receiver.ids("/b"))) == 6


def test_the_asyncapi_document_describes_the_events_sent(tmp_path):
    import jsonschema
    import yaml

    doc = yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))
    assert doc["asyncapi"].startswith("3.")
    schema = doc["components"]["schemas"]["cloudEvent"]
    app = build_app("sqlite", tmp_path, **FAST)
    engine = app.extensions["geoservice"].store.engine
    with engine.begin() as conn:  # the event of the seed's first project, as enqueue builds it
        from geoservice.storage import changelog
        from geoservice.storage.outbox import cloud_event
        row = conn.execute(changelog.select_entries().where(
            sa.text("records.collection = 'projects'")).limit(1)).first()
        event = cloud_event(changelog.entry(row))
    jsonschema.Draft202012Validator(schema).validate(event)
    app.extensions["geoservice"].close()


def test_the_benchmark_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bench.webhooks", "--smoke"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert [r.split("|")[1].strip() for r in rows[1:]] == ["0", "1", "10"]
