"""What people read is the same on every page: each boundary version's last day in force, dates
no more precise than known, distances to 10 m, areas to 0.1 ha, German numbers on German pages.

Everything here reads the pages through the Flask test client; the change-year journey and the
phone widths in Chromium are in tests/test_display_browser.py.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from geoservice.web.display import fmt_date

HTML = {"Accept": "text/html"}
# a day as the pages write it, per language
DAY = {"de": r"\d{2}\.\d{2}\.\d{4}", "en": r"\d{1,2} [A-Z][a-z]{2} \d{4}"}


def _text(client, path: str, lang: str) -> str:
    response = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}", headers=HTML)
    assert response.status_code == 200, path
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))  # keeps U+2009


@pytest.fixture(scope="module")
def versions(app):
    areas = app.extensions["geoservice"].dataset.funding_areas
    return [row for _, row in areas.sort_values("valid_from").iterrows()]


def _version_pages(versions) -> list[str]:
    area_ids = sorted({v["area_id"] for v in versions})
    return ["/", "/timeline", "/compare?from=2000&to=2021",
            "/compare?from=2004-06-30&to=2016-09-29", "/inside?lon=13.7986&lat=51.0041&datetime=2010-06-01",
            "/collections/funding-areas/items?f=html", "/collections/projects/items/bmx-anlage-prohlis",
            *[f"/areas/{a}" for a in area_ids],
            *[f"/collections/funding-areas/items/{a}/versions?f=html" for a in area_ids],
            *[f"/collections/funding-areas/items/{v['id']}?f=html" for v in versions]]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_page_shows_the_same_last_day_of_each_version(client, versions, lang):
    """Collect 'first day – last day' of every version from every page that shows it."""
    from flask import g

    with client.application.test_request_context():
        g.lang = lang
        starts = {v["id"]: fmt_date(v["valid_from"], lang) for v in versions}
        ends = {v["id"]: fmt_date(v["valid_to"] - timedelta(days=1), lang)
                for v in versions if v["valid_to"] is not None}
    shown: dict[str, dict[str, set[str]]] = {vid: {} for vid in ends}
    # every page in German; in English (the same templates) one of each kind
    paths = _version_pages(versions) if lang == "de" else [
        "/timeline", "/compare?from=2000&to=2021", "/areas/prohlis-am-koitschgraben", "/areas/prohlis",
        "/collections/funding-areas/items?f=html", "/collections/funding-areas/items/prohlis/versions?f=html",
        "/collections/funding-areas/items/prohlis-am-koitschgraben/versions?f=html",
        *[f"/collections/funding-areas/items/{v['id']}?f=html" for v in versions]]
    for path in paths:
        text = _text(client, path, lang)
        for vid, start in starts.items():
            if vid not in ends:
                continue
            # the start, then (across a dash, 'bis'/'to' or a table cell) the end
            pattern = re.escape(start) + r"\s*(?:–|bis|to|gültig bis|valid until|valid_to)?\s*(" + DAY[lang] + ")"
            for end in re.findall(pattern, text):
                shown[vid].setdefault(end, set()).add(path)
    for vid, end in ends.items():
        assert set(shown[vid]) == {end}, (vid, shown[vid])
        assert len(shown[vid][end]) >= 4, (vid, shown[vid])  # really read from several pages


def test_the_chronicle_writes_dates_as_precise_as_known(client):
    text = _text(client, "/areas/prohlis-am-koitschgraben", "de")
    body = client.get("/areas/prohlis-am-koitschgraben", headers=HTML).get_data(as_text=True)
    # 'Aufnahme in das Programm Soziale Stadt' is known to the year only
    assert '<time datetime="2000">2000</time>' in body
    assert "2000-01-01" not in text and "01.01.2000" not in text
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)  # no ISO day in the text people read


NUMBER_PAGES = ["/", "/areas/prohlis", "/areas/prohlis-am-koitschgraben", "/compare?from=2004-06-01&to=2016-12-01",
                "/changes?from=2004&to=2016&f=html", "/locate?lon=13.7986&lat=51.0041&f=html",
                "/locate?lon=13.7600&lat=51.0200&f=html", "/inside?lon=13.7986&lat=51.0041&datetime=2010-06-01",
                "/collections/funding-areas/items?f=html", "/collections/funding-areas/items/prohlis-2016?f=html",
                "/collections/projects/items/kombibad-prohlis-neubau-hallen-und-freibad",
                "/collections/funding-areas/items/prohlis-2016/history?f=html"]
HA = re.compile(r"(\d[\d\u2009.,]*)\s?ha\b")
METRES = re.compile(r"(\d[\d\u2009.,]*)\s?m\b")


def test_distances_end_in_zero_and_areas_have_one_decimal(client):
    seen_m = seen_ha = 0
    for path in NUMBER_PAGES:
        for lang in ("de", "en"):
            text = _text(client, path, lang)
            for number in METRES.findall(text):
                if "locate" in path or "inside" in path:
                    seen_m += 1
                    assert re.sub(r"\D", "", number).endswith("0"), (path, lang, number)
            for number in HA.findall(text):
                seen_ha += 1
                decimals = re.search(r"[.,](\d+)$", number) if lang == "de" or "," not in number else None
                assert decimals is None or len(decimals.group(1)) <= 1, (path, lang, number)
    assert seen_m >= 4 and seen_ha >= 20  # the pages really show distances and areas
    doc = client.get("/locate?lon=13.7986&lat=51.0041").get_json()
    assert all(a["distance_m"] % 10 == 0 and a["distance_precision_m"] == 10 for a in doc["areas"])


def test_german_pages_write_numbers_with_a_decimal_comma_english_with_a_point(client, versions):
    for path in NUMBER_PAGES:
        german = _text(client, path, "de")
        for number in HA.findall(german) + METRES.findall(german):
            assert not re.search(r"\d\.\d", number), (path, number)  # no decimal point
    # English pages write the service's numbers the English way (the data's notes stay German)
    english = _text(client, "/collections/funding-areas/items?f=html", "en")
    for v in versions:
        assert f"{v['area_ha']:,.1f}" in english
    assert "5,5 ha" in _text(client, NUMBER_PAGES[3], "de") and "5.5 ha" in _text(client, NUMBER_PAGES[3], "en")
    assert re.search(r"\d\u2009\d{3} m", _text(client, "/locate?lon=13.7600&lat=51.0200&f=html", "de"))


def test_a_change_year_is_named_with_the_days_before_and_after(client):
    for path in ("/compare?from=2004&to=2016", "/changes?from=2004&to=2016&f=html"):
        body = client.get(path + "&lang=de", headers=HTML).get_data(as_text=True)
        assert body.count('class="change-year notice"') == 2, path
        assert "2004 ist ein Jahr mit Grenzänderung." in body
        for day in ("from=2004-06-30", "from=2004-07-01", "to=2016-09-28", "to=2016-09-29"):
            assert day in body, (path, day)
        assert 'type="date" name="from"' in body and 'type="date" name="to"' in body
        english = client.get(path + "&lang=en", headers=HTML).get_data(as_text=True)
        assert "2016 is a year with a boundary change." in english
    days = client.get("/compare?from=2004-06-01&to=2016-12-01", headers=HTML).get_data(as_text=True)
    assert "change-year" not in days  # days are what they say
    assert 'value="2004-06-01"' in days  # the day form keeps the days asked


def test_area_downloads_name_the_boundary_the_map_shows(client):
    body = client.get("/areas/prohlis-am-koitschgraben?datetime=2003", headers=HTML).get_data(as_text=True)
    assert "Grenzen 20" not in body.split('id="map-tools"')[1].split("</div>")[0]
    assert "area_id=prohlis-am-koitschgraben&amp;datetime=2003&amp;f=gpkg" in body
    assert "Grenze Prohlis / Am Koitschgraben im Jahr 2003:" in body


def test_the_history_shows_dresden_times_and_a_title(client):
    body = client.get("/collections/projects/items/bmx-anlage-prohlis/history?f=html&lang=de",
                      headers=HTML).get_data(as_text=True)
    doc = client.get("/collections/projects/items/bmx-anlage-prohlis/history?f=json").get_json()
    assert "<h1>Historie: BMX" in body and " UTC" not in body
    from datetime import datetime
    from zoneinfo import ZoneInfo

    first = datetime.fromisoformat(doc["records"][0]["recorded_from"].replace("Z", "+00:00"))
    local = first.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{local:%d.%m.%Y}, {local:%H:%M}" in body


def test_an_unknown_project_page_is_a_page_in_the_readers_language(client):
    for lang, heading, sentence in (("de", "Nicht gefunden", "gibt es in diesem Register nicht"),
                                    ("en", "Not found", "does not exist in this register")):
        response = client.get(f"/collections/projects/items/no-such-project?lang={lang}", headers=HTML)
        body = response.get_data(as_text=True)
        assert response.status_code == 404 and f"<h1>{heading}</h1>" in body and sentence in body
    assert client.get("/collections/projects/items/no-such-project").status_code == 404  # JSON too


def test_a_fact_sheet_takes_a_day_and_names_a_change_year(client):
    body = client.get("/areas/prohlis?datetime=2016&lang=de", headers=HTML).get_data(as_text=True)
    assert "2016 ist ein Jahr mit Grenzänderung." in body
    assert "datetime=2016-09-28" in body and "datetime=2016-09-29" in body
    assert 'type="date" name="datetime"' in body
    day = client.get("/areas/prohlis?datetime=2016-09-28&lang=de", headers=HTML).get_data(as_text=True)
    assert "change-year" not in day and "am 28.09.2016" in day
