"""Comparing by days and by years, and no page wider than a phone, in headless Chromium.

Desktop in German and phone in English compare 2004 with 2016: by years the page warns that both
are change years (and links the days before and after), by days it shows what was added and
removed. The phone (390 px) then opens the long pages: none scrolls sideways.
"""

from __future__ import annotations

import pytest
from test_browser import CHROMIUM, SHOTS, Tab

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is not installed (apt install chromium)")

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
TEXT = {"de": {"days": "Tage vergleichen", "added": "hinzugekommen", "removed": "weggefallen",
               "warn": "2004 ist ein Jahr mit Grenzänderung."},
        "en": {"days": "Compare days", "added": "added", "removed": "removed",
               "warn": "2004 is a year with a boundary change."}}
# the long pages and those with wide tables (the map pages' phone widths: test_maps_browser.py)
PHONE_PAGES = ["/areas/prohlis", "/collections/projects/items/kombibad-prohlis-neubau-hallen-und-freibad",
               "/collections/funding-areas/items/prohlis/versions?f=html",
               "/locate?lon=13.7986&lat=51.0041&f=html", "/changes?from=2004&to=2016&f=html",
               "/collections/projects/items/bmx-anlage-prohlis/history?f=html"]


def _ha(value: float, lang: str) -> str:
    text = f"{value:,.1f} ha"
    return text.replace(",", "\u2009").replace(".", ",") if lang == "de" else text


def _width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


@pytest.mark.parametrize("viewport, lang", [("desktop", "de"), ("phone", "en")])
def test_compare_2004_2016_by_years_warns_and_by_days_splits(browser, live_server, client, viewport, lang):
    expected = {f["properties"]["change"]: f["properties"]["area_ha"] for f in
                client.get("/changes?from=2004-06-01&to=2016-12-01").get_json()["features"]}
    assert expected["added"] > 1 and expected["removed"] > 10  # the real change (5.5 / 46.4 ha)
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    try:
        tab = Tab(context.new_page(), live_server.url)
        page = tab.open(f"/compare?from=2004&to=2016&lang={lang}").page
        # by years: nothing seems to change, and the page says why and offers the days
        assert page.locator("tr[data-change=added]").count() == 0
        note = page.locator(".change-year[data-param=from]")
        assert note.is_visible() and TEXT[lang]["warn"] in note.inner_text()
        assert "from=2004-06-30" in note.locator("a[data-when=before]").get_attribute("href")
        if viewport == "phone":
            assert _width(page) <= 390
        # by days: the split
        form = page.locator("form.compare-days")
        form.locator("input[name=from]").fill("2004-06-01")
        form.locator("input[name=to]").fill("2016-12-01")
        with page.expect_navigation():
            form.get_by_role("button", name=TEXT[lang]["days"]).click()
        page.wait_for_function("() => document.readyState === 'complete'")
        assert "from=2004-06-01" in page.url and "to=2016-12-01" in page.url
        for change in ("added", "removed"):
            row = page.locator(f"tr[data-change={change}]")
            assert TEXT[lang][change] in row.inner_text() and _ha(expected[change], lang) in row.inner_text()
        assert page.locator(".change-year").count() == 0
        if viewport == "phone":
            assert _width(page) <= 390
        if viewport == "phone":
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SHOTS / f"compare-days-{viewport}-{lang}.png"))
        assert not tab.errors
    finally:
        context.close()


def test_no_page_is_wider_than_a_phone(browser, live_server):
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        wide = {}
        for path in PHONE_PAGES:
            page.goto(live_server.url + path, wait_until="load")
            if _width(page) > 390:
                wide[path] = _width(page)
            if "/collections/projects/items/kombibad" in path:  # the version table as cards
                assert page.evaluate("getComputedStyle(document.querySelector("
                                     "'#sources table.cards tr')).display") == "block"
        assert wide == {}
    finally:
        context.close()
