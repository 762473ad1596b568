"""E-mail for residents: an SMTP server on loopback (aiosmtpd) receives the confirmation, and,
after the resident confirmed through the link (real HTTP requests against a live server), the
digest of a project PATCH, with a working unsubscribe link (RFC 8058 one-click): after it no
more mail comes. Without SMTP no form or link exists; unconfirmed addresses go after a day.
"""

from __future__ import annotations

import email
import logging
import re
import socket
import threading
from datetime import timedelta
from email import policy

import pytest
import requests
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from geoservice.config import SettingsError, settings
from geoservice.mail import compose, send, tokens
from geoservice.storage import changelog, mailing
from geoservice.storage.accounts import Accounts
from geoservice.storage.tables import mail_requests, mail_subscriptions
from tests.conftest import CHROMIUM, LiveServer, build_app, wait_for
from tests.test_browser import inject_axe
from tests.test_edit_api import GEOJSON, MERGE_PATCH, add_user

PROJECT = "los-lokales-kapital-fuer-soziale-zwecke"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
HTML = {"Accept": "text/html"}
# every rule axe-core knows, enabled (as tests/test_legal_browser.py)
EVERY_RULE = """() => axe.run(document, {resultTypes: ['violations'],
    rules: Object.fromEntries(axe.getRules().map(r => [r.ruleId, {enabled: true}]))})"""
LIMIT = 4  # subscription requests per hour and client address / e-mail address in these tests


class Inbox:
    """An SMTP server on loopback that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = False  # answer every recipient 550
        self.lock = threading.Lock()
        with socket.socket() as probe:  # a free port (aiosmtpd needs one named)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


class _Late:
    """A WSGI app set after the server started (the app needs the server's URL as BASE_URL)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def inbox():
    box = Inbox()
    yield box
    box.controller.stop()


@pytest.fixture(scope="module")
def served(backend, tmp_path_factory, inbox):
    inbox.messages.clear()  # (with --all-stores: one inbox, an app per store)
    late = _Late()
    server = LiveServer(late)
    app = build_app(backend, tmp_path_factory.mktemp("mail"), BASE_URL=server.url,
                    SMTP_HOST="127.0.0.1", SMTP_PORT=inbox.port, SMTP_TLS="none",
                    MAIL_FROM="register@example.org", MAIL_REQUESTS_PER_HOUR=LIMIT)
    late.app = app
    server.app = app
    yield server
    server.stop()
    app.extensions["geoservice"].close()  # its connections and listener, before the drop


@pytest.fixture(scope="module")
def writer(served) -> dict:
    return add_user(served.app, "mia", organisation="Stadtplanungsamt")


def _cli(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _patch(base: str, token: str, note: str, value: str) -> None:
    url = f"{base}/collections/projects/items/{PROJECT}"
    etag = requests.get(url, headers={"Accept": GEOJSON}, timeout=10).headers["ETag"]
    response = requests.patch(url, json={"properties": {"status_note": value}}, timeout=10,
                              headers={"Authorization": f"Bearer {token}", "If-Match": etag,
                                       "Content-Type": MERGE_PATCH, "X-Change-Note": note})
    assert response.status_code == 200, response.text


def _subscribe(session: requests.Session, base: str, query: str, address: str, **fields):
    form = session.get(f"{base}/abonnieren{query}", timeout=10)
    assert form.status_code == 200 and "no-store" in form.headers["Cache-Control"], form.text[:3000]
    data = {"csrf_token": TOKEN.search(form.text).group(1), "email": address,
            "frequency": "immediate", "language": "de", **fields}
    return session.post(f"{base}/abonnieren{query}", data=data, timeout=10)


def test_subscribe_confirm_digest_and_unsubscribe(served, inbox, writer):
    app, base = served.app, served.url
    resident = requests.Session()
    page = resident.get(f"{base}/collections/projects/items/{PROJECT}?lang=en", headers=HTML, timeout=10)
    assert f'/abonnieren?project={PROJECT}&amp;lang=en"' in page.text

    sent = _subscribe(resident, base, f"?project={PROJECT}", "anwohnerin@example.org", language="en")
    assert sent.status_code == 200 and "anwohnerin@example.org" in sent.text
    assert wait_for(lambda: inbox.to("anwohnerin@example.org"))
    confirmation = inbox.to("anwohnerin@example.org")[0]
    assert confirmation["Subject"].startswith("Please confirm your subscription")
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.search(rf"{re.escape(base)}/abonnieren/bestaetigen/\S+", confirmation.get_content()).group(0)

    _patch(base, writer["token"], "Vor der Bestätigung", "nicht gemailt")  # before: not mailed
    shown = resident.get(link, timeout=10)  # a link scanner's GET confirms nothing
    assert shown.status_code == 200 and "<form method=\"post\"" in shown.text
    engine = app.extensions["geoservice"].store.engine
    assert [s.confirmed_at for s in mailing.listing(engine, "anwohnerin@example.org")] == [None]
    assert "0 mails sent" in _cli(app, "mail", "send", "--once")
    assert resident.post(link, timeout=10).status_code == 200

    _patch(base, writer["token"], "Baubeginn im Frühjahr", "Bauarbeiten laufen")
    assert "1 mails sent" in _cli(app, "mail", "send", "--once")
    assert "0 mails sent" in _cli(app, "mail", "send", "--once")  # nothing twice
    digests = inbox.to("anwohnerin@example.org")[1:]
    assert len(digests) == 1
    digest = digests[0]
    body = digest.get_body(("plain",)).get_content()
    assert digest["Subject"].startswith("the project “") and digest["Subject"].endswith("”: one change")
    assert "Baubeginn im Frühjahr" in body and "Vor der Bestätigung" not in body
    assert "Stadtplanungsamt" in body and "status_note" in body
    assert re.search(r"Time \(Dresden\): \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}", body)  # display.py
    assert f"{base}/collections/projects/items/{PROJECT}?f=html" in body
    unsubscribe = digest["List-Unsubscribe"].strip("<>")
    assert unsubscribe in body and unsubscribe.startswith(f"{base}/abbestellen/")

    # the mail program's one-click unsubscribe: a POST with no cookie and no CSRF token
    one_click = requests.post(unsubscribe, data="List-Unsubscribe=One-Click", timeout=10,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert one_click.status_code == 200
    assert mailing.listing(app.extensions["geoservice"].store.engine, "anwohnerin@example.org") == []
    _patch(base, writer["token"], "Nach dem Abbestellen", "nicht mehr gemailt")
    assert "0 mails sent" in _cli(app, "mail", "send", "--once")
    assert len(inbox.to("anwohnerin@example.org")) == 2
    assert requests.get(unsubscribe, timeout=10).status_code == 200  # says: already unsubscribed


def test_area_subscription_daily_digest_in_german(served, inbox, writer, caplog):
    app, base = served.app, served.url
    resident = requests.Session()
    area = app.extensions["geoservice"].dataset.projects.loc[PROJECT, "area_id"]
    page = resident.get(f"{base}/areas/{area}", headers=HTML, timeout=10).text
    assert f'/abonnieren?area={area}"' in page
    assert _subscribe(resident, base, f"?area={area}", "nachbar@example.org",
                      frequency="daily").status_code == 200
    link = re.search(r"http\S+/abonnieren/bestaetigen/\S+",
                     inbox.to("nachbar@example.org")[0].get_content()).group(0)
    assert "bestätigt" in resident.post(link, timeout=10).text
    _patch(base, writer["token"], "Neue Fotos <b>", "mit Fotos")
    assert "0 mails sent" in _cli(app, "mail", "send", "--once")  # immediate ones only
    inbox.refuse = True  # the server refuses: the cursor stays, the next run sends it
    try:
        with caplog.at_level(logging.WARNING):
            assert "0 daily digests sent" in _cli(app, "mail", "send", "--daily")
    finally:
        inbox.refuse = False
    assert "refused the recipient (550)" in caplog.text and "nachbar@" not in caplog.text
    assert "1 daily digests sent" in _cli(app, "mail", "send", "--daily")
    digest = inbox.to("nachbar@example.org")[1]
    body = digest.get_body(("plain",)).get_content()
    html = digest.get_body(("html",)).get_content()
    assert "Neue Fotos &lt;b&gt;" in html and "<b>" not in html  # the note as text
    assert f'<a href="{digest["List-Unsubscribe"].strip("<>")}">' in html
    assert "Neue Fotos" in body and "Zeit (Dresden)" in body and "Stadtplanungsamt" in body and "einmal täglich" in body
    assert re.search(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}", body)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_the_form_in_a_browser_has_no_axe_violation(browser, served, inbox):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    found = {}
    for lang in ("de", "en"):
        page.goto(f"{served.url}/abonnieren?project={PROJECT}&lang={lang}")
        found[f"form {lang}"] = _violations(page)
    page.goto(f"{served.url}/abonnieren?lang=de")
    page.get_by_label("Ihre E-Mail-Adresse").fill("kein-at-zeichen")
    page.get_by_role("button", name="Bestätigungs-E-Mail anfordern").click()
    assert page.get_by_label("Ihre E-Mail-Adresse").get_attribute("aria-invalid") == "true"
    found["error"] = _violations(page)
    page.get_by_label("Ihre E-Mail-Adresse").fill("browser@example.org")
    page.get_by_label("einmal täglich").check()
    page.get_by_label("English").check()
    page.get_by_role("button", name="Bestätigungs-E-Mail anfordern").click()
    assert page.get_by_role("status").inner_text().startswith("Fast fertig")
    found["sent"] = _violations(page)
    context.close()
    assert found == {key: [] for key in found}
    assert wait_for(lambda: inbox.to("browser@example.org"))
    assert inbox.to("browser@example.org")[0]["Subject"].startswith("Please confirm")


def _violations(page) -> list[str]:
    inject_axe(page)
    result = page.evaluate(EVERY_RULE)
    return [f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
            for v in result["violations"]]


@pytest.mark.both_stores  # PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the writers' lock
def test_two_workers_at_once_mail_each_digest_once(served, inbox, writer):
    app = served.app
    engine = app.extensions["geoservice"].store.engine
    addresses = [f"parallel{i}@example.org" for i in range(6)]
    for address in addresses:
        sub = mailing.add_pending(engine, address, mailing.PROJECT, PROJECT, "de", mailing.IMMEDIATE,
                                  mailing.token_hash(tokens.new_token()))
        mailing.confirm(engine, mailing.get(engine, sub))
    _patch(served.url, writer["token"], "Zwei Arbeiter", "parallel")
    start, counts = threading.Barrier(2), []

    def work():
        with app.app_context():
            start.wait()
            counts.append(send.send_due(engine, app.config, mailing.IMMEDIATE))

    workers = [threading.Thread(target=work) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(30)
    assert sum(counts) == 6
    assert sorted(m["To"] for m in inbox.messages if m["To"] in addresses) == sorted(addresses)
    with app.app_context():
        assert send.send_due(engine, app.config, mailing.IMMEDIATE) == 0


def test_form_is_protected_limited_and_checked(served, inbox):
    app = served.app
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    privacy = client.get("/datenschutz", headers=HTML).get_data(as_text=True)
    assert 'id="mail"' in privacy and "nach einem Tag gelöscht" in privacy and "127.0.0.1" in privacy
    assert 'href="/abonnieren"' in client.get("/", headers=HTML).get_data(as_text=True)
    page = client.get("/abonnieren", headers=HTML).get_data(as_text=True)
    assert 'autocomplete="email"' in page and "<legend>" in page and 'for="subscribe-email"' in page
    token = TOKEN.search(page).group(1)
    assert client.post("/abonnieren", data={"email": "a@example.org", "frequency": "daily",
                                            "language": "de"}).status_code == 400  # no CSRF token
    bad = client.post("/abonnieren", data={"csrf_token": token, "email": "kein-at-zeichen",
                                           "frequency": "daily", "language": "de"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    statuses = [client.post("/abonnieren", data={"csrf_token": token, "email": f"n{i}@example.org",
                                                 "frequency": "daily", "language": "de"}).status_code
                for i in range(LIMIT + 1)]
    assert statuses == [200] * LIMIT + [429]  # MAIL_REQUESTS_PER_HOUR per client address
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.8"
    form = TOKEN.search(other.get("/abonnieren").get_data(as_text=True)).group(1)
    for expected in [200] * (LIMIT - 1) + [429]:  # and per e-mail address (n0 has used one)
        assert other.post("/abonnieren", data={"csrf_token": form, "email": "n0@example.org",
                                               "frequency": "daily", "language": "de"}).status_code == expected
    assert client.get("/abonnieren?project=gibt-es-nicht").status_code == 404
    assert client.get("/abonnieren/bestaetigen/falsch").status_code == 404
    assert client.get("/abbestellen/falsch").status_code == 404
    huge = client.post("/abonnieren", data={"csrf_token": token, "email": "x" * 20000 + "@example.org",
                                            "frequency": "daily", "language": "de"})
    assert huge.status_code == 400 and "zu lang" in huge.get_data(as_text=True)
    odd = client.post("/abonnieren", data={"csrf_token": token, "email": "c@example.org",
                                           "frequency": "hourly", "language": "de"})
    assert odd.status_code == 400


def test_expired_link_and_prune_of_unconfirmed_addresses(served, inbox, monkeypatch):
    app = served.app
    engine = app.extensions["geoservice"].store.engine
    token = tokens.new_token()
    old = mailing.add_pending(engine, "alt@example.org", mailing.ALL, None, "de", mailing.DAILY,
                              mailing.token_hash(token))
    fresh = mailing.add_pending(engine, "neu@example.org", mailing.ALL, None, "de", mailing.DAILY,
                                mailing.token_hash(tokens.new_token()))
    with app.test_request_context():
        link = tokens.confirm_token(app.secret_key, old, token)
    monkeypatch.setattr(tokens, "CONFIRM_SECONDS", -1)  # as if a day had passed
    assert app.test_client().get(f"/abonnieren/bestaetigen/{link}").status_code == 410
    with engine.begin() as conn:
        conn.execute(mail_subscriptions.update().where(mail_subscriptions.c.id == old)
                     .values(created_at=mailing.utcnow() - timedelta(hours=25)))
    client = app.test_client()  # a subscription request prunes
    client.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    form = TOKEN.search(client.get("/abonnieren").get_data(as_text=True)).group(1)
    assert client.post("/abonnieren", data={"csrf_token": form, "email": "dritte@example.org",
                                            "frequency": "daily", "language": "de"}).status_code == 200
    assert mailing.get(engine, old) is None and mailing.get(engine, fresh) is not None
    with engine.connect() as conn:  # the hourly limit's counts: keyed hashes, no address
        keys = list(conn.execute(sa.select(mail_requests.c.key)).scalars())
    assert keys and all(re.fullmatch(r"[0-9a-f]{64}", key) for key in keys)
    with engine.begin() as conn:  # a day later, `mail send` prunes
        conn.execute(mail_subscriptions.update().where(mail_subscriptions.c.id == fresh)
                     .values(created_at=mailing.utcnow() - timedelta(hours=25)))
        conn.execute(mail_requests.update().values(at=mailing.utcnow() - timedelta(hours=25)))
    _cli(app, "mail", "send", "--daily")
    assert mailing.get(engine, fresh) is None
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(mail_requests)).scalar() == 0


def test_a_digest_lists_fifty_changes_and_counts_the_rest(served):
    app = served.app
    engine = app.extensions["geoservice"].store.engine
    sub = mailing.Subscription(7, "x@example.org", mailing.ALL, None, "en", mailing.DAILY, "0" * 64,
                               mailing.utcnow(), mailing.utcnow(), 0)
    read = changelog.since(engine, 0, changelog.head(engine), 1000)
    entries = ([e for e in read if sub.wants(e)] * 2)[:60]  # the seed's changes, some twice
    assert {e.collection for e in read} - {e.collection for e in entries}  # unpublished ones: not mailed
    with app.app_context():
        message = compose.digest(app.config, sub, entries, entries[-1].record_id)
    body = message.get_body(("plain",)).get_content()
    assert len(entries) == 60 and body.count("Time (Dresden):") == compose.SHOWN == 50
    assert f"… and 10 more changes: {served.url}/feed?lang=en" in body
    assert message["Subject"].endswith(": 60 changes")
    assert message["Message-ID"] == f"<digest.7.{entries[0].record_id}.{entries[-1].record_id}@example.org>"


def test_administrators_cli_lists_and_deletes_an_address(served):
    app = served.app
    engine = app.extensions["geoservice"].store.engine
    mailing.add_pending(engine, "cli@example.org", mailing.ALL, None, "de", mailing.DAILY,
                        mailing.token_hash(tokens.new_token()))
    assert "cli@example.org" in _cli(app, "mail", "list", "--email", "CLI@example.org")
    assert "1 subscriptions deleted" in _cli(app, "mail", "delete", "--email", "cli@example.org")
    assert mailing.listing(engine, "cli@example.org") == []


def test_smtp_needs_a_sender_and_a_base_url():
    with pytest.raises(SettingsError, match="MAIL_FROM"):
        settings({"SMTP_HOST": "mail.example.org"})
    assert settings({"SMTP_HOST": "mail.example.org", "MAIL_FROM": "a@example.org",
                     "BASE_URL": "https://geo.example.org"})["SMTP_TLS"] == "starttls"


def test_only_administrators_see_the_addresses_and_delete_on_request(served, inbox, writer):
    app = served.app
    engine = app.extensions["geoservice"].store.engine
    sub = mailing.add_pending(engine, "privat@example.org", mailing.ALL, None, "de", mailing.DAILY,
                              mailing.token_hash(tokens.new_token()))
    store = app.extensions["geoservice"].store
    _, admin_password, _ = Accounts(store).add("ada", "admin", "Stadtverwaltung", "test")
    assert app.test_client().get("/edit/abonnements").status_code in (302, 401)
    for name, password, status in (("mia", writer["password"], 403), ("ada", admin_password, 200)):
        staff = app.test_client()
        login = staff.get("/edit/login").get_data(as_text=True)
        staff.post("/edit/login", data={"csrf_token": TOKEN.search(login).group(1), "name": name,
                                        "password": password})
        view = staff.get("/edit/abonnements", headers=HTML)
        assert view.status_code == status
    text = view.get_data(as_text=True)
    assert "privat@example.org" in text and "no-store" in view.headers["Cache-Control"]
    assert staff.post("/edit/abonnements", data={"subscription": str(sub)}).status_code == 400  # no CSRF
    deleted = staff.post("/edit/abonnements", data={"csrf_token": TOKEN.search(text).group(1),
                                                    "email": "PRIVAT@example.org"})
    assert deleted.status_code == 200 and "privat@example.org" not in deleted.get_data(as_text=True)
    assert mailing.get(engine, sub) is None
    for path in ("/abonnieren", "/datenschutz", "/feed"):
        page = app.test_client().get(path, headers=HTML).get_data(as_text=True)
        assert "@example.org" not in page, path  # the public never sees an address


def test_without_smtp_no_form_and_no_link(app, client):
    for path in ("/", f"/collections/projects/items/{PROJECT}", "/datenschutz"):
        page = client.get(path, headers=HTML).get_data(as_text=True)
        assert "/abonnieren" not in page and 'id="mail"' not in page, path
    assert client.get("/abonnieren").status_code == 404
    assert client.get(f"/abonnieren?project={PROJECT}").status_code == 404


def test_every_mail_string_has_an_english_translation(served):
    from pathlib import Path

    from geoservice import i18n

    root = Path(__file__).resolve().parents[1]
    call = re.compile(r"""\b_\(\s*((?:"(?:[^"\\]|\\.)*"\s*|'(?:[^'\\]|\\.)*'\s*)+)""")
    literal = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")
    found = {}
    for path in [*root.glob("geoservice/mail/*.py"), *root.glob("templates/mail/*.*")]:
        for match in call.finditer(path.read_text(encoding="utf-8")):
            found.setdefault("".join(a or b for a, b in literal.findall(match.group(1))), path.name)
    assert len(found) > 20
    assert {msgid: where for msgid, where in found.items() if msgid not in i18n.EN} == {}
    for msgid in found:
        assert set(re.findall(r"{\w+}", i18n.EN[msgid])) == set(re.findall(r"{\w+}", msgid)), msgid
