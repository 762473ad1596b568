"""Place search, context layer and the inside check in headless Chromium (desktop and phone, de/en).

No request may leave 127.0.0.1: the search is this service's own /search, the base map stays off.
"""

from __future__ import annotations

import pytest
from test_browser import CHROMIUM, SHOTS, Tab

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is not installed (apt install chromium)")

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCALES = {"de": "de-DE", "en": "en-GB"}
ANSWERS = {  # Karl-Laux-Straße 5 (geocode B): first sentence of the answer per day
    "de": {"2003-06-01": "außerhalb von Prohlis / Am Koitschgraben",
           "2010-06-01": "innerhalb von Prohlis / Am Koitschgraben",
           "2018-06-01": "innerhalb von Am Koitschgraben"},
    "en": {"2003-06-01": "outside Prohlis / Am Koitschgraben",
           "2010-06-01": "inside Prohlis / Am Koitschgraben",
           "2018-06-01": "inside Am Koitschgraben"},
}
DISTANCE = {"de": {"2003-06-01": "etwa 170 m", "2010-06-01": "etwa 110 m", "2018-06-01": "etwa 110 m"},
            "en": {"2003-06-01": "about 170 m", "2010-06-01": "about 110 m", "2018-06-01": "about 110 m"}}


@pytest.fixture(params=[(v, lang) for v in VIEWPORTS for lang in LOCALES], ids=lambda p: f"{p[0]}-{p[1]}")
def tab(request, browser, live_server):
    viewport, lang = request.param
    context = browser.new_context(locale=LOCALES[lang], viewport=VIEWPORTS[viewport])
    page = context.new_page()
    tab = Tab(page, live_server.url)
    tab.lang, tab.viewport = lang, viewport
    page.on("request", lambda r: tab.requests.append(r.url))
    page.on("console", lambda msg: tab.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    yield tab
    context.close()


def _search(tab: Tab, text: str) -> None:
    field = tab.page.locator("input[type=search]#place-q")
    field.fill("")
    field.type(text, delay=20)
    # the list of the whole text, not of a prefix typed on the way (the answers are asynchronous)
    tab.page.wait_for_function("q => document.getElementById('place-results').dataset.query === q",
                               arg=text.strip())
    tab.page.locator("#place-results [role=option]").first.wait_for()


def test_search_street_address_and_strasse(tab):
    page = tab.page
    tab.open(f"/?lang={tab.lang}")
    label = page.locator("label[for=place-q]").inner_text()
    assert label  # the field is labelled
    # a street with its line: highlighted as a line
    _search(tab, "mügelner")
    first = page.locator("#place-results [role=option]").first
    assert "Mügelner Straße" in first.inner_text()
    first.click()
    page.wait_for_selector('.gs-map path[stroke="#ffd600"]')
    assert page.locator('.gs-map path[stroke="#ffd600"]').count() >= 1
    # zoomed to the whole street (fitBounds animates: on a busy machine after the line is drawn)
    page.wait_for_function("() => GS.main.map.getZoom() >= 14")
    tab.shot(f"places_street_{tab.viewport}_{tab.lang}")
    assert "hit=street" in page.evaluate("location.hash")
    # Karl-Laux: the street first, without a made-up house position (frame of its known addresses)
    _search(tab, "Karl-Laux")
    first = page.locator("#place-results [role=option]").first
    assert "Karl-Laux-Straße" in first.inner_text()
    assert first.locator(".gs-hit-kind").text_content().lower() in ("straße", "street")
    first.click()
    page.wait_for_selector('.gs-map path[stroke="#1a1a1a"][stroke-dasharray]')
    status = page.locator(".gs-search-status").inner_text()
    assert "Karl-Laux-Straße" in status and "ODbL" in status
    # the inside check below says a street is not a point
    assert page.locator("#check-result p").count() == 1
    # an address: a point, and the inside check runs for it
    _search(tab, "Prohliser Allee 33")
    first = page.locator("#place-results [role=option]").first
    assert "Prohliser Allee 33" in first.inner_text()
    page.locator("#place-q").press("Enter")
    page.wait_for_function("() => document.querySelector('#check-result').dataset.inside === 'true'")
    assert page.locator(".gs-hit-label").inner_text().startswith("Prohliser Allee 33")
    # 'strasse' finds streets (German folding)
    _search(tab, "strasse")
    kinds = page.locator("#place-results .gs-hit-kind").all_text_contents()
    assert sum(k.lower() in ("straße", "street") for k in kinds) >= 3
    page.keyboard.press("Escape")
    tab.shot(f"places_home_{tab.viewport}_{tab.lang}")
    assert tab.errors == [] and tab.external() == []


def test_inside_check_for_three_dates(tab):
    page = tab.page
    tab.open(f"/areas/am-koitschgraben?lang={tab.lang}&utm_source=x&fbclid=y")
    assert page.locator("h1").count() == 1
    result = page.locator("#check-result")
    for day, expected in ANSWERS[tab.lang].items():
        page.locator("input[name=lon]").fill("13,771283")  # decimal comma, as typed in German
        page.locator("input[name=lat]").fill("51,013521")
        page.locator("#inside-check input[name=datetime]").fill(day)  # (the page's day form has one too)
        page.locator("#inside-check button[type=submit]").click()
        page.wait_for_function("([text]) => document.querySelector('#check-result').innerText.includes(text)",
                               arg=[expected])
        text = result.inner_text()
        assert DISTANCE[tab.lang][day] in text, text
        assert ",1 m" not in text and ".1 m" not in text  # no false precision
        if day == "2010-06-01":
            assert ("Vorgängergebiet" if tab.lang == "de" else "predecessor") in text
            link = result.locator("a").first
            href = link.get_attribute("href")
            assert href.endswith("/collections/funding-areas/items/prohlis-am-koitschgraben-2004?f=html")
    result.scroll_into_view_if_needed()
    tab.shot(f"places_inside_{tab.viewport}_{tab.lang}")
    # a bad value: the message is shown next to the field, in the page's language
    page.locator("input[name=lon]").fill("dreizehn")
    page.locator("#inside-check button[type=submit]").click()
    error = page.locator("#inside-check-lon-error")
    error.wait_for()
    assert ("Länge" if tab.lang == "de" else "longitude") in error.inner_text()
    assert page.locator("input[name=lon]").get_attribute("aria-invalid") == "true"
    assert tab.errors == [] and tab.external() == []


def test_shared_link_restores_hit_and_view(tab):
    page = tab.page
    tab.open(f"/?lang={tab.lang}&utm_source=newsletter#hit=street%3Amugelner-strasse&q=M%C3%BCgelner%20Stra%C3%9Fe&year=2010")
    page.wait_for_selector('.gs-map path[stroke="#ffd600"]')
    assert page.locator("#year").input_value() == "2010"
    assert page.locator("#place-q").input_value() == "Mügelner Straße"
    assert tab.errors == [] and tab.external() == []


def test_context_layer_names_streets_at_street_zoom(tab):
    page = tab.page
    tab.open(f"/?lang={tab.lang}")
    page.wait_for_timeout(1000)  # let the opening fitBounds settle (animated on touch devices)
    page.evaluate("GS.main.map.setView([51.0135, 13.7713], 17, {animate: false})")
    page.wait_for_function("() => document.querySelector('.gs-map').classList.contains('gs-z-street')")
    assert page.locator(".gs-street-label:visible").count() >= 1
    assert page.locator(".gs-stop:visible").count() >= 1
    page.evaluate("GS.main.map.setView([51.008, 13.79], 13, {animate: false})")
    page.wait_for_function("() => document.querySelector('.gs-map').classList.contains('gs-z-district')")
    assert page.locator(".gs-district-label:visible").count() >= 1
    assert page.locator(".gs-street-label:visible").count() == 0
    assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
    if tab.viewport == "desktop":
        tab.shot(f"places_context_{tab.lang}")
    assert tab.errors == [] and tab.external() == []


def test_screenshots_folder_exists():
    assert SHOTS.exists()
