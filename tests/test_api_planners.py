"""Planners' endpoints: fact sheets, changes, point lookup and timeline."""

from __future__ import annotations

import json

import pytest
from pyproj import Transformer

BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"
INSIDE_PROHLIS = (13.8, 51.0)  # near the Prohliser Allee


def test_area_list(client):
    areas = client.get("/areas").get_json()["areas"]
    ids = [a["area_id"] for a in areas]
    assert set(ids) == {"prohlis-am-koitschgraben", "prohlis", "am-koitschgraben"}
    assert ids[0] == "prohlis-am-koitschgraben"  # ordered by first validity


@pytest.mark.parametrize("area_id", ["prohlis", "am-koitschgraben", "prohlis-am-koitschgraben"])
def test_fact_sheet_lists_versions_in_order(client, area_id):
    sheet = client.get(f"/areas/{area_id}").get_json()
    versions = sheet["versions"]
    assert [v["valid_from"] for v in versions] == sorted(v["valid_from"] for v in versions)
    for version in versions:
        for key in ("id", "valid_from", "valid_to", "programme", "decision", "area_ha", "accuracy",
                    "added_ha", "removed_ha", "change"):
            assert key in version
    assert all(v["area_id"] == area_id for v in versions)


def test_split_names_its_predecessor(client):
    first = client.get("/areas/prohlis").get_json()["versions"][0]
    assert first["previous_version"].startswith("prohlis-am-koitschgraben")
    assert "prohlis-am-koitschgraben" in first["change"]


def test_changes_parts_cover_both_states(client):
    doc = client.get("/areas/prohlis-am-koitschgraben/changes?from=2003&to=2005").get_json()
    assert doc["type"] == "FeatureCollection"
    kinds = {f["properties"]["change"]: f["properties"]["area_ha"] for f in doc["features"]}
    assert set(kinds) <= {"added", "removed", "unchanged"}
    assert kinds.get("unchanged", 0) > 0


def test_changes_over_all_areas(client):
    doc = client.get("/changes?from=2015-01-01&to=2021-01-01").get_json()
    assert doc["features"]
    for feature in doc["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert feature["properties"]["area_ha"] > 0


def test_changes_html_names_the_dates(client):
    html = client.get("/changes?from=2010&to=2021", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "2010 (ganzes Jahr)" in html and "2021 (ganzes Jahr)" in html and "ganze Jahr" in html
    html = client.get("/changes?from=2010-05-05&to=2021-01-01&lang=en",
                      headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "5 May 2010" in html and "1 Jan 2021" in html


def test_changes_a_year_means_the_whole_year(client):
    """The area grew on 01.07.2004: the year 2004 holds the grown area (as on the map pages),
    while 1 January 2004 alone still had the boundary of 2000."""
    year = client.get("/changes?from=2003&to=2004").get_json()
    day = client.get("/changes?from=2003-06-01&to=2004-01-01").get_json()
    assert "added" in {f["properties"]["change"] for f in year["features"]}
    assert {f["properties"]["change"] for f in day["features"]} == {"unchanged"}
    assert year["features"][0]["properties"]["from"] == "2003"


def test_locate_inside_prohlis(client):
    lon, lat = INSIDE_PROHLIS
    doc = client.get(f"/locate?lon={lon}&lat={lat}&datetime=2018-06-01").get_json()
    assert doc["inside"] == ["prohlis"]
    assert doc["text"].startswith("innerhalb von Prohlis") and " m vom Rand" in doc["text"]
    assert doc["areas"][0]["distance_m"] > 0


def test_locate_in_english_and_with_utm(client):
    lon, lat = INSIDE_PROHLIS
    x, y = Transformer.from_crs("OGC:CRS84", "EPSG:25833", always_xy=True).transform(lon, lat)
    doc = client.get(f"/locate?x={x}&y={y}&crs=EPSG:25833&datetime=2018-06-01&lang=en").get_json()
    assert doc["text"].startswith("inside Prohlis,") and doc["text"].endswith("m from the edge")
    assert doc["lon"] == pytest.approx(lon) and doc["lat"] == pytest.approx(lat)


@pytest.mark.parametrize("day, inside", [("2003-01-01", ["prohlis-am-koitschgraben"]),
                                         ("2021-01-01", ["prohlis"])])
def test_locate_by_date(client, day, inside):
    lon, lat = INSIDE_PROHLIS
    assert client.get(f"/locate?lon={lon}&lat={lat}&datetime={day}").get_json()["inside"] == inside


def test_locate_outside(client):
    doc = client.get("/locate?lon=13.74&lat=51.05&datetime=2021-01-01").get_json()
    assert doc["inside"] == [] and "außerhalb" in doc["text"]


def test_locate_html_has_a_form_and_result(client):
    html = client.get("/locate?lon=13.8&lat=51&f=html").get_data(as_text=True)
    assert "<form" in html and "Prohlis" in html


def test_timeline(client):
    milestones = client.get("/timeline").get_json()["milestones"]
    assert milestones and all(m["date"] and m["source"] for m in milestones)
    html = client.get("/timeline?f=html").get_data(as_text=True)
    assert milestones[0]["title"].split()[0] in html


def test_data_is_escaped_in_html(data_copy, make_app):
    path = data_copy / "projects.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["title"] = "<script>alert(1)</script>"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    client = make_app(DATA_DIR=str(data_copy)).test_client()
    html = client.get("/collections/projects/items?f=html&limit=1000").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
