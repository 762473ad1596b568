"""The answer on the map, on a phone (390×844) in German and English, in headless Chromium: a
searched or located place gets an inside/outside badge at the map and the projects within 500 m
first in the list; the search sits with the map; typos and squares are found; a search without
hits clears the last answer; a changed # in an open tab is followed. One page per language."""

from __future__ import annotations

import re

import pytest
from test_browser import CHROMIUM, Tab

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is not installed (apt install chromium)")

PHONE = {"width": 390, "height": 844}
LOCALES = {"de": "de-DE", "en": "en-GB"}
HERE = {"latitude": 51.0058, "longitude": 13.7977}  # by the Jacob-Winter-Platz, in Prohlis
WORDS = {"de": {"inside": "Heute im Fördergebiet", "outside": "Heute in keinem Fördergebiet",
                "nearby": "Projekte im Umkreis von 500 m", "away": re.compile(r"^\d{1,3}0 m entfernt$")},
         "en": {"inside": "Today inside the funding area", "outside": "Today in no funding area",
                "nearby": "Projects within 500 m", "away": re.compile(r"^\d{1,3}0 m away$")}}


@pytest.fixture(params=list(LOCALES))
def phone(request, browser, live_server):
    context = browser.new_context(locale=LOCALES[request.param], viewport=PHONE,
                                  geolocation=HERE, permissions=["geolocation"])
    page = context.new_page()
    tab = Tab(page, live_server.url)
    tab.lang = request.param
    page.on("request", lambda r: tab.requests.append(r.url))
    page.on("console", lambda msg: tab.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    yield tab
    context.close()


def _search(page, text: str) -> None:
    page.locator("#place-q").fill(text)
    page.wait_for_function("([q]) => document.querySelector('#place-results').dataset.query === q",
                           arg=[text])


def _badge_inside_map(page) -> dict:
    return page.evaluate("""() => {
      const m = document.querySelector('.gs-map').getBoundingClientRect();
      const b = document.querySelector('.gs-answer').getBoundingClientRect();
      return {inside: b.left >= m.left && b.right <= m.right && b.top >= m.top && b.bottom <= m.bottom,
              visible: b.height > 0};
    }""")


def test_prohliser_allee_33_on_a_phone_answers_at_the_map(phone):
    page, words = phone.page, WORDS[phone.lang]
    phone.open(f"/?lang={phone.lang}")
    # the search sits with the map: a few Tab presses from the top, above the map
    presses = 0
    while presses < 25 and page.evaluate("document.activeElement.id") != "place-q":
        page.keyboard.press("Tab")
        presses += 1
    assert presses <= 14, presses
    search_box, map_box = page.locator("#place-q").bounding_box(), page.locator(".gs-map").bounding_box()
    assert search_box["y"] < map_box["y"] < 844
    page.keyboard.type("Prohliser Allee 33")
    page.keyboard.press("Enter")  # before the list arrived: the first hit of this query is taken
    badge = page.locator(".gs-answer")
    page.wait_for_function("() => document.querySelector('.gs-answer-head') !== null")
    assert _badge_inside_map(page) == {"inside": True, "visible": True}
    assert words["inside"] in badge.inner_text() and "Prohlis" in badge.inner_text()
    live = page.locator(".gs-map + .gs-sr[role=status]")
    assert words["inside"] in live.text_content()
    # nearby projects first, nearest first, each distance to 10 m in the page's language
    head = page.locator("#nearby-head")
    assert words["nearby"] in head.inner_text()
    distances = page.locator("#nearby-list .nearby-distance").all_inner_texts()
    assert distances and all(words["away"].match(d) for d in distances), distances
    metres = [int(re.sub(r"\D", "", d)) for d in distances]
    assert metres == sorted(metres) and metres[-1] <= 500
    assert page.evaluate("""() => document.querySelector('#nearby-list')
        .compareDocumentPosition(document.querySelector('#project-list')) & Node.DOCUMENT_POSITION_FOLLOWING""")
    if phone.lang == "de":  # every axe rule on the answer, its live region and the nearby list (once)
        assert phone.axe([".gs-answer", ".gs-map + .gs-sr", "#nearby-head", "#nearby-list"]) == []
    page.locator(".gs-answer .gs-link-button").click()  # "N projects within 500 m" leads to them
    assert page.evaluate("document.activeElement.id") == "nearby-head"
    phone.shot(f"answer_phone_nearby_list_{phone.lang}")
    page.evaluate("window.scrollTo(0, 0)")
    phone.shot(f"answer_phone_prohliser_allee_33_{phone.lang}")
    # a search without hits leaves no stale answer behind
    _search(page, "Zzyzxstraße")
    assert page.locator("#place-results").is_hidden()
    assert badge.is_hidden()
    page.wait_for_function("() => !document.querySelector('.gs-hit-label')")  # Leaflet fades it out
    # typos and squares: found, a square as a point with its answer
    _search(page, "prohliser alee")
    assert "Prohliser Allee" in page.locator("#place-results [role=option]").first.inner_text()
    _search(page, "Jakob-Winter-Platz")
    first = page.locator("#place-results [role=option]").first
    assert "Jacob-Winter-Platz" in first.inner_text()
    first.click()
    page.wait_for_function("() => document.querySelector('.gs-answer-head') !== null")
    assert page.locator(".gs-hit-label").inner_text() == "Jacob-Winter-Platz"
    # "Meinen Standort zeigen": the answer at the map, no box of text left by the button
    page.locator(".gs-locate button").click()
    page.wait_for_function("([t]) => document.querySelector('.gs-answer-place') && "
                           "document.querySelector('.gs-answer-place').textContent.startsWith(t) && "
                           "document.querySelector('.gs-answer-head') !== null",
                           arg=["Ihr Standort" if phone.lang == "de" else "Your position"])
    assert page.locator(".gs-locate").bounding_box()["height"] <= 40
    # worked out in the browser (the position is sent nowhere), and the same as /inside says
    assert not any("51.0058" in url or "13.7977" in url for url in phone.requests)
    server = page.evaluate("([lon, lat, lang]) => fetch(`/inside?f=json&lon=${lon}&lat=${lat}&lang=${lang}`)"
                           ".then(r => r.json())", [HERE["longitude"], HERE["latitude"], phone.lang])
    text = page.locator(".gs-answer").inner_text()
    assert server["inside"] and words["inside"] in text and server["text"][-1] in text, (server, text)
    phone.shot(f"answer_phone_located_{phone.lang}")
    # only the # of the link changes in the open tab: the map follows
    page.evaluate("location.hash = 'c=51.00627,13.79801&z=18&year=2010'")
    page.wait_for_function("() => GS.main.map.getZoom() === 18")
    assert page.locator("#year").input_value() == "2010"
    assert phone.errors == [] and phone.external() == []
