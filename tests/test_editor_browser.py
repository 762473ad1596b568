"""The web editor in a real browser (Debian's chromium via Playwright) against a loopback server.

One editor's working session: log in, create a project by clicking the map, change its status
with one click, move it by dragging the marker, retire it with confirmation. After every step
the public map, the project's JSON and its public history show the new state.
"""

from __future__ import annotations

import re

import pytest
from conftest import LiveServer
from test_browser import ARGS, CHROMIUM, SHOTS, Tab, inject_axe  # noqa: F401  (one browser setup)

from geoservice.storage.accounts import Accounts

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is not installed (apt install chromium)")

HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


@pytest.fixture()
def editor(browser, make_app):
    """A live server on a fresh database, an editor account and a desktop browser tab."""
    app = make_app(WTF_CSRF_ENABLED=True)
    _account, password, _token = Accounts(app.extensions["geoservice"].store).add(
        "anna", "editor", "Quartiersmanagement", "test")
    server = LiveServer(app)
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    tab = Tab(page, server.url)
    page.on("request", lambda request: tab.requests.append(request.url))
    page.on("console", lambda msg: tab.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    try:
        yield app, tab, password
    finally:
        context.close()
        server.stop()


def _login(tab: Tab, password: str) -> None:
    page = tab.page
    tab.open("/edit")
    assert page.url.endswith("/edit/login?next=%2Fedit")
    page.get_by_label("Name").fill("anna")
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r"/edit$"))


def _expected_400(tab: Tab) -> None:
    """Drop the console line Chromium logs for the form's intended 400 answer (and only it)."""
    expected = [e for e in tab.errors if "status of 400" in e]
    assert len(expected) == 1, tab.errors
    tab.errors.remove(expected[0])


def _map_click(tab: Tab, lon: float, lat: float) -> None:
    """Click the form's map at a lon/lat (the map is GS.main, the page's only map)."""
    page = tab.page
    page.locator(".gs-map").scroll_into_view_if_needed()
    xy = page.evaluate("([lat, lon]) => GS.main.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    box = page.locator(".gs-map").bounding_box()
    page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])


def _public_json(tab: Tab, fid: str) -> tuple[int, dict]:
    response = tab.page.request.get(f"{tab.base}/collections/projects/items/{fid}?f=json")
    return response.status, (response.json() if response.ok else {})


def _public_history(tab: Tab, fid: str) -> list[dict]:
    response = tab.page.request.get(f"{tab.base}/collections/projects/items/{fid}/history?f=json")
    assert response.ok
    return response.json()["records"]


def _on_public_map(tab: Tab, fid: str) -> dict | None:
    """Open the public home page and return the project's properties on its map (or None)."""
    tab.open("/")
    return tab.page.evaluate("id => { const f = GS.main.projects.features.find(f => f.id === id);"
                             " return f ? f.properties : null; }", fid)


def test_editor_session_create_status_move_retire(editor):
    app, tab, password = editor
    page = tab.page
    _login(tab, password)
    assert page.locator("h1").inner_text() == "Projekte bearbeiten"
    assert tab.axe() == []
    tab.shot("editor_list")

    # --- create by clicking the map
    page.get_by_role("link", name="Neues Projekt").first.click()
    page.wait_for_load_state()
    page.wait_for_function("() => window.GS && GS.main && GS.main.editor")
    page.get_by_label("Titel").fill("Gemeinschaftsgarten am Geberbach")
    page.get_by_label("Beschreibung").fill("Hochbeete für die Nachbarschaft.")
    page.get_by_label("Kategorie").fill("Umwelt/Grün")
    page.get_by_label("Beginn (Jahr)").fill("2025")
    page.locator("#address").fill("Am Geberbach, 01239 Dresden")
    page.get_by_label("Quelle").fill("Stadtteilrunde 2025")
    page.get_by_label("Lagegenauigkeit").select_option("approximate")
    preview = page.locator("#preview")
    assert preview.locator(".gs-popup-title").inner_text() == "Gemeinschaftsgarten am Geberbach"
    assert "2025" in preview.inner_text() and "geplant" in preview.inner_text()
    _map_click(tab, 13.7990, 51.0050)
    lon, lat = float(page.locator("#lon").input_value()), float(page.locator("#lat").input_value())
    assert lon == pytest.approx(13.7990, abs=2e-4) and lat == pytest.approx(51.0050, abs=2e-4)
    assert page.locator(".gs-edit-pin").count() == 1
    assert "Ort gesetzt" in page.locator("#map-status").inner_text()
    assert tab.axe() == []
    tab.shot("editor_new_project", full_page=True)
    page.get_by_label("Änderungsnotiz").fill("Neu aus der Stadtteilrunde")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url(re.compile(r"/edit#p-"))
    fid = page.url.split("#p-", 1)[1]
    assert fid == "gemeinschaftsgarten-am-geberbach"
    row = page.locator(f"#p-{fid}")
    assert row.is_visible() and "geplant" in row.inner_text()
    assert "Angelegt" in page.locator(".flash").inner_text()
    status, feature = _public_json(tab, fid)
    assert status == 200 and feature["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)
    assert feature["properties"]["area_id"] == "prohlis"
    assert _on_public_map(tab, fid)["status"] == "geplant"
    assert [(r["kind"], r["note"]) for r in _public_history(tab, fid)] == [
        ("create", "Neu aus der Stadtteilrunde")]

    # --- one click: status "laufend" with the default note
    tab.open("/edit")
    page.locator(f"#p-{fid}").get_by_role("button", name=re.compile("laufend")).click()
    page.wait_for_url(re.compile(rf"/edit#p-{fid}$"))
    assert "laufend" in page.locator(f"#p-{fid} .status-badge").inner_text()
    assert "Status auf laufend gesetzt" in page.locator(f"#p-{fid}").inner_text()
    assert _public_json(tab, fid)[1]["properties"]["status"] == "laufend"
    assert _on_public_map(tab, fid)["status"] == "laufend"
    assert _public_history(tab, fid)[-1]["note"] == "Status auf laufend gesetzt"

    # --- move it: drag the marker on the form's map
    tab.open("/edit")
    page.locator(f"#p-{fid}").get_by_role("link", name=re.compile("Bearbeiten")).click()
    page.wait_for_function("() => window.GS && GS.main && GS.main.editor && GS.main.editor.marker()")
    pin = page.locator(".gs-edit-pin")
    pin.scroll_into_view_if_needed()
    box = pin.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y + 10, steps=8)
    page.mouse.move(x + 80, y + 20, steps=8)
    page.mouse.up()
    moved_lon = float(page.locator("#lon").input_value())
    moved_lat = float(page.locator("#lat").input_value())
    assert moved_lon > lon + 1e-4 and moved_lat < lat
    page.get_by_label("Änderungsnotiz").fill("Ort nach Lageplan verschoben")
    tab.shot("editor_edit_moved")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url(re.compile(r"/edit#p-"))
    status, feature = _public_json(tab, fid)
    assert feature["geometry"]["coordinates"] == pytest.approx([moved_lon, moved_lat], abs=1e-6)
    last = _public_history(tab, fid)[-1]
    assert last["note"] == "Ort nach Lageplan verschoben" and last["geometry"]["moved_m"] > 10
    tab.open(f"/collections/projects/items/{fid}?f=html")
    assert page.locator("h1").inner_text() == "Gemeinschaftsgarten am Geberbach"
    assert "laufend" in page.locator("dl.fields").first.inner_text()
    tab.open(f"/collections/projects/items/{fid}/history?f=html")
    assert "Ort nach Lageplan verschoben" in page.locator("table").inner_text()

    # --- the editor's history page
    tab.open(f"/edit/projects/{fid}/history")
    entries = page.locator(".history-entry")
    assert entries.count() == 3
    assert "verschoben" in entries.first.inner_text() and "Quartiersmanagement" in entries.first.inner_text()
    assert tab.axe() == []
    tab.shot("editor_history")

    # --- retire with confirmation
    tab.open("/edit")
    page.locator(f"#p-{fid}").get_by_role("link", name=re.compile("Stilllegen")).click()
    page.wait_for_load_state()
    assert tab.axe() == []
    page.get_by_label("Änderungsnotiz").fill("Garten an anderer Stelle")
    page.get_by_role("button", name="Endgültig stilllegen").click()
    page.wait_for_load_state()
    assert page.locator("#confirm-error").is_visible()  # not without the checkbox
    _expected_400(tab)
    assert _public_json(tab, fid)[0] == 200
    page.get_by_label(re.compile("stilllegen")).check()
    page.get_by_role("button", name="Endgültig stilllegen").click()
    page.wait_for_url(re.compile(r"/edit$"))
    assert page.locator(f"#p-{fid}").count() == 0
    assert _public_json(tab, fid)[0] == 404
    assert _on_public_map(tab, fid) is None
    history = _public_history(tab, fid)
    assert [r["kind"] for r in history] == ["create", "update", "update", "retire"]
    assert history[-1]["note"] == "Garten an anderer Stelle"

    assert tab.errors == []
    assert tab.external() == []


def test_editor_form_errors_keyboard_and_english(editor):
    app, tab, password = editor
    page = tab.page
    _login(tab, password)
    tab.open("/edit/projects/new?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    # keyboard users type the coordinates; the marker follows
    page.get_by_label("Longitude (lon)").fill("13.80100")
    page.get_by_label("Latitude (lat)").fill("51.00200")
    page.get_by_label("Latitude (lat)").press("Tab")
    page.wait_for_selector(".gs-edit-pin")
    page.get_by_label("Title").fill(HOSTILE)
    page.get_by_label("Start (year)").fill("2026")
    page.get_by_label("End (year)").fill("2020")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").is_visible()
    _expected_400(tab)
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.locator("#title").input_value() == HOSTILE
    assert page.locator("#lon").input_value() == "13.80100"
    assert page.locator("#note-error").is_visible() and page.locator("#description-error").is_visible()
    # the domain's rule, said by the form in the page's language
    assert page.locator("#end_year-error").inner_text() == "The end (2020) lies before the start (2026)."
    assert page.locator("#preview .gs-popup-title").inner_text() == HOSTILE
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert tab.axe() == []
    tab.shot("editor_errors_en", full_page=True)

    # fix the input and save: the hostile title stays text on every page and in every popup
    page.get_by_label("End (year)").fill("2027")
    page.get_by_label("Description").fill(HOSTILE)
    page.get_by_label("Category").fill("Kultur")
    page.locator("#address").fill("Prohliser Allee 1")
    page.get_by_label("Source").fill("Test")
    page.get_by_label("Change note").fill(HOSTILE)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/edit#p-"))
    fid = page.url.split("#p-", 1)[1]
    assert page.locator(f"#p-{fid} th a").inner_text() == HOSTILE
    for path in (f"/edit/projects/{fid}", f"/edit/projects/{fid}/history", f"/edit/projects/{fid}/retire"):
        tab.open(path)
        assert HOSTILE in page.locator("h1").inner_text(), path
        assert page.evaluate("typeof window.__xss") == "undefined", path
    tab.open("/")
    page.evaluate("id => GS.main.projects.show(id)", fid)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator(".gs-popup-title").inner_text() == HOSTILE
    tab.open(f"/collections/projects/items/{fid}")
    assert page.locator("h1").inner_text() == HOSTILE
    page.locator(".gs-pin").click()
    page.locator(".leaflet-popup-content").wait_for()
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert tab.errors == [] and tab.external() == []


def axe_all(tab: Tab) -> list[str]:
    """axe-core with every rule it has (best practices and experimental ones included)."""
    if not tab.page.evaluate("typeof window.axe !== 'undefined'"):
        inject_axe(tab.page)
    result = tab.page.evaluate("""() => axe.run(document, {resultTypes: ['violations'],
        runOnly: {type: 'rule', values: axe.getRules().map(r => r.ruleId)}})""")
    return [f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
            for v in result["violations"]]


def test_editor_list_on_a_phone_shows_status_and_actions(editor):
    app, tab, password = editor
    page = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    _login(tab, password)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    row = page.locator(".editor-table tbody tr").first
    for part in (".status-badge", ".status-buttons button", "td.actions a"):
        box = row.locator(part).first.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (part, box)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "editor-list-phone-de.png"))
    assert axe_all(tab) == []
    page.get_by_label("Projekte suchen").fill("Schule")
    page.get_by_role("button", name="Suchen").click()
    page.wait_for_url(re.compile(r"q=Schule"))
    assert 0 < page.locator(".editor-table tbody tr").count() < 40
    tab.open("/edit?lang=en")
    assert "→ ongoing" in page.locator(".editor-table").inner_text() or "→ planned" in page.locator(
        ".editor-table").inner_text()
    page.screenshot(path=str(SHOTS / "editor-list-phone-en.png"), full_page=False)
    assert axe_all(tab) == []
    assert tab.errors == []
