"""Map pages in a real browser (Debian's chromium via Playwright) against a server on loopback."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import shapely
from conftest import BROWSER_ARGS, CHROMIUM, LiveServer

from geoservice.domain import areas as area_domain
from geoservice.domain.timeutil import DayRange, parse_datetime

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "geoservice/static/vendor/axe-core/axe.min.js"


def inject_axe(page) -> None:
    """Add axe-core to the page as the service serves it (/static/vendor/): the pages' CSP allows
    scripts from the service only, so an inline copy would be blocked."""
    page.add_script_tag(url=urljoin(page.url, "/static/vendor/axe-core/axe.min.js"))
SHOTS = Path(__file__).resolve().parent / "screenshots"
ARGS = BROWSER_ARGS
TILE_HOST = "tile.openstreetmap.org"
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8ffff3f0005fe02fea7d6a4f60000000049454e44ae426082")
HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is not installed (apt install chromium)")


@dataclass
class Tab:
    """A page plus every request it made and every console error it logged."""

    page: object
    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> Tab:
        self.page.goto(self.base + path)
        self.page.wait_for_function("() => document.readyState === 'complete'")
        return self

    def external(self) -> list[str]:
        return [url for url in self.requests if urlsplit(url).hostname != "127.0.0.1"
                and not url.startswith(("data:", "blob:"))]

    def shot(self, name: str, full_page: bool = False) -> None:
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)

    def axe(self, include: list[str] | None = None) -> list[str]:
        """Run axe-core (from npm, injected here) with every rule enabled, the experimental and
        off-by-default ones (target size, focus order, …) included, on the page or on the
        `include` selectors, and return its violations of any impact."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            inject_axe(self.page)
        result = self.page.evaluate("""([include]) => axe.run(include ? {include: include} : document,
            {resultTypes: ['violations'],
             rules: Object.fromEntries(axe.getRules().map(r => [r.ruleId, {enabled: true}]))})""",
                                    [[[s] for s in include] if include else None])
        for v in result["violations"]:
            if v["id"] == "target-size":
                # a 24-px map pin partly under an opened map control (consent, legend, popup) is
                # WCAG 2.5.8's "equivalent" exception: every pin's item is also a link in the
                # page's list or table; pins too small or crowding each other still count
                v["nodes"] = [n for n in v["nodes"] if not _under_map_control(n)]
        result["violations"] = [v for v in result["violations"] if v["nodes"]]
        return [f"{v['id']} ({v['impact']}): {v['help']} -> "
                f"{[(n['target'], _related(n)) for n in v['nodes']][:5]}"
                for v in result["violations"]]


def _related(node: dict) -> list[str]:
    return [r["target"][0] for check in node["any"] for r in check.get("relatedNodes", [])]


def _under_map_control(node: dict) -> bool:
    """Is this target-size failure a map pin (or cluster) whose only neighbours are map controls?"""
    related = _related(node)
    controls = (".gs-consent", ".gs-legend", ".leaflet-popup", ".gs-popup", ".leaflet-control", ".gs-answer")
    pin = any(c in node["target"][0] for c in (".gs-pin", ".gs-cluster"))
    return pin and bool(related) and all(
        any(c in r for c in controls) for r in related)


def _tab(browser, base: str, locale: str = "de-DE"):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    tab = Tab(page, base)
    page.on("request", lambda request: tab.requests.append(request.url))
    page.on("console", lambda msg: tab.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    return context, tab


@pytest.fixture()
def tab(browser, live_server):
    context, tab = _tab(browser, live_server.url)
    yield tab
    context.close()


def _data(app):
    return app.extensions["geoservice"].dataset


def _visible_areas(tab: Tab) -> list[dict]:
    return tab.page.evaluate("""() => GS.main.areas.visible.map(id =>
        GS.main.areas.features.find(f => f.properties.id === id).properties)""")


# --------------------------------------------------------------------------- home

def test_home_renders_areas_and_markers(tab, app):
    tab.open("/")
    page = tab.page
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator(".gs-map path.leaflet-interactive").count() >= 1
    page.wait_for_selector(".gs-pin, .gs-cluster")
    assert page.locator(".gs-pin, .gs-cluster").count() >= 1
    assert page.get_by_text("Schematische Rekonstruktion, nicht die rechtsverbindliche Grenze").first.is_visible()
    assert page.evaluate("GS.main.projects.visible.length") == len(_data(app).projects)
    tab.shot("home")
    tab.shot("home_full", full_page=True)
    assert tab.errors == []
    assert tab.external() == []


@pytest.mark.parametrize("year, expected", [
    (2003, {("prohlis-am-koitschgraben", "Soziale Stadt")}),
    (2018, {("prohlis", "Soziale Stadt"), ("am-koitschgraben", "Soziale Stadt")}),
    (2021, {("prohlis", "Sozialer Zusammenhalt"), ("am-koitschgraben", "Sozialer Zusammenhalt")}),
])
def test_home_slider_shows_the_areas_of_the_year(tab, year, expected):
    tab.open("/")
    tab.page.locator("#year").fill(str(year))
    shown = {(p["area_id"], p["programme"]) for p in _visible_areas(tab)}
    assert shown == expected
    assert str(year) in tab.page.locator("#status-line").inner_text()
    assert tab.page.locator("#year-out").inner_text() == str(year)
    if year == 2018:
        tab.shot("home_2018")
    assert tab.errors == []


def test_transition_year_names_both_versions(tab):
    tab.open("/")
    tab.page.locator("#year").fill("2016")
    status = tab.page.locator("#status-line").inner_text()
    assert "bis 28.09.2016" in status and "ab 29.09.2016" in status
    assert len(_visible_areas(tab)) == 3


def test_show_my_position_stays_in_the_browser(browser, live_server):
    context = browser.new_context(locale="de-DE", geolocation={"latitude": 51.0, "longitude": 13.79},
                                  permissions=["geolocation"])
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(live_server.url + "/")
        page.get_by_role("button", name="Meinen Standort zeigen").click()
        # the answer at the map is worked out in the browser: the position is sent nowhere
        page.locator(".gs-answer-place").get_by_text("Ihr Standort").wait_for()
        page.locator(".gs-answer-head").wait_for()
        assert "Fördergebiet" in page.locator(".gs-answer-head").inner_text()
        assert all(urlsplit(url).hostname == "127.0.0.1" for url in requests)
        assert not any("51.0" in url for url in requests)
    finally:
        context.close()


def test_slider_filter_matches_the_domain_for_every_year(tab, app):
    """The JavaScript filter and domain.areas.day_overlap agree on areas and projects each year."""
    data = _data(app)
    tab.open("/")
    for year in range(2000, date.today().year + 1):
        js = tab.page.evaluate(
            "y => { document.getElementById('year').value = y; gsHome.apply();"
            " return [GS.main.areas.visible, GS.main.projects.visible]; }", year)
        areas = set(area_domain.versions(data.funding_areas, parse_datetime(str(year)))["id"])
        started = area_domain.day_overlap(data.projects["_t0"].to_numpy(), data.projects["_t1"].to_numpy(),
                                          DayRange(None, date(year + 1, 1, 1)))
        if year == date.today().year:  # no known start: shown only as the register stands today
            started |= data.projects["start_year"].isna().to_numpy()
        assert set(js[0]) == areas, year
        assert set(js[1]) == set(data.projects.index[started]), year


def test_marker_click_opens_popup(tab):
    tab.open("/")
    page = tab.page
    page.wait_for_selector(".gs-pin, .gs-cluster")
    for _ in range(6):  # open clusters until single markers show
        if page.locator(".gs-pin").count():
            break
        page.locator(".gs-cluster").first.click()
        page.wait_for_timeout(600)
    pin = page.locator(".gs-pin").first
    title = pin.get_attribute("title")
    pin.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator(".gs-popup-title").inner_text() == title
    for label in ("Jahre", "Status", "Kategorie", "Lagegenauigkeit", "Quelle"):
        assert popup.get_by_text(label, exact=True).count() == 1
    assert "/collections/projects/items/" in popup.locator("a.gs-popup-link").get_attribute("href")
    tab.shot("home_popup")
    assert tab.errors == []


def test_list_and_filters_agree(tab, app):
    tab.open("/")
    page = tab.page
    statuses = sorted(set(_data(app).projects["status"]))

    def listed() -> set[str]:
        return set(page.eval_on_selector_all("#project-list li:not([hidden])",
                                             "els => els.map(e => e.dataset.id)"))

    def on_map() -> set[str]:
        return set(page.evaluate("GS.main.projects.cluster.getLayers().map(m => m.feature.properties.id)"))

    assert listed() == on_map() and len(listed()) == len(_data(app).projects)
    page.select_option("#status", statuses[0])
    assert listed() == on_map()
    assert all(_data(app).projects.loc[i, "status"] == statuses[0] for i in listed())
    page.locator("#q").fill("prohlis")
    assert listed() == on_map() and 0 < len(listed())
    first = page.locator("input[name=category]").first
    category = first.get_attribute("value")
    first.uncheck()
    assert listed() == on_map()
    assert all(_data(app).projects.loc[i, "category"] != category for i in listed())
    page.locator("#reset").click()
    page.wait_for_timeout(100)
    assert len(listed()) == len(_data(app).projects) == len(on_map())
    tab.open("/")  # keyboard: Tab reaches a "show on map" button, Enter opens its popup
    button = page.locator("button.show-on-map").first
    button.focus()
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup-content").wait_for()
    assert tab.errors == []


def test_language_switch_is_remembered(tab):
    tab.open("/")
    tab.page.get_by_role("link", name="English").click()
    tab.page.wait_for_load_state()
    assert tab.page.locator("html").get_attribute("lang") == "en"
    assert tab.page.locator("h1").inner_text().startswith("Projects and funding areas")
    tab.open("/compare")
    assert tab.page.locator("html").get_attribute("lang") == "en"
    tab.shot("compare_en")
    tab.page.get_by_role("link", name="Deutsch").click()
    tab.page.wait_for_load_state()
    assert tab.page.locator("html").get_attribute("lang") == "de"
    assert tab.errors == []


def test_no_request_leaves_loopback_before_consent(tab):
    page = tab.page
    page.route(f"https://{TILE_HOST}/**",
               lambda route: route.fulfill(status=200, content_type="image/png", body=PNG_1PX))
    tab.open("/")
    page.wait_for_timeout(500)
    assert tab.external() == []
    page.get_by_role("button", name="Kartenhintergrund laden").click()
    assert tab.external() == []  # the first click only explains
    page.get_by_role("button", name="Ja, OpenStreetMap laden").click()
    page.wait_for_selector(".leaflet-tile-loaded")
    hosts = {urlsplit(url).hostname for url in tab.external()}
    assert hosts == {TILE_HOST}
    assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
    tab.shot("home_tiles_after_consent")
    tab.requests.clear()
    tab.open("/")  # consent is remembered in localStorage
    page.wait_for_selector(".leaflet-tile-loaded")
    assert {urlsplit(url).hostname for url in tab.external()} == {TILE_HOST}
    assert tab.errors == []


def test_first_party_tiles_load_without_consent(browser, make_app):
    tiled = make_app(TILE_URL="/static/tiles/{z}/{x}/{y}.png", TILE_ATTRIBUTION="Stadtplan")
    server = LiveServer(tiled)
    context, tab = _tab(browser, server.url)
    try:
        tab.open("/")
        tab.page.wait_for_function("() => document.querySelectorAll('.leaflet-tile').length > 0")
        assert tab.page.locator(".gs-consent").count() == 0
        assert any("/static/tiles/" in url for url in tab.requests)
        assert tab.external() == []
    finally:
        context.close()
        server.stop()


# --------------------------------------------------------------------------- other pages

def test_compare_page(tab, app):
    tab.open("/compare?from=2003&to=2021")
    page = tab.page
    parts = area_domain.changes(_data(app).funding_areas, date(2003, 1, 1), date(2021, 1, 1))
    assert page.locator(".gs-map path.leaflet-interactive").count() == len(parts)
    legend = page.locator(".gs-legend").inner_text()
    for part in parts:
        assert page.locator(f"tr[data-change={part.change}]").count() == 1
        assert f"{part.area_ha:.1f}".replace(".", ",") + " ha" in legend  # areas to 0.1 ha
    assert page.get_by_text("Schematische Rekonstruktion").first.is_visible()
    tab.shot("compare")
    page.select_option("select[name=from]", "2016")
    page.get_by_role("button", name="Vergleichen", exact=True).click()  # by years
    page.wait_for_load_state()
    assert "from=2016" in page.url
    assert tab.errors == [] and tab.external() == []


def _current_versions(app):
    data = _data(app)
    return area_domain.versions_on(data.funding_areas, date.today())


def test_fact_sheet_inside_check_by_click_and_form(tab, app):
    row = _current_versions(app).sort_values("area_ha").iloc[-1]
    page = tab.page
    tab.open(f"/areas/{row['area_id']}")
    assert page.locator("h1").inner_text().endswith(row["name"])
    assert page.locator("svg.gs-step-map").count() >= 1
    inside = row.geometry.representative_point()
    page.locator(".gs-map").scroll_into_view_if_needed()
    xy = page.evaluate("([lat, lon]) => GS.main.map.latLngToContainerPoint([lat, lon])",
                       [inside.y, inside.x])
    box = page.locator(".gs-map").bounding_box()
    page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])
    result = page.locator("#check-result")
    result.locator("p").first.wait_for()
    assert "innerhalb" in result.inner_text()
    assert float(page.locator("input[name=lon]").input_value()) == pytest.approx(inside.x, abs=5e-4)
    tab.shot("fact_sheet_click")
    minx, miny, maxx, maxy = row.geometry.bounds
    page.locator("input[name=lon]").fill(f"{maxx + 0.004:.5f}")
    page.locator("input[name=lat]").fill(f"{maxy + 0.004:.5f}")
    page.get_by_role("button", name="Prüfen").click()
    page.wait_for_function("() => document.querySelector('#check-result').innerText.includes('außerhalb')")
    outside = shapely.Point(maxx + 0.004, maxy + 0.004)
    assert outside.distance(row.geometry) > 0
    tab.shot("fact_sheet")
    tab.shot("fact_sheet_full", full_page=True)
    assert tab.errors == [] and tab.external() == []


def test_project_page(tab, app):
    project = _data(app).projects.sort_values("title").iloc[0]
    tab.open(f"/collections/projects/items/{project['id']}")
    page = tab.page
    assert page.locator("h1").inner_text() == project["title"]
    assert page.locator(".gs-pin").count() == 1
    assert page.get_by_text(project["description"]).first.is_visible()
    assert page.get_by_text("Schematische Rekonstruktion").first.is_visible()
    page.locator(".gs-pin").click()
    page.locator(".leaflet-popup-content").wait_for()
    tab.shot("project")
    assert tab.errors == [] and tab.external() == []


def _pages(app) -> list[str]:
    data = _data(app)
    area_id = _current_versions(app).iloc[0]["area_id"]
    fid = data.projects.index[0]
    return ["/", "/compare?from=2003&to=2021", f"/areas/{area_id}",
            f"/collections/projects/items/{fid}"]


@pytest.mark.parametrize("index", range(4))
def test_embed_mode_has_no_header_or_footer(tab, app, index):
    path = _pages(app)[index]
    tab.open(path + ("&" if "?" in path else "?") + "embed=1")
    page = tab.page
    assert page.locator("header, footer").count() == 0
    assert page.locator(".gs-map").is_visible()
    assert page.locator(".gs-notice").is_visible()
    tab.shot(f"embed_{index}")
    assert tab.errors == [] and tab.external() == []


@pytest.mark.parametrize("index", range(4))
@pytest.mark.parametrize("lang", ["de", "en"])
def test_no_accessibility_violation(tab, app, index, lang):
    path = _pages(app)[index]
    tab.open(path + ("&" if "?" in path else "?") + f"lang={lang}")
    assert tab.axe() == []
    assert tab.errors == []


def test_hostile_project_title_is_shown_as_text(browser, data_copy, make_app):
    path = data_copy / "projects.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    collection["features"][0]["properties"]["title"] = HOSTILE
    fid = collection["features"][0]["properties"]["id"]
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    server = LiveServer(make_app(DATA_DIR=str(data_copy)))
    context, tab = _tab(browser, server.url)
    try:
        page = tab.page
        tab.open("/")
        item = page.locator(f'#project-list li[data-id="{fid}"]')
        assert item.locator("h3").inner_text() == HOSTILE
        item.locator("button").click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert popup.locator(".gs-popup-title").inner_text() == HOSTILE
        titles = page.eval_on_selector_all(".gs-pin", "els => els.map(e => e.title)")
        assert HOSTILE in titles
        assert page.evaluate("typeof window.__xss") == "undefined"
        tab.shot("xss_home")
        tab.open(f"/collections/projects/items/{fid}")
        assert page.locator("h1").inner_text() == HOSTILE
        page.locator(".gs-pin").click()
        page.locator(".leaflet-popup-content").wait_for()
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert tab.errors == []
    finally:
        context.close()
        server.stop()
