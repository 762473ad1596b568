"""Imprint, privacy notice and accessibility statement with its feedback form: content from the
settings (placeholders that say what to fill in), CSRF, the hourly limit, and a message reaching
the administrators' view in the editor."""

from __future__ import annotations

import re

import pytest

from geoservice.storage.accounts import Accounts

PAGES = ("/barrierefreiheit", "/barrierefreiheit/rueckmeldung", "/impressum", "/datenschutz")
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
OPERATOR = {"OPERATOR_NAME": "Landeshauptstadt Musterstadt, Amt für Beispiele",
            "OPERATOR_ADDRESS": "Beispielweg 1|01000 Musterstadt",
            "OPERATOR_EMAIL": "barrierefrei@example.org",
            "ENFORCEMENT_BODY": "Durchsetzungsstelle Beispiel|Musterstraße 2",
            "ACCESSIBILITY_LAW": "Beispielgesetz über barrierefreie Websites",
            "ACCESSIBILITY_STATEMENT_DATE": "2026-05-04"}


@pytest.mark.parametrize("lang, placeholder", [("de", "vom Betreiber einzutragen"),
                                               ("en", "to be filled in by the operator")])
@pytest.mark.parametrize("path", PAGES)
def test_pages_render_in_both_languages(client, path, lang, placeholder):
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in text
    if path != "/barrierefreiheit/rueckmeldung":
        assert placeholder in text  # nothing of the operator is guessed


def test_every_page_links_the_legal_pages_in_its_footer(client):
    for path in ("/", "/collections?f=html", "/areas", "/impressum"):
        footer = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        footer = footer.split('<footer class="site-footer">', 1)[1]
        for target in PAGES:
            assert f'href="{target}"' in footer, (path, target)


def test_settings_fill_the_pages(make_app):
    client = make_app(**OPERATOR).test_client()
    statement = client.get("/barrierefreiheit?lang=de").get_data(as_text=True)
    assert "vom Betreiber einzutragen" not in statement
    assert "04.05.2026" in statement and "Beispielweg 1<br>01000 Musterstadt" in statement
    assert "Durchsetzungsstelle Beispiel<br>Musterstraße 2" in statement
    assert "mailto:barrierefrei@example.org" in statement
    imprint = client.get("/impressum?lang=en").get_data(as_text=True)
    assert "Landeshauptstadt Musterstadt" in imprint and "Beispielweg 1" in imprint
    privacy = client.get("/datenschutz?lang=de").get_data(as_text=True)
    assert "tile.openstreetmap.org" in privacy and "„lang“" in privacy and "„session“" in privacy


def test_statement_names_the_known_gaps(client):
    text = client.get("/barrierefreiheit?lang=de").get_data(as_text=True)
    assert "nur teilweise" in text and "EN 301 549" in text
    for gap in ("ohne zugänglichen Namen", "18 Pixel", "1 Pixel", "Leichter Sprache"):
        assert gap in text


def _send(client, message: str, **extra):
    form = client.get("/barrierefreiheit/rueckmeldung?lang=de").get_data(as_text=True)
    data = {"csrf_token": TOKEN.search(form).group(1), "message": message, **extra}
    return client.post("/barrierefreiheit/rueckmeldung?lang=de", data=data)


def test_feedback_reaches_the_administrators_view(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, FEEDBACK_PER_HOUR=2)
    client = app.test_client()
    form = client.get("/barrierefreiheit/rueckmeldung")
    assert "no-store" in form.headers["Cache-Control"]
    assert client.post("/barrierefreiheit/rueckmeldung",
                       data={"message": "ohne Token gesendet"}).status_code == 400  # CSRF
    short = _send(client, "kurz"[:3])
    assert short.status_code == 400 and "mindestens 5 Zeichen" in short.get_data(as_text=True)
    sent = _send(client, "Die Karte <b>ist</b> mit der Tastatur nicht bedienbar.",
                 page="/areas/prohlis", contact="leser@example.org")
    assert sent.status_code == 200 and "Vielen Dank" in sent.get_data(as_text=True)
    assert _send(client, "Zweite Nachricht dieser Stunde.").status_code == 200
    assert _send(client, "Dritte Nachricht dieser Stunde.").status_code == 429  # 2 per hour

    store = app.extensions["geoservice"].store
    _, admin_password, _ = Accounts(store).add("ada", "admin", "Stadtverwaltung", "test")
    _, editor_password, _ = Accounts(store).add("ed", "editor", "Quartiersmanagement", "test")
    for name, password, status in (("ed", editor_password, 403), ("ada", admin_password, 200)):
        staff = app.test_client()
        login = staff.get("/edit/login").get_data(as_text=True)
        staff.post("/edit/login", data={"csrf_token": TOKEN.search(login).group(1), "name": name,
                                        "password": password})
        view = staff.get("/edit/feedback", headers={"Accept": "text/html", "Accept-Language": "de"})
        assert view.status_code == status
    text = view.get_data(as_text=True)
    assert "Die Karte &lt;b&gt;ist&lt;/b&gt; mit der Tastatur nicht bedienbar." in text  # escaped
    assert "/areas/prohlis" in text and "leser@example.org" in text
    assert "no-store" in view.headers["Cache-Control"]
    assert app.test_client().get("/edit/feedback").status_code in (302, 401)  # not logged in
