"""axe-core on the API's HTML pages with a map (the funding areas' and the projects' items, an
area on a day) and the timeline, phone and desktop, German and English (test_a11y_pages_browser.py
has the public map pages and the checks)."""

from __future__ import annotations

import pytest
from test_a11y_pages_browser import check_page
from test_browser import CHROMIUM
from test_maps_browser import ITEMS, LOCALES, PROJECT_ITEMS

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is not installed (apt install chromium)")

LISTS = [ITEMS, PROJECT_ITEMS + "&limit=12", "/timeline?f=html", "/areas/prohlis?datetime=2016"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("lang", list(LOCALES))
def test_no_accessibility_violation_of_any_impact(browser, live_server, path, lang):
    check_page(browser, live_server.url, path, lang)
