"""Map pages on phone and desktop, a year's meaning, print, downloads, embed, clusters and the
public project text, in headless Chromium (German and English). No request leaves 127.0.0.1."""

from __future__ import annotations

import re

import pytest
from test_browser import CHROMIUM, Tab

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is not installed (apt install chromium)")

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCALES = {"de": "de-DE", "en": "en-GB"}
PROJECT = "/collections/projects/items/kombibad-prohlis-neubau-hallen-und-freibad"
PAGES = ["/", "/areas/prohlis", "/compare?from=2001&to=2021", PROJECT]
RESEARCH = re.compile(r"\b[0-9a-f]{40}\b|@[0-9a-f]{7,}\b|\b(?:geodata|shared)/\S+")

MEASURE = """() => {
  const m = document.querySelector('.gs-map').getBoundingClientRect();
  let covered = 0;
  document.querySelectorAll('.gs-map .leaflet-control').forEach(c => {
    const b = c.getBoundingClientRect();
    const w = Math.max(0, Math.min(b.right, m.right) - Math.max(b.left, m.left));
    const h = Math.max(0, Math.min(b.bottom, m.bottom) - Math.max(b.top, m.top));
    covered += w * h;
  });
  return {top: m.top, height: m.height, share: covered / (m.width * m.height),
          scrollWidth: document.documentElement.scrollWidth};
}"""


def _open_tab(browser, base, viewport, lang):
    context = browser.new_context(locale=LOCALES[lang], viewport=VIEWPORTS[viewport])
    page = context.new_page()
    tab = Tab(page, base)
    tab.lang, tab.viewport = lang, viewport
    page.on("request", lambda r: tab.requests.append(r.url))
    page.on("console", lambda msg: tab.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    return context, tab


@pytest.fixture(params=[(v, lang) for v in VIEWPORTS for lang in LOCALES], ids=lambda p: f"{p[0]}-{p[1]}")
def tab(request, browser, live_server):
    context, tab = _open_tab(browser, live_server.url, *request.param)
    yield tab
    context.close()


@pytest.fixture(params=list(LOCALES))
def phone(request, browser, live_server):
    context, tab = _open_tab(browser, live_server.url, "phone", request.param)
    yield tab
    context.close()


def _url(path: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return path + ("&" if "?" in path else "?") + query


# --------------------------------------------------------------------------- 1. phone

@pytest.mark.parametrize("index", range(len(PAGES)))
def test_phone_map_first_small_controls_no_sideways_scroll(phone, index):
    tab = phone
    tab.open(_url(PAGES[index], lang=tab.lang))
    tab.page.wait_for_timeout(300)
    box = tab.page.evaluate(MEASURE)
    assert box["top"] < 844 and box["top"] + min(box["height"], 300) < 844, box
    assert box["share"] <= 0.20, box
    assert box["scrollWidth"] <= 390, box
    tab.shot(f"maps_phone_{index}_{tab.lang}")
    assert tab.errors == [] and tab.external() == []


def test_phone_popups_stay_inside_the_map(phone):
    tab, page = phone, phone.page
    tab.open(_url(PROJECT, lang=tab.lang))
    page.locator(".gs-pin").click()
    popup = page.locator(".leaflet-popup")
    popup.wait_for()
    page.wait_for_timeout(600)  # autoPan
    m, p = page.locator(".gs-map").bounding_box(), popup.bounding_box()
    assert p["x"] >= m["x"] - 1 and p["x"] + p["width"] <= m["x"] + m["width"] + 1
    assert p["y"] >= m["y"] - 1 and p["y"] + p["height"] <= m["y"] + m["height"] + 1
    tab.shot(f"maps_phone_popup_{tab.lang}")
    assert tab.errors == [] and tab.external() == []


# --------------------------------------------------------------------------- 2. a year

def test_change_year_shows_outgoing_dashed_and_incoming_solid(tab):
    page = tab.page
    tab.open(_url("/", lang=tab.lang))
    ticks = page.locator(".year-ticks span").all_text_contents()
    assert ticks == ["2000", "2004", "2016", "2020"]
    assert page.locator("#change-years option").count() == 4
    page.locator("#year").fill("2016")
    styles = page.evaluate("""() => GS.main.areas.visible.map(id => {
        const l = GS.main.areas.layers[id].getLayers()[0];
        return [id, l.options.dashArray || null]; })""")
    dashed = {i for i, d in styles if d}
    assert dashed == {"prohlis-am-koitschgraben-2004"}
    assert len(styles) == 3
    page.locator(".gs-legend summary").click() if tab.viewport == "phone" else None
    legend = page.locator(".gs-legend").inner_text()
    assert ("bis 28.09.2016" in legend and "ab 29.09.2016" in legend) if tab.lang == "de" else \
        ("until 2016-09-28" in legend and "from 2016-09-29" in legend)
    assert page.locator(".gs-swatch-area-old").count() == 1
    help_text = page.locator("#year-help").inner_text()
    assert ("ganze Jahr" in help_text) if tab.lang == "de" else ("whole year" in help_text)
    page.locator("#year").fill("2018")
    assert page.evaluate("""() => GS.main.areas.visible.every(id =>
        !GS.main.areas.layers[id].getLayers()[0].options.dashArray)""")
    tab.shot(f"maps_change_year_{tab.viewport}_{tab.lang}")
    assert tab.errors == [] and tab.external() == []


def test_project_status_follows_the_year(tab):
    page = tab.page
    tab.open(_url("/", lang=tab.lang))
    status = "p => GS.statusInYear({status: 'abgeschlossen', start_year: 2019, end_year: 2022}, p)"
    assert page.evaluate(status, 2017) == "geplant"
    assert page.evaluate(status, 2020) == "laufend"
    page.locator("#year").fill("2015")
    shown = page.evaluate("GS.main.projects.visible")
    assert "kombibad-prohlis-neubau-hallen-und-freibad" not in shown  # started 2018
    page.locator("#year").fill("2019")
    meta = page.locator('#project-list li[data-id="kombibad-prohlis-neubau-hallen-und-freibad"] .year-status')
    assert meta.inner_text().startswith("laufend")
    assert tab.errors == []


def test_compare_says_a_year_is_the_whole_year(tab):
    tab.open(_url("/compare?from=2016&to=2017", lang=tab.lang))
    lead = tab.page.locator(".lead").inner_text()
    assert ("ganze Jahr" in lead) if tab.lang == "de" else ("whole year" in lead)
    assert tab.errors == [] and tab.external() == []


# --------------------------------------------------------------------------- 3. print

def _pdf_pages(pdf: bytes) -> int:
    try:
        import io

        import pypdf
        return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@pytest.mark.parametrize("path", ["/", "/areas/prohlis", "/compare?from=2001&to=2021", PROJECT])
def test_print_is_one_a4_landscape_page(browser, live_server, path):
    context, tab = _open_tab(browser, live_server.url, "desktop", "de")
    try:
        tab.open(path)
        tab.page.emulate_media(media="print")
        tab.page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        tab.page.wait_for_timeout(300)
        assert tab.page.locator(".print-meta").is_visible()
        assert tab.page.locator(".gs-notice").is_visible()
        assert tab.page.locator(".gs-legend ul").first.is_visible() or path.startswith("/areas")
        pdf = tab.page.pdf(format="A4", landscape=True, print_background=True)
        assert _pdf_pages(pdf) == 1
        tab.page.screenshot(path=str(__import__("test_browser").SHOTS / f"maps_print_{PAGES.index(path)}.png"))
        assert tab.external() == []
    finally:
        context.close()


# --------------------------------------------------------------------------- 4. downloads, embed

def test_download_links_follow_the_year(tab, live_server):
    page = tab.page
    tab.open(_url("/", lang=tab.lang))
    page.locator("#year").fill("2016")
    href = page.locator("#downloads a.dl-gpkg").get_attribute("href")
    assert "datetime=2016" in href and "f=gpkg" in href
    json_href = page.evaluate("document.querySelector('#downloads a.dl-json').href")
    assert json_href.startswith(live_server.url)
    body = page.request.get(json_href).json()
    assert {f["id"] for f in body["features"]} == {
        "prohlis-am-koitschgraben-2004", "prohlis-2016", "am-koitschgraben-2016"}
    assert tab.errors == []


@pytest.mark.parametrize("index", range(len(PAGES)))
def test_embed_on_phone(phone, index):
    tab = phone
    tab.open(_url(PAGES[index], embed=1, lang=tab.lang))
    assert tab.page.locator("header, footer").count() == 0
    assert tab.page.evaluate("document.documentElement.scrollWidth") <= 390
    assert tab.page.locator(".gs-map").bounding_box()["y"] < 100
    assert tab.errors == [] and tab.external() == []


# --------------------------------------------------------------------------- 5. clusters

def test_clusters_show_their_categories_and_same_spot_is_a_list(tab):
    page = tab.page
    tab.open(_url("/", lang=tab.lang))
    page.wait_for_selector(".gs-cluster")
    ring = page.locator(".gs-cluster-ring").first
    assert "conic-gradient" in ring.get_attribute("style")
    assert "(" in ring.get_attribute("title")  # "Kultur (2), ..."
    # the page may still fit its view once after load (phone layout): set ours until it holds
    for _ in range(20):
        page.evaluate("GS.main.map.setView([51.0062709, 13.7980134], 19, {animate: false})")
        page.wait_for_timeout(250)
        if page.evaluate("GS.main.map.getZoom()") == 19:
            break
    page.wait_for_selector(".gs-cluster-stack")
    page.locator(".gs-map").scroll_into_view_if_needed()
    xy = page.evaluate("GS.main.map.latLngToContainerPoint([51.0062709, 13.7980134])")
    box = page.locator(".gs-map").bounding_box()
    page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])
    popup = page.locator(".gs-popup-list")
    popup.wait_for()
    assert popup.locator("li").count() >= 2
    assert page.locator(".marker-cluster-spider-leg, .leaflet-cluster-spider-leg").count() == 0
    tab.shot(f"maps_same_spot_{tab.viewport}_{tab.lang}")
    assert tab.errors == [] and tab.external() == []


# --------------------------------------------------------------------------- 6. public text

def test_project_page_keeps_research_notes_in_a_closed_section(tab):
    page = tab.page
    tab.open(_url("/collections/projects/items/quartiersmanagement-prohlis-stadtteilbuero", lang=tab.lang))
    details = page.locator("details.provenance")
    assert details.count() == 1 and details.get_attribute("open") is None
    assert not RESEARCH.search(page.locator("main").inner_text())
    details.locator("summary").click()
    assert not RESEARCH.search(details.inner_text())
    assert "afeefa-neos@" not in page.content()
    tab.shot(f"maps_project_{tab.viewport}_{tab.lang}", full_page=True)
    assert tab.errors == [] and tab.external() == []


@pytest.mark.parametrize("index", range(len(PAGES)))
@pytest.mark.parametrize("lang", list(LOCALES))
def test_no_serious_accessibility_violation(browser, live_server, index, lang):
    for viewport in VIEWPORTS:
        context, tab = _open_tab(browser, live_server.url, viewport, lang)
        try:
            tab.open(_url(PAGES[index], lang=lang))
            assert tab.axe() == [], (viewport, PAGES[index])
            assert not RESEARCH.search(tab.page.locator("main").inner_text()), PAGES[index]
            assert tab.errors == [] and tab.external() == []
        finally:
            context.close()
