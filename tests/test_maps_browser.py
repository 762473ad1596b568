"""Map pages on phone and desktop, a year's meaning, print, downloads, embed, clusters and the
public project text, in headless Chromium (German and English). No request leaves 127.0.0.1."""

from __future__ import annotations

import re
from datetime import date

import pytest
from test_browser import CHROMIUM, PNG_1PX, TILE_HOST, Tab

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is not installed (apt install chromium)")

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
LOCALES = {"de": "de-DE", "en": "en-GB"}
PROJECT = "/collections/projects/items/kombibad-prohlis-neubau-hallen-und-freibad"
PAGES = ["/", "/areas/prohlis", "/compare?from=2001&to=2021", PROJECT]
ITEMS = "/collections/funding-areas/items?f=html"
PROJECT_ITEMS = "/collections/projects/items?f=html"
# every page with a map, and the timeline, are checked by axe-core in test_a11y_pages_browser.py
# (PAGES) and test_a11y_lists_browser.py (the rest): two modules, so two workers share the work
GERMAN_VALUES = ("geplant", "laufend", "abgeschlossen", "Kultur", "Bildung", "Verkehr", "Sport/Spiel",
                 "Soziale Infrastruktur", "Umwelt/Grün", "Wohnumfeld/Freiraum",
                 "Beteiligung/Quartiersmanagement")
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
        ("until 28 Sep 2016" in legend and "from 29 Sep 2016" in legend)
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
    assert meta.inner_text().startswith("laufend" if tab.lang == "de" else "ongoing")
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
        if path == PROJECT:  # a project's printout says what it is and how far along
            kept = tab.page.locator("section.print-keep dd.print-keep")
            assert kept.count() == 3 and all(kept.nth(i).is_visible() for i in range(3))
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


# --------------------------------------------------------------------------- 7. items page map

def _table_ids(page) -> list[str]:
    return page.eval_on_selector_all("#items-table tbody tr", "rows => rows.map(r => r.dataset.id)")


@pytest.mark.parametrize("query", [
    "datetime=2016",                                   # the three versions in force in 2016
    "limit=2&offset=1",                                # paging
])
def test_items_page_shows_exactly_the_rows_on_a_map(tab, query):
    page = tab.page
    tab.open(_url(ITEMS + "&" + query, lang=tab.lang))
    ids = _table_ids(page)
    assert ids and page.evaluate("GS.main.items.ids") == ids
    assert page.locator(".gs-map path.leaflet-interactive").count() >= len(ids)
    # the view fits the page's features
    inside = page.evaluate("""() => GS.main.items.group.getLayers().every(l =>
        GS.main.map.getBounds().intersects(l.getBounds()))""")
    assert inside
    assert page.locator(".gs-notice").is_visible()  # reconstructed boundaries say so
    if query == "datetime=2016":
        assert set(ids) == {"prohlis-am-koitschgraben-2004", "prohlis-2016", "am-koitschgraben-2016"}
    page.evaluate("GS.main.items.group.getLayers()[0].openPopup()")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    link = popup.locator("a.gs-popup-link")
    assert link.get_attribute("href").startswith(f"/collections/funding-areas/items/{ids[0]}")
    assert ("Schematische Rekonstruktion" if tab.lang == "de" else "Schematic reconstruction") in popup.inner_text()
    date_text = popup.inner_text()
    assert re.search(r"\d\d\.\d\d\.\d{4}" if tab.lang == "de" else r"\d{1,2} [A-Z][a-z]{2} \d{4}", date_text)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[tab.viewport]["width"]
    tab.shot(f"maps_items_{tab.viewport}_{tab.lang}")
    link.click()
    page.wait_for_load_state()
    assert f"/collections/funding-areas/items/{ids[0]}" in page.url
    assert tab.errors == [] and tab.external() == []


def test_items_page_of_projects_with_bbox_and_labels(tab):
    page = tab.page
    bbox = "13.790,51.000,13.800,51.008"
    tab.open(_url(PROJECT_ITEMS + f"&bbox={bbox}&limit=8", lang=tab.lang))
    ids = _table_ids(page)
    assert ids and page.evaluate("GS.main.items.ids") == ids
    lon_lat = page.evaluate("GS.main.items.features.map(f => f.geometry.coordinates)")
    assert page.locator(".gs-pin").count() == len({tuple(c) for c in lon_lat})  # one pin per spot
    assert all(13.790 <= x <= 13.800 and 51.000 <= y <= 51.008 for x, y in lon_lat)
    cells = page.eval_on_selector_all("#items-table td", "tds => tds.map(t => t.innerText)")
    legend = page.locator(".gs-legend").inner_text()
    if tab.lang == "en":
        assert not set(cells) & set(GERMAN_VALUES)
        assert not any(v in legend for v in GERMAN_VALUES)
    page.evaluate("GS.main.items.group.getLayers()[0].openPopup()")
    popup = page.locator(".leaflet-popup-content").inner_text()
    if tab.lang == "en":
        assert not any(re.search(rf"\b{re.escape(v)}\b", popup) for v in GERMAN_VALUES), popup
    assert tab.errors == [] and tab.external() == []


def test_items_page_without_javascript_keeps_the_table_and_embeds(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORTS["phone"])
    try:
        page = context.new_page()
        page.goto(live_server.url + ITEMS + "&limit=3")
        assert page.locator("#items-table tbody tr").count() == 3
        assert page.locator("#items-table a").first.is_visible()
    finally:
        context.close()
    context, tab = _open_tab(browser, live_server.url, "phone", "de")
    try:
        tab.open(ITEMS + "&embed=1")
        assert tab.page.locator("header, footer, nav.api").count() == 0
        assert tab.page.locator(".gs-map").bounding_box()["y"] < 200
        assert tab.page.evaluate("document.documentElement.scrollWidth") <= 390
        assert tab.errors == [] and tab.external() == []
    finally:
        context.close()


# --------------------------------------------------------------------------- 8. base-map consent

def test_failing_tiles_are_reported_and_the_map_switches_back(tab):
    page = tab.page
    page.route(f"https://{TILE_HOST}/**", lambda route: route.abort("internetdisconnected"))
    tab.open(_url("/", lang=tab.lang))
    page.wait_for_timeout(300)
    assert tab.external() == []  # before consent no request leaves 127.0.0.1
    page.locator(".gs-consent-open").click()
    assert tab.external() == []
    page.locator(".gs-consent-yes").click()
    notice = page.locator(".gs-tile-error")
    notice.wait_for()
    text = notice.inner_text()
    assert ("lässt sich gerade nicht laden" in text) if tab.lang == "de" else ("cannot be loaded" in text)
    assert notice.get_attribute("role") == "alert"
    tab.shot(f"maps_tiles_failed_{tab.viewport}_{tab.lang}")
    page.locator(".gs-tile-back").click()
    assert page.locator(".leaflet-tile").count() == 0
    assert page.locator(".gs-consent-open").is_visible()
    assert page.evaluate("localStorage.getItem('geoservice.tiles.consent')") is None
    assert {urlsplit_host(u) for u in tab.external()} == {TILE_HOST}
    assert tab.errors == [] or all("ERR_INTERNET_DISCONNECTED" in e or "Failed to load" in e
                                   for e in tab.errors)


def urlsplit_host(url: str) -> str | None:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname


def test_attribution_appears_once_with_the_base_map(tab):
    page = tab.page
    page.route(f"https://{TILE_HOST}/**",
               lambda route: route.fulfill(status=200, content_type="image/png", body=PNG_1PX))
    tab.open(_url("/", lang=tab.lang))
    page.locator(".gs-consent-open").click()
    page.locator(".gs-consent-yes").click()
    page.wait_for_selector(".leaflet-tile-loaded")
    text = page.locator(".leaflet-control-attribution").inner_text()
    assert text.count("OpenStreetMap") == 1 and text.count("Leaflet") == 1, text
    assert page.locator(".gs-tile-error").count() == 0
    tab.requests.clear()
    tab.open(_url("/", lang=tab.lang))  # consent remembered: the same single attribution
    page.wait_for_selector(".leaflet-tile-loaded")
    text = page.locator(".leaflet-control-attribution").inner_text()
    assert text.count("OpenStreetMap") == 1 and text.count("Leaflet") == 1, text
    assert tab.errors == []


# --------------------------------------------------------------------------- 9. timeline

def test_timeline_is_a_visual_timeline_with_honest_precision(tab, app):
    page = tab.page
    tab.open(_url("/timeline?f=html", lang=tab.lang))
    years = page.eval_on_selector_all(".tl-axis .tl-year", "els => els.map(e => e.innerText.trim())")
    assert years == [str(y) for y in range(2000, date.today().year + 1)]
    changes = page.eval_on_selector_all(".tl-axis .tl-change", "els => els.map(e => e.innerText.trim())")
    assert changes == ["2000", "2004", "2016", "2020"]
    milestones = list(app.extensions["geoservice"].dataset.timeline)
    assert page.locator(".tl-entry").count() == len(milestones)  # everything is in the list too
    chart_events = page.locator(".tl-event").count()
    assert chart_events == sum(1 for m in milestones if m["date"] >= "2000")
    # boundary versions as bars over their validity
    assert page.locator(".tl-bar").count() == len(app.extensions["geoservice"].dataset.funding_areas)
    horizontal = tab.viewport == "desktop"
    one_year = page.evaluate(f"""() => {{
        const y = [...document.querySelectorAll('.tl-axis .tl-year')].map(e => e.getBoundingClientRect());
        return {'y[1].left - y[0].left' if horizontal else 'y[1].top - y[0].top'}; }}""")
    year_event = page.locator(".tl-event.tl-year").first.bounding_box()
    day_event = page.locator(".tl-event.tl-day").first.bounding_box()
    size = "width" if horizontal else "height"
    assert year_event[size] == pytest.approx(one_year, rel=0.08)  # a year is drawn as the year
    assert day_event[size] < one_year / 2  # a day is a point
    # written as precisely as known
    decision = page.locator("li.tl-entry", has=page.locator("time[datetime='2000-07-13']"))
    assert decision.locator("time").inner_text() == ("13.07.2000" if tab.lang == "de" else "13 Jul 2000")
    month = page.locator("time[datetime='2001-09']")
    assert month.inner_text() == ("September 2001" if tab.lang == "de" else "Sep 2001")
    assert page.locator("time[datetime='2000']").first.inner_text() == "2000"
    # linked to the areas and projects concerned
    link = decision.locator("a[href*='/areas/prohlis-am-koitschgraben?datetime=2000-07-13']")
    assert link.count() == 1
    assert page.locator(".tl-entry a[href*='/collections/projects/items/kombibad']").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[tab.viewport]["width"]
    tab.shot(f"maps_timeline_{tab.viewport}_{tab.lang}")
    link.click()
    page.wait_for_load_state()
    shown = page.locator("#shown-when").inner_text()
    assert "prohlis-am-koitschgraben-2000" in shown
    assert page.evaluate("GS.main.areas.visible") == ["prohlis-am-koitschgraben-2000"]
    assert tab.errors == [] and tab.external() == []


def test_timeline_prints(browser, live_server):
    context, tab = _open_tab(browser, live_server.url, "desktop", "de")
    try:
        tab.open("/timeline?f=html")
        tab.page.emulate_media(media="print")
        assert tab.page.locator(".tl-chart").is_visible()
        box = tab.page.locator(".tl-chart").bounding_box()
        assert box["width"] > 400
        pdf = tab.page.pdf(format="A4", landscape=True, print_background=True)
        assert _pdf_pages(pdf) >= 1
    finally:
        context.close()


# --------------------------------------------------------------------------- 10. English labels

def test_english_mode_translates_status_and_category_everywhere(browser, live_server):
    context, tab = _open_tab(browser, live_server.url, "desktop", "en")
    try:
        page = tab.page
        tab.open("/?lang=en")

        def german_in(text: str) -> list[str]:
            return [v for v in GERMAN_VALUES if re.search(rf"(?<![\w/]){re.escape(v)}(?![\w/])", text)]

        def texts(selector: str) -> str:  # the labels, not the (German) titles of the projects
            return "\n".join(page.eval_on_selector_all(selector, "els => els.map(e => e.innerText)"))

        for selector in ("#status", ".cats", "#project-list .meta", ".gs-legend"):
            assert german_in(texts(selector)) == [], selector
        for year in (2005, 2017, date.today().year):
            page.locator("#year").fill(str(year))
            assert german_in(texts("#project-list .meta")) == [], year
        page.locator("button.show-on-map").first.click()
        page.locator(".leaflet-popup-content").wait_for()
        assert german_in(texts(".leaflet-popup-content dd")) == []
        titles = page.eval_on_selector_all(".gs-cluster-ring", "els => els.map(e => e.title)")
        assert all(german_in(t) == [] for t in titles)
        tab.open(PROJECT + "?lang=en")
        assert german_in(texts("dl.fields dd:not(:first-of-type)")) == []
        page.locator(".gs-pin").click()
        assert german_in(texts(".leaflet-popup-content dd")) == []
        tab.open("/?lang=de")
        assert "abgeschlossen" in page.locator("#project-list").inner_text()  # German stays German
        assert tab.errors == []
    finally:
        context.close()


# --------------------------------------------------------------------------- 11. shared view

@pytest.mark.parametrize("fragment", ["c=51.00627,13.79801&z=18",
                                      "c=51.00190,13.79781&project=kombibad-prohlis-neubau-hallen-und-freibad&z=17"])
def test_shared_view_is_restored_exactly_on_the_phone(phone, fragment):
    page = phone.page
    phone.open(_url("/", lang=phone.lang) + "#" + fragment)
    expected = dict(part.split("=", 1) for part in fragment.split("&"))
    lat, lon = (float(v) for v in expected["c"].split(","))
    for _ in range(3):  # and it stays so: no refit after load
        page.wait_for_timeout(500)
        view = page.evaluate("[GS.main.map.getZoom(), GS.main.map.getCenter()]")
        assert view[0] == int(expected["z"])
        assert view[1]["lat"] == pytest.approx(lat, abs=1e-5) and view[1]["lng"] == pytest.approx(lon, abs=1e-5)
    if "project" in expected:
        page.locator(".leaflet-popup-content").wait_for()
    assert phone.errors == [] and phone.external() == []


def test_a_link_followed_during_a_zoom_animation_sets_its_view(phone):
    """A link whose # alone changes while the map zooms with animation (the locate button's or a
    search hit's): Leaflet ends its animation at its own target, after any view set meanwhile, so
    the page sets the link's view once the animation has ended (test_answer_browser.py met this
    race once: the map kept the locate button's zoom)."""
    page = phone.page
    phone.open(_url("/", lang=phone.lang))
    page.evaluate("""() => { const map = GS.main.map;
        window.animated = false;
        map.once('zoomanim', () => { window.animated = true; });
        map.setView([51.0058, 13.7977], map.getZoom() + 3);  // animated, as the locate button's
        location.hash = 'c=51.00627,13.79801&z=18'; }""")
    page.wait_for_function("() => window.animated && !GS.main.map._animatingZoom")
    page.wait_for_timeout(300)  # and it stays so
    view = page.evaluate("[GS.main.map.getZoom(), GS.main.map.getCenter()]")
    assert view[0] == 18 and round(view[1]["lat"], 5) == 51.00627 and round(view[1]["lng"], 5) == 13.79801
