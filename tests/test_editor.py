"""The web editor (/edit) through the Flask test client, on SQLite and PostgreSQL.

Login and its throttle, CSRF on every form, create/update/status/retire round trips through the
forms into the public API and history, field errors that keep what was typed, optimistic
locking, roles, and text that stays text.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest

from geoservice import auth, i18n
from geoservice.storage.accounts import Accounts
from geoservice.web import strings  # noqa: F401  (registers the English UI strings)

pytestmark = pytest.mark.both_stores  # the store matters here (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
HTML = {"Accept": "text/html", "Accept-Language": "de"}
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RECORD = re.compile(r'name="record_id" value="(\d*)"')


# --------------------------------------------------------------------------- helpers

def _store(app):
    return app.extensions["geoservice"].store


def _data(app):
    return app.extensions["geoservice"].dataset


def _account(app, name="anna", role="editor", organisation="Quartiersmanagement"):
    account, password, _token = Accounts(_store(app)).add(name, role, organisation, "test")
    return account, password


def _token(body: str) -> str:
    match = TOKEN.search(body)
    assert match, "no CSRF token in the form"
    return match.group(1)


def _login(client, name: str, password: str, **extra):
    token = _token(client.get("/edit/login", headers=HTML).get_data(as_text=True))
    return client.post("/edit/login", data={"csrf_token": token, "name": name, "password": password},
                       headers=HTML, **extra)


@pytest.fixture()
def editor_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture()
def anna(editor_app):
    """A logged-in editor's client."""
    _account_, password = _account(editor_app)
    client = editor_app.test_client()
    assert _login(client, "anna", password).status_code == 303
    return client


def _form(client, path: str) -> tuple[str, dict]:
    """GET a form; return its page and the values a browser would send back (csrf, record id)."""
    body = client.get(path, headers=HTML).get_data(as_text=True)
    values = {"csrf_token": _token(body)}
    record = RECORD.search(body)
    if record:
        values["record_id"] = record.group(1)
    return body, values


def _new_project(**changes) -> dict:
    fields = {
        "title": "Neuer Bolzplatz am Jacob-Winter-Platz", "description": "Ein kleiner Bolzplatz.",
        "category": "Sport/Spiel", "start_year": "2025", "end_year": "", "status": "geplant",
        "status_note": "", "address": "Jacob-Winter-Platz, 01239 Dresden", "funding": "",
        "location_accuracy": "street", "location_method": "in der Karte gesetzt",
        "source": "https://example.org/bolzplatz", "lon": "13.79800", "lat": "51.00300",
        "note": "Neues Projekt aus der Stadtteilrunde",
    }
    fields.update(changes)
    return fields


def _public(client, fid: str):
    return client.get(f"/collections/projects/items/{fid}?f=json")


def _public_history(client, fid: str) -> list[dict]:
    return client.get(f"/collections/projects/items/{fid}/history?f=json").get_json()["records"]


def _create(client, **changes) -> str:
    _body, values = _form(client, "/edit/projects/new")
    response = client.post("/edit/projects/new", data={**values, **_new_project(**changes)}, headers=HTML)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].split("#p-", 1)[1]


# --------------------------------------------------------------------------- login and session

def test_login_is_required_and_redirects_to_the_login_form(editor_app):
    client = editor_app.test_client()
    fid = _data(editor_app).projects.index[0]
    for path in ("/edit", "/edit/projects/new", f"/edit/projects/{fid}", f"/edit/projects/{fid}/history",
                 f"/edit/projects/{fid}/retire"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/edit/login"), path
    login = client.get("/edit/login", headers=HTML)
    assert login.status_code == 200 and 'name="csrf_token"' in login.get_data(as_text=True)
    assert "no-store" in login.headers["Cache-Control"]


def test_login_sets_a_safe_session_cookie_and_redirects_only_to_the_editor(editor_app):
    _account(editor_app)
    account, password = _account(editor_app, "ben")
    client = editor_app.test_client()
    response = _login(client, "ben", password, query_string={"next": "https://evil.example/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/edit"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert password not in cookie
    for _ in range(2):  # never kept by the response cache in front of Flask, nor by browsers
        response = client.get("/edit", headers=HTML)
        assert "Angemeldet als ben (Quartiersmanagement)" in response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "private, no-store"
    assert "Angemeldet als" not in editor_app.test_client().get("/edit", headers=HTML).get_data(as_text=True)


def test_wrong_password_gives_a_generic_message(editor_app):
    _account(editor_app)
    client = editor_app.test_client()
    wrong = _login(client, "anna", "falsch")
    assert wrong.status_code == 401
    assert "Name oder Passwort falsch" in wrong.get_data(as_text=True)
    unknown = _login(client, "niemand", "falsch")
    assert unknown.status_code == 401
    assert unknown.get_data(as_text=True).count("Name oder Passwort falsch") == 1
    assert 'value="niemand"' in unknown.get_data(as_text=True)  # the name typed stays
    assert client.get("/edit", headers=HTML).status_code == 302


def test_login_throttle_locks_the_account_from_this_address_only(editor_app):
    _account_, password = _account(editor_app)
    _other, other_password = _account(editor_app, "ben")
    client = editor_app.test_client()
    for _ in range(5):
        assert _login(client, "anna", "falsch").status_code == 401
    locked = _login(client, "anna", password)
    assert locked.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldungen" in locked.get_data(as_text=True)
    assert client.get("/edit", headers=HTML).status_code == 302  # still not logged in
    other = editor_app.test_client()
    assert _login(other, "ben", other_password).status_code == 303
    assert other.get("/edit", headers=HTML).status_code == 200
    elsewhere = editor_app.test_client()  # the same account from another address still logs in
    response = _login(elsewhere, "anna", password, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert response.status_code == 303


def test_logout_needs_a_post_with_token(anna, editor_app):
    assert anna.get("/edit/logout", headers=HTML).status_code == 405
    assert anna.post("/edit/logout", headers=HTML).status_code == 400  # no CSRF token
    assert anna.get("/edit", headers=HTML).status_code == 200
    _body, values = _form(anna, "/edit")
    response = anna.post("/edit/logout", data={"csrf_token": values["csrf_token"]}, headers=HTML)
    assert response.status_code == 303 and response.headers["Location"] == "/edit/login"
    assert anna.get("/edit", headers=HTML).status_code == 302


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def test_a_copied_session_cookie_stops_working_at_logout(anna, editor_app):
    """The session lives in the store: logout ends it on the server, not only in this browser."""
    stolen = _session_cookie(anna)
    copy = editor_app.test_client()
    copy.set_cookie("session", stolen)
    assert copy.get("/edit", headers=HTML).status_code == 200
    _body, values = _form(anna, "/edit")
    assert anna.post("/edit/logout", data={"csrf_token": values["csrf_token"]},
                     headers=HTML).status_code == 303
    assert copy.get("/edit", headers=HTML).status_code == 302  # the copied cookie is dead too


def test_an_editor_revalidates_public_pages_so_an_edit_shows_at_once(anna, editor_app):
    # a browser keeps a public answer for CACHE_MAX_AGE; an editor who just saved must not see
    # the old map from that cache: with a session every answer says private, no-cache (ETag: 304)
    for path in ("/", "/collections/projects/items?f=json", "/collections/projects/items?f=html"):
        mine = anna.get(path, headers=HTML)
        assert mine.status_code == 200 and mine.headers["Cache-Control"] == "private, no-cache", path
        again = anna.get(path, headers={**HTML, "If-None-Match": mine.headers["ETag"]})
        assert again.status_code == 304, path
        public = editor_app.test_client().get(path, headers=HTML)
        assert public.headers["Cache-Control"].startswith("public, max-age="), path


def test_disabling_an_account_ends_its_sessions_and_expired_ones_end(anna, editor_app):
    assert anna.get("/edit", headers=HTML).status_code == 200
    Accounts(_store(editor_app)).disable("anna", "test")
    assert anna.get("/edit", headers=HTML).status_code == 302
    _account(editor_app, "carla")
    # a session opened with no lifetime left has expired by the time it is used
    account = Accounts(_store(editor_app)).by_name("carla")
    token = Accounts(_store(editor_app)).open_session(account.id, timedelta(0))
    assert Accounts(_store(editor_app)).by_session(account.id, token) is None
    assert Accounts(_store(editor_app)).by_session(account.id, "not-a-token") is None


def test_posts_without_csrf_token_are_refused_and_write_nothing(anna, editor_app):
    store = _store(editor_app)
    before = store.signature()
    fid = _data(editor_app).projects.index[0]
    _body, values = _form(anna, f"/edit/projects/{fid}")
    record = values["record_id"]
    attempts = [
        ("/edit/projects/new", _new_project()),
        (f"/edit/projects/{fid}", {**_new_project(title="Anders"), "record_id": record}),
        (f"/edit/projects/{fid}/status", {"status": "laufend", "record_id": record}),
        (f"/edit/projects/{fid}/retire", {"note": "weg", "confirm": "y", "record_id": record}),
    ]
    for path, data in attempts:
        response = anna.post(path, data=data, headers=HTML)
        assert response.status_code == 400, path
        bad = anna.post(path, data={**data, "csrf_token": "forged"}, headers=HTML)
        assert bad.status_code == 400, path
    assert store.signature() == before
    assert _data(editor_app).projects.loc[fid, "title"] != "Anders"


# --------------------------------------------------------------------------- round trip

def test_create_update_status_retire_round_trip(anna, editor_app):
    public = editor_app.test_client()
    fid = _create(anna)
    assert fid == "neuer-bolzplatz-am-jacob-winter-platz"
    listing = anna.get("/edit", headers=HTML).get_data(as_text=True)
    assert "Angelegt: „Neuer Bolzplatz am Jacob-Winter-Platz“" in listing
    assert f'id="p-{fid}"' in listing and "Neues Projekt aus der Stadtteilrunde" in listing
    feature = _public(public, fid).get_json()
    assert feature["properties"]["status"] == "geplant"
    assert feature["properties"]["area_id"] == "prohlis"  # derived from the point
    assert feature["geometry"]["coordinates"] == pytest.approx([13.798, 51.003])
    history = _public_history(public, fid)
    assert [(r["kind"], r["note"], r["author_role"]) for r in history] == [
        ("create", "Neues Projekt aus der Stadtteilrunde", "Quartiersmanagement")]
    assert "anna" not in public.get(f"/collections/projects/items/{fid}/history?f=html").get_data(as_text=True)

    # one click in the list: the default note
    _body, values = _form(anna, "/edit")
    row = re.search(rf'id="p-{fid}".*?name="record_id" value="(\d+)"', _body, re.S)
    response = anna.post(f"/edit/projects/{fid}/status", headers=HTML,
                         data={"csrf_token": values["csrf_token"], "record_id": row.group(1),
                               "status": "laufend", "note": ""})
    assert response.status_code == 303
    assert _public(public, fid).get_json()["properties"]["status"] == "laufend"
    assert _public_history(public, fid)[-1]["note"] == "Status auf laufend gesetzt"

    # the form: a new title and the point moved ~35 m to the east
    body, values = _form(anna, f"/edit/projects/{fid}")
    assert 'value="Neuer Bolzplatz am Jacob-Winter-Platz"' in body and 'value="13.798000"' in body
    assert "prohlis" in body  # the derived area, read-only
    changed = _new_project(title="Bolzplatz am Jacob-Winter-Platz", status="laufend",
                           lon="13.798500", lat="51.003000", note="Ort nach Lageplan korrigiert")
    response = anna.post(f"/edit/projects/{fid}", data={**values, **changed}, headers=HTML)
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    feature = _public(public, fid).get_json()
    assert feature["properties"]["title"] == "Bolzplatz am Jacob-Winter-Platz"
    assert feature["geometry"]["coordinates"] == pytest.approx([13.7985, 51.003])
    last = _public_history(public, fid)[-1]
    assert last["note"] == "Ort nach Lageplan korrigiert" and last["geometry"]["moved_m"] == pytest.approx(35, abs=1)
    page = anna.get(f"/edit/projects/{fid}/history", headers=HTML).get_data(as_text=True)
    assert "um 35,1 m verschoben" in page or "um 35,0 m verschoben" in page or "um 35,2 m verschoben" in page
    assert "Neuer Bolzplatz am Jacob-Winter-Platz" in page and "Ort nach Lageplan korrigiert" in page
    assert "Quartiersmanagement" in page  # an editor sees the organisation

    # retire: the confirmation is required
    body, values = _form(anna, f"/edit/projects/{fid}/retire")
    before = _store(editor_app).signature()
    unconfirmed = anna.post(f"/edit/projects/{fid}/retire", data={**values, "note": "Projekt entfällt"},
                            headers=HTML)
    assert unconfirmed.status_code == 400
    assert 'id="confirm-error"' in unconfirmed.get_data(as_text=True)
    assert "Projekt entfällt" in unconfirmed.get_data(as_text=True)  # the note typed stays
    assert _store(editor_app).signature() == before
    response = anna.post(f"/edit/projects/{fid}/retire", headers=HTML,
                         data={**values, "note": "Projekt entfällt", "confirm": "y"})
    assert response.status_code == 303
    assert _public(public, fid).status_code == 404
    assert f'id="p-{fid}"' not in anna.get("/edit", headers=HTML).get_data(as_text=True)
    history = _public_history(public, fid)
    assert [r["kind"] for r in history] == ["create", "update", "update", "retire"]
    assert history[-1]["note"] == "Projekt entfällt"
    assert anna.get(f"/edit/projects/{fid}/history", headers=HTML).status_code == 200


def test_admin_sees_account_names_editor_sees_organisation(editor_app):
    _account(editor_app, "anna")
    _admin, admin_password = _account(editor_app, "carla", "admin", "Amt für Stadtplanung")
    fid = _data(editor_app).projects.index[0]
    admin = editor_app.test_client()
    assert _login(admin, "carla", admin_password).status_code == 303
    _body, values = _form(admin, "/edit")
    record = _data(editor_app).record_id("projects", fid)
    admin.post(f"/edit/projects/{fid}/status", headers=HTML,
               data={"csrf_token": values["csrf_token"], "record_id": record, "status": "geplant",
                     "note": "geprüft"})
    page = admin.get(f"/edit/projects/{fid}/history", headers=HTML).get_data(as_text=True)
    assert '<span class="author">carla</span>' in page and '<span class="author">system</span>' in page
    editor = editor_app.test_client()
    _acc, password = _account(editor_app, "dora")
    _login(editor, "dora", password)
    page = editor.get(f"/edit/projects/{fid}/history", headers=HTML).get_data(as_text=True)
    assert '<span class="author">Amt für Stadtplanung</span>' in page
    assert "carla" not in page


def test_a_role_that_may_not_write_projects_gets_403(editor_app, monkeypatch):
    # today both roles (editor, admin) may write projects: the editor asks auth.may_write, so a
    # narrower rule there takes effect in the editor at once
    _acc, password = _account(editor_app, "eva")
    monkeypatch.setattr(auth, "may_write", lambda account, spec: False)
    client = editor_app.test_client()
    assert _login(client, "eva", password).status_code == 303
    fid = _data(editor_app).projects.index[0]
    assert client.get("/edit/projects/new", headers=HTML).status_code == 403
    assert client.get(f"/edit/projects/{fid}", headers=HTML).status_code == 403
    _body, values = _form(client, "/edit")
    before = _store(editor_app).signature()
    response = client.post(f"/edit/projects/{fid}/status", headers=HTML,
                           data={**values, "record_id": _data(editor_app).record_id("projects", fid),
                                 "status": "laufend"})
    assert response.status_code == 403
    assert _store(editor_app).signature() == before


# --------------------------------------------------------------------------- errors keep the input

def _error_of(body: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', body, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))) if match else ""


def test_invalid_input_is_shown_next_to_each_field_and_nothing_typed_is_lost(anna, editor_app):
    before = _store(editor_app).signature()
    _body, values = _form(anna, "/edit/projects/new")
    typed = _new_project(title="", start_year="20x4", description="Mein langer Text über das Projekt",
                         lon="14.5", lat="51.0", note="", status="verschollen")
    response = anna.post("/edit/projects/new", data={**values, **typed}, headers=HTML)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Bitte ausfüllen" in _error_of(body, "title")
    assert "vier Ziffern" in _error_of(body, "start_year")
    assert "Dresden" in _error_of(body, "location")
    assert "notieren" in _error_of(body, "note")
    assert "angebotenen" in _error_of(body, "status")
    assert ('id="title" name="title" type="text" value="" required aria-describedby="title-error" '
            'aria-invalid="true"') in body
    assert 'value="20x4"' in body and "Mein langer Text über das Projekt</textarea>" in body
    assert 'value="14.5"' in body and 'value="https://example.org/bolzplatz"' not in body  # a textarea
    assert "https://example.org/bolzplatz</textarea>" in body
    assert 'id="error-summary"' in body and 'href="#title"' in body
    # a rule of the domain (editing.check) that the form says in the page's language first
    response = anna.post("/edit/projects/new", headers=HTML,
                         data={**values, **_new_project(start_year="2024", end_year="2019")})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Das Ende (2019) liegt vor dem Beginn (2024)." in _error_of(body, "end_year")
    assert "is after" not in body  # no English domain message on the German page
    assert 'value="2019"' in body and "Neues Projekt aus der Stadtteilrunde</textarea>" in body
    assert _store(editor_app).signature() == before


def test_a_stale_record_id_is_a_conflict_that_keeps_the_input(anna, editor_app):
    fid = _data(editor_app).projects.index[0]
    _body, values = _form(anna, f"/edit/projects/{fid}")  # the form as loaded
    other = editor_app.test_client()
    _acc, password = _account(editor_app, "ben")
    _login(other, "ben", password)
    _b, other_values = _form(other, f"/edit/projects/{fid}")
    row = _data(editor_app).projects.loc[fid]
    current_status = row["status"]
    new_status = "laufend" if current_status != "laufend" else "geplant"
    assert other.post(f"/edit/projects/{fid}/status", headers=HTML,
                      data={**other_values, "status": new_status}).status_code == 303
    before = _store(editor_app).signature()
    typed = _new_project(title="Mein neuer Titel", note="meine Korrektur")
    response = anna.post(f"/edit/projects/{fid}", data={**values, **typed}, headers=HTML)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Jemand anderes hat dieses Projekt inzwischen geändert" in body
    assert f'href="/edit/projects/{fid}"' in body  # reload link
    assert 'value="Mein neuer Titel"' in body and "meine Korrektur</textarea>" in body
    assert _store(editor_app).signature() == before
    assert _data(editor_app).projects.loc[fid, "status"] == new_status
    # the one-click status change with the stale record id is refused as well
    stale = anna.post(f"/edit/projects/{fid}/status", headers=HTML,
                      data={"csrf_token": values["csrf_token"], "record_id": values["record_id"],
                            "status": current_status})
    assert stale.status_code == 409 and "inzwischen geändert" in stale.get_data(as_text=True)
    assert _store(editor_app).signature() == before
    # after reloading, the same change goes through
    _body, fresh = _form(anna, f"/edit/projects/{fid}")
    assert anna.post(f"/edit/projects/{fid}", data={**fresh, **typed}, headers=HTML).status_code == 303
    assert _data(editor_app).projects.loc[fid, "title"] == "Mein neuer Titel"


# --------------------------------------------------------------------------- text stays text

def test_hostile_title_is_escaped_on_every_editor_and_public_page(anna, editor_app):
    fid = _create(anna, title=HOSTILE, description=HOSTILE, note=HOSTILE, status_note=HOSTILE)
    public = editor_app.test_client()
    pages = [(anna, "/edit"), (anna, f"/edit/projects/{fid}"), (anna, f"/edit/projects/{fid}/history"),
             (anna, f"/edit/projects/{fid}/retire"), (public, "/"),
             (public, f"/collections/projects/items/{fid}?f=html"),
             (public, f"/collections/projects/items/{fid}/history?f=html")]
    for client, path in pages:
        response = client.get(path, headers=HTML)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert "<img src=x" not in body and "<script>window.__xss" not in body, path
        assert "&lt;img src=x onerror=" in body or "\\u003cimg src=x" in body, path
    # an invalid form re-renders the hostile input as text too
    _body, values = _form(anna, f"/edit/projects/{fid}")
    response = anna.post(f"/edit/projects/{fid}", data={**values, **_new_project(title=HOSTILE, note="")},
                         headers=HTML)
    assert response.status_code == 400
    assert "<img src=x" not in response.get_data(as_text=True)


# --------------------------------------------------------------------------- language

def test_editor_in_english(anna):
    page = anna.get("/edit?lang=en", headers=HTML).get_data(as_text=True)
    assert '<html lang="en">' in page and "Edit projects" in page and "Sign out" in page
    form = anna.get("/edit/projects/new", headers=HTML).get_data(as_text=True)  # the cookie remembers
    assert "Change note" in form and "Preview on the public map" in form


_CALL = re.compile(r"""\b_\(\s*((?:"(?:[^"\\]|\\.)*"\s*|'(?:[^'\\]|\\.)*'\s*)+)""")
_LITERAL = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")


def test_every_editor_string_has_an_english_translation():
    files = [*sorted((ROOT / "templates/editor").glob("*.html")), ROOT / "geoservice/web/editor.py",
             ROOT / "geoservice/web/editor_pages.py", ROOT / "geoservice/web/editor_forms.py",
             ROOT / "geoservice/web/editor_xplan.py"]
    found = {}
    for path in files:
        for call in _CALL.finditer(path.read_text(encoding="utf-8")):
            found.setdefault("".join(a or b for a, b in _LITERAL.findall(call.group(1))), path.name)
    assert len(found) > 50
    assert {msgid: where for msgid, where in found.items() if msgid not in strings.EN} == {}
    for msgid in found:
        english = i18n.EN.get(msgid, msgid)
        assert set(re.findall(r"{\w+}", english)) == set(re.findall(r"{\w+}", msgid)), msgid


def test_the_project_form_has_the_maps_place_search_outside_the_project_form(anna):
    body = anna.get("/edit/projects/new", headers=HTML).get_data(as_text=True)
    assert '<input type="search" id="place-q"' in body and 'data-search="/search"' in body
    search_at, form_at = body.index('id="place-search"'), body.index('id="project-form"')
    assert search_at < form_at and body.index("</form>", search_at) < form_at  # Enter never saves
    assert anna.get("/search?q=prohliser%20allee%2033").get_json()["results"][0]["kind"] == "address"


# --------------------------------------------------------------------------- forgiving mistakes

UNDO = re.compile(r'<form method="post" action="/edit/projects/([^/"]+)/status" class="undo-form".*?'
                  r'name="record_id" value="(\d+)".*?name="status" value="([^"]+)".*?'
                  r'name="note" value="([^"]+)"', re.S)


def test_retire_then_restore_lists_and_serves_the_last_content_again(anna, editor_app):
    public = editor_app.test_client()
    fid = _create(anna, title="Spielplatz zum Wiederherstellen")
    _body, values = _form(anna, f"/edit/projects/{fid}/retire")
    anna.post(f"/edit/projects/{fid}/retire", headers=HTML,
              data={**values, "note": "versehentlich stillgelegt", "confirm": "y"})
    listing = anna.get("/edit", headers=HTML).get_data(as_text=True)
    retired = re.search(rf'id="r-{fid}".*?name="record_id" value="(\d+)"', listing, re.S)
    assert retired and "versehentlich stillgelegt" in listing
    # without the CSRF token nothing happens
    assert anna.post(f"/edit/projects/{fid}/restore", data={"record_id": retired.group(1)},
                     headers=HTML).status_code == 400
    # a stale retirement record (someone else acted since) is a conflict, never a write
    stale = anna.post(f"/edit/projects/{fid}/restore", headers=HTML,
                      data={"csrf_token": _token(listing), "record_id": "1"})
    assert stale.status_code == 409 and _public(public, fid).status_code == 404
    response = anna.post(f"/edit/projects/{fid}/restore", headers=HTML,
                         data={"csrf_token": _token(listing), "record_id": retired.group(1)})
    assert response.status_code == 303
    feature = _public(public, fid).get_json()
    assert feature["properties"]["title"] == "Spielplatz zum Wiederherstellen"
    assert feature["geometry"]["coordinates"] == pytest.approx([13.798, 51.003])
    history = _public_history(public, fid)
    assert [r["kind"] for r in history] == ["create", "retire", "restore"]
    assert history[-1]["note"] == "Wiederhergestellt: „Spielplatz zum Wiederherstellen“"
    listing = anna.get("/edit", headers=HTML).get_data(as_text=True)
    assert f'id="p-{fid}"' in listing and f'id="r-{fid}"' not in listing
    # the same restore again: the project is live, so a conflict
    again = anna.post(f"/edit/projects/{fid}/restore", headers=HTML,
                      data={"csrf_token": _token(listing), "record_id": retired.group(1)})
    assert again.status_code == 409


def test_a_status_change_can_be_undone_unless_someone_changed_it_since(anna, editor_app):
    public = editor_app.test_client()
    fid = _create(anna, title="Undo-Platz")
    body, values = _form(anna, "/edit")
    record = re.search(rf'id="p-{fid}".*?name="record_id" value="(\d+)"', body, re.S).group(1)
    anna.post(f"/edit/projects/{fid}/status", headers=HTML,
              data={"csrf_token": values["csrf_token"], "record_id": record, "status": "laufend"})
    listing = anna.get("/edit", headers=HTML).get_data(as_text=True)
    undo = UNDO.search(listing)
    assert undo and undo.group(1) == fid and undo.group(3) == "geplant"
    assert "Rückgängig machen" in listing
    assert "Rückgängig machen" not in anna.get("/edit", headers=HTML).get_data(as_text=True)  # once
    response = anna.post(f"/edit/projects/{fid}/status", headers=HTML,
                         data={"csrf_token": _token(listing), "record_id": undo.group(2),
                               "status": undo.group(3), "note": undo.group(4)})
    assert response.status_code == 303
    assert _public(public, fid).get_json()["properties"]["status"] == "geplant"
    assert _public_history(public, fid)[-1]["note"] == "Status wieder auf geplant gesetzt (rückgängig)"

    # a change, then someone else's change: the offered undo is a conflict and writes nothing
    body, values = _form(anna, "/edit")
    record = re.search(rf'id="p-{fid}".*?name="record_id" value="(\d+)"', body, re.S).group(1)
    anna.post(f"/edit/projects/{fid}/status", headers=HTML,
              data={"csrf_token": values["csrf_token"], "record_id": record, "status": "laufend"})
    listing = anna.get("/edit", headers=HTML).get_data(as_text=True)
    undo = UNDO.search(listing)
    current = _data(editor_app).record_id("projects", fid)
    anna.post(f"/edit/projects/{fid}/status", headers=HTML,
              data={"csrf_token": _token(listing), "record_id": current, "status": "abgeschlossen",
                    "note": "von Bert abgeschlossen"})
    late = anna.post(f"/edit/projects/{fid}/status", headers=HTML,
                     data={"csrf_token": _token(listing), "record_id": undo.group(2),
                           "status": undo.group(3), "note": undo.group(4)})
    assert late.status_code == 409
    assert _public(public, fid).get_json()["properties"]["status"] == "abgeschlossen"


def test_the_list_search_and_the_english_labels(anna, editor_app):
    titles = list(_data(editor_app).projects["title"])
    word = titles[0].split()[0]
    body = anna.get(f"/edit?q={word}", headers=HTML).get_data(as_text=True)
    shown = re.findall(r'<tr id="p-', body)
    assert 0 < len(shown) < len(titles) and f'value="{word}"' in body
    assert len(re.findall(r'<tr id="p-', anna.get("/edit?q=zzzqqq", headers=HTML).get_data(as_text=True))) == 0
    assert body.count('id="csrf_token"') <= 1  # one form owns the id, the others render none
    english = anna.get("/edit?lang=en", headers={"Accept": "text/html", "Accept-Language": "en"})
    page = english.get_data(as_text=True)
    assert "→ ongoing" in page and "→ laufend" not in page and "Retired projects" in page
    form = anna.get("/edit/projects/new?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert ">planned<" in form and ">geplant<" not in form
    anonymous = editor_app.test_client()
    anonymous.get("/edit", headers=HTML)
    login = anonymous.get("/edit/login", headers=HTML).get_data(as_text=True)
    assert "Bitte melden Sie sich an" in login and "Please log in" not in login
