"""The legal pages and the feedback form in a real browser: no axe-core violation with every rule
enabled (experimental and best-practice rules too), in German and English; a message sent
through the form appears in the administrators' view. One server for the module (SQLite: the
store does not matter here)."""

from __future__ import annotations

import pytest
from conftest import CHROMIUM, LiveServer, build_app
from test_browser import inject_axe

from geoservice.storage.accounts import Accounts

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
PAGES = ("/barrierefreiheit", "/barrierefreiheit/rueckmeldung", "/impressum", "/datenschutz")
# every rule axe-core knows, enabled (by default experimental rules are off)
EVERY_RULE = """() => axe.run(document, {resultTypes: ['violations'],
    rules: Object.fromEntries(axe.getRules().map(r => [r.ruleId, {enabled: true}]))})"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = build_app("sqlite", tmp_path_factory.mktemp("legal"), WTF_CSRF_ENABLED=True)
    _, password, _ = Accounts(app.extensions["geoservice"].store).add("ada", "admin", "Stadt", "test")
    server = LiveServer(app)
    yield server, password
    server.stop()
    app.extensions["geoservice"].close()


def _violations(page) -> list[str]:
    inject_axe(page)
    result = page.evaluate(EVERY_RULE)
    return [f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
            for v in result["violations"]]


def test_legal_pages_have_no_axe_violation_in_both_languages(browser, site):
    server, _ = site
    found = {}
    for width, height in ((1280, 900), (390, 844)):  # desktop and phone
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        for lang in ("de", "en"):
            for path in PAGES:
                page.goto(f"{server.url}{path}?lang={lang}")
                found[f"{width}px {path}?lang={lang}"] = _violations(page)
        context.close()
    assert found == {key: [] for key in found}


def test_feedback_sent_in_the_browser_reaches_the_administrators(browser, site):
    server, password = site
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{server.url}/barrierefreiheit?lang=de")
    page.get_by_role("link", name="Rückmeldeformular").click()
    page.get_by_label("Ihre Nachricht").fill("Die Vergleichsseite ist auf dem Telefon zu breit.")
    page.get_by_label("Betroffene Seite oder Adresse (freiwillig)").fill("/compare")
    page.get_by_role("button", name="Nachricht senden").click()
    assert page.get_by_role("status").inner_text().startswith("Vielen Dank")
    assert _violations(page) == []
    page.goto(f"{server.url}/edit/login")
    page.get_by_label("Name").fill("ada")
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("link", name="Rückmeldungen").click()
    assert "Die Vergleichsseite ist auf dem Telefon zu breit." in page.content()
    assert _violations(page) == []
    context.close()
