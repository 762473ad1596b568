"""axe-core on the public map pages (home, an area, a comparison, a project), phone and desktop,
German and English, on load and with the legend, the consent explanation and a popup open.

The API's HTML pages are checked the same way in test_a11y_lists_browser.py: two modules, so that
two test workers share the work (`--dist loadfile`)."""

from __future__ import annotations

import pytest
from test_browser import CHROMIUM
from test_maps_browser import LOCALES, PAGES, RESEARCH, VIEWPORTS, _open_tab, _url

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is not installed (apt install chromium)")


def check_page(browser, base: str, path: str, lang: str) -> None:
    """axe-core finds nothing (minor and moderate included) on load, and none with the legend,
    the consent explanation and a popup open, on both viewports."""
    for viewport in VIEWPORTS:
        context, tab = _open_tab(browser, base, viewport, lang)
        try:
            page = tab.page
            tab.open(_url(path, lang=lang))
            assert tab.axe() == [], (viewport, path)
            if page.locator(".gs-map").count():
                details = page.locator(".gs-legend details")
                if details.count() and details.get_attribute("open") is None:
                    details.locator("summary").click()
                page.locator(".gs-consent-open").click()
                page.locator(".gs-consent-yes").wait_for()
                marker = page.locator(".gs-pin").first
                if marker.count() and marker.is_visible():
                    marker.dispatch_event("click")
                    page.locator(".leaflet-popup-content").wait_for()
                    page.wait_for_timeout(400)  # Leaflet fades the popup in
                assert tab.axe() == [], (viewport, path, "interacted")
            if path in PAGES:  # public pages; the API's HTML shows the data as stored
                assert not RESEARCH.search(page.locator("main").inner_text()), path
            assert tab.errors == [] and tab.external() == []
        finally:
            context.close()


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", list(LOCALES))
def test_no_accessibility_violation_of_any_impact(browser, live_server, path, lang):
    check_page(browser, live_server.url, path, lang)
