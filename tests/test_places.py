"""Place search (/search), German folding, the inside check (/inside) and lenient HTML pages.

Tests that take `client`/`app` read the bundled data on SQLite (`--all-stores`: on PostgreSQL too).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from geoservice.api.openapi_places import places_paths
from geoservice.domain import places

ROOT = Path(__file__).resolve().parents[1]
HTML = {"Accept": "text/html"}
# Karl-Laux-Straße 5 (geocode B, school basement; geodata/sources/addresses.csv): outside the 2000
# area, inside since the Karl-Laux extension of 2004-07-01 (joint area), then Am Koitschgraben.
KARL_LAUX_5 = {"lon": "13.771283", "lat": "51.013521"}


def _search(client, q, **extra):
    response = client.get("/search", query_string={"q": q, **extra})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# --------------------------------------------------------------------------- folding

@pytest.mark.parametrize("typed, stored", [
    ("strasse", "Straße"), ("STRASSE", "straße"), ("mugelner", "Mügelner"), ("Muegelner", "Mügelner"),
    ("Georg-Palitzsch-Str.", "Georg-Palitzsch-Straße"),
    ("Mu\u0308gelner", "Mügelner"),  # decomposed umlaut (NFD) = composed
    ("ＫＡＲＬ", "Karl"),  # full-width letters (NFKD)
])
def test_german_folding(typed, stored):
    assert places.fold(stored).startswith(places.fold(typed).rstrip())


def test_places_file_is_derived_with_attribution():
    doc = json.loads((ROOT / "geodata/context/places.geojson").read_text(encoding="utf-8"))
    assert "OpenStreetMap" in doc["attribution"] and "ODbL" in doc["attribution"]
    kinds = {f["properties"]["kind"] for f in doc["features"]}
    assert kinds == {"street", "stop", "address", "place"}
    for f in doc["features"]:
        assert f["properties"]["source"] and f["properties"]["licence"], f["properties"]["name"]
        if f["properties"]["kind"] in ("street", "stop"):
            assert "ODbL" in f["properties"]["licence"]


def test_places_build_is_reproducible(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "places.geojson"
    subprocess.run([sys.executable, str(ROOT / "scripts/build_places.py"), "--out", str(out)], check=True,
                   capture_output=True)
    assert out.read_bytes() == (ROOT / "geodata/context/places.geojson").read_bytes()


def test_service_never_reads_shared_folder():
    for path in [*(ROOT / "geoservice").rglob("*.py"), ROOT / "scripts/build_places.py",
                 *(ROOT / "scripts/geodata_build").rglob("*.py")]:
        assert "../shared" not in path.read_text(encoding="utf-8"), path


# --------------------------------------------------------------------------- /search

def test_search_karl_laux_answers_the_street_first(client):
    body = _search(client, "Karl-Laux")
    first = body["results"][0]
    assert (first["kind"], first["name"]) == ("street", "Karl-Laux-Straße")
    # the line is not in the OSM extract: a street without a made-up position, framed by its addresses
    assert first["geometry"] is None and first["line"] is False and "point" not in first
    minx, miny, maxx, maxy = first["bbox"]
    # framed by the OSM stops of that name only (the address geocodes have no licence)
    assert 13.768 < minx <= maxx < 13.770 and 51.013 < miny <= maxy < 51.015
    kinds = {r["kind"] for r in body["results"]}
    # Karl-Laux-Straße 5 is withheld: its street is not in the OSM extract to re-base it on
    assert {"street", "stop"} <= kinds and "address" not in kinds
    assert "OpenStreetMap" in body["attribution"]


def test_search_street_with_line_is_a_line(client):
    hit = _search(client, "Mügelner Straße", kind="street")["results"][0]
    assert hit["name"] == "Mügelner Straße" and hit["geometry"]["type"] == "MultiLineString"
    assert hit["line"] is True and "point" not in hit and "ODbL" in hit["licence"]


def test_search_address_prohliser_allee_33(client):
    results = _search(client, "Prohliser Allee 33")["results"]
    assert results[0]["kind"] == "address" and results[0]["name"].startswith("Prohliser Allee 33")
    lon, lat = results[0]["point"]
    # re-based on OSM: the vertex of the Prohliser Allee line nearest the unlicensed geocode
    assert lon == pytest.approx(13.7981268) and lat == pytest.approx(51.0046587)
    assert all("33" in (r["name"] + r.get("address", "")) or r["kind"] == "project" for r in results)
    # a house number matches whole: 3 does not find 33
    assert not any(r["name"].startswith("Prohliser Allee 33") for r in _search(client, "Prohliser Allee 3")["results"])


@pytest.mark.parametrize("q", ["strasse", "STRASSE", "Straße", "stra\u00dfe"])
def test_search_strasse_finds_streets(client, q):
    results = _search(client, q, kind="street", limit=50)["results"]
    assert len(results) >= 10 and all(r["kind"] == "street" for r in results)
    assert all("straße" in r["name"].lower() for r in results)


@pytest.mark.parametrize("typed, found", [
    ("prohliser alee", "Prohliser Allee"), ("Prohlisser Allee", "Prohliser Allee"),
    ("Jakob-Winter-Platz", "Jacob-Winter-Platz"), ("Karl-Laux-Strase", "Karl-Laux-Straße"),
])
def test_search_forgives_typos(client, typed, found):
    assert _search(client, typed)["results"][0]["name"] == found


def test_search_without_a_close_word_finds_nothing(client):
    assert _search(client, "Zzyzxstraße")["results"] == []


def test_a_square_is_a_point_before_its_stop(client):
    results = _search(client, "Jacob-Winter-Platz")["results"]
    assert [r["kind"] for r in results[:2]] == ["place", "stop"]
    square = results[0]
    assert square["geometry"]["type"] == "Point" and square["point"] == square["geometry"]["coordinates"]
    west, south, east, north = square["bbox"]  # the middle of its mapped ways
    assert west <= square["point"][0] <= east and south <= square["point"][1] <= north


@pytest.mark.parametrize("q", ["Schwimmhalle", "swimming pool", "Hallenbad"])
def test_search_finds_the_pool_in_german_and_english(client, q):
    names = [r["name"] for r in _search(client, q)["results"]]
    assert any(n.startswith("Kombibad Prohlis") for n in names), names


@pytest.mark.parametrize("q", ["Schule", "school"])
def test_search_finds_schools_in_german_and_english(client, q):
    names = [r["name"] for r in _search(client, q)["results"]]
    assert any("Grundschule" in n for n in names), names


def test_search_finds_projects_from_the_dataset(client, app):
    data = app.extensions["geoservice"].dataset
    title = data.projects.sort_values("title")["title"].iloc[0]
    hits = _search(client, title.lower(), kind="project")["results"]
    assert hits and hits[0]["name"] == title and hits[0]["url"].startswith("/collections/projects/items/")


def test_search_index_is_built_once_per_snapshot(client, app):
    _search(client, "Prohlis")
    data = app.extensions["geoservice"].dataset
    keys = [k for k in data._memo if isinstance(k, tuple) and k[:2] == ("places", "index")]
    assert len(keys) == 1
    index = data._memo[keys[0]]
    _search(client, "Reick")
    assert data._memo[keys[0]] is index


@pytest.mark.parametrize("query, name", [
    ("", "q"), ("q=", "q"), ("q=%20%20", "q"), ("q=--", "q"), ("q=a&limit=0", "limit"),
    ("q=a&limit=51", "limit"), ("q=a&limit=ten", "limit"), ("q=a&kind=road", "road"),
    ("q=a&utm_source=x", "utm_source"), ("q=a&q=b", "q"), ("q=" + "x" * 101, "q"),
])
def test_search_rejects_bad_parameters_naming_them(client, query, name):
    response = client.get(f"/search?{query}")
    assert response.status_code == 400
    assert name in response.get_json()["description"]


# --------------------------------------------------------------------------- /inside

@pytest.mark.parametrize("day, inside, area, relation, distance", [
    ("2003-06-01", False, "prohlis-am-koitschgraben", "predecessor", 170),
    ("2010-06-01", True, "prohlis-am-koitschgraben", "predecessor", 110),
    ("2018-06-01", True, "am-koitschgraben", "same", 110),
])
def test_inside_karl_laux_over_time(client, day, inside, area, relation, distance):
    response = client.get("/inside", query_string={**KARL_LAUX_5, "datetime": day, "area": "am-koitschgraben"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["inside"] is inside
    first = body["answers"][0]
    assert first["area_id"] == area and first["relation"] == relation and first["inside"] is inside
    # honest for a reconstructed line: tens of metres, never decimetres
    assert first["distance_m"] == distance and first["distance_precision_m"] == 10
    assert isinstance(first["distance_m"], int) and first["distance_m"] % 10 == 0
    assert first["links"][0]["href"].endswith(f"/collections/funding-areas/items/{first['version_id']}?f=html")
    assert first["decision"]
    if inside:
        assert body["inside_from"] == "2004-07-01" and body["inside_to"] is None
        assert "seit 01.07.2004" in body["text"][-1]
    else:
        assert "ab 01.07.2004" in body["text"][-1]
    assert "etwa" in body["text"][0] and f"{distance} m" in body["text"][0]


def test_inside_in_english_and_spans(client):
    body = client.get("/inside", query_string={**KARL_LAUX_5, "datetime": "2010-06-01", "lang": "en"}).get_json()
    assert body["text"][0].startswith("On 1 Jun 2010 the site was inside Prohlis / Am Koitschgraben")
    assert "about 110 m" in body["text"][0]
    assert body["spans"] == [{"from": "2004-07-01", "to": None, "versions": [
        "prohlis-am-koitschgraben-2004", "am-koitschgraben-2016", "am-koitschgraben-2020"]}]


def test_inside_near_the_boundary_says_so():
    assert places.honest_distance(9.7, "reconstructed") == {
        "distance_m": 10, "distance_precision_m": 10, "near_boundary": True}
    assert places.honest_distance(114.94, "reconstructed")["distance_m"] == 110
    assert places.honest_distance(114.94, "official")["distance_m"] == 115


@pytest.mark.parametrize("query, name", [
    ("lat=51", "lon"), ("lon=13.7&lat=x", "lat"), ("lon=13,77&lat=51.01", "lon"), ("lon=200&lat=51", "lon"),
    ("lon=13.7&lat=51&datetime=2010", "datetime"), ("lon=13.7&lat=51&datetime=yesterday", "yesterday"),
    ("lon=13.7&lat=51&fbclid=1", "fbclid"),
])
def test_inside_json_is_strict(client, query, name):
    response = client.get(f"/inside?{query}")
    assert response.status_code == 400
    assert name in response.get_json()["description"]


def test_inside_unknown_area_is_404(client):
    response = client.get("/inside", query_string={**KARL_LAUX_5, "area": "nowhere"})
    assert response.status_code == 404 and "nowhere" in response.get_json()["description"]


def test_inside_html_understands_decimal_comma(client):
    response = client.get("/inside?f=html&lon=13,771283&lat=51,013521&datetime=2010-06-01&utm_source=x",
                          headers=HTML)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "innerhalb von Prohlis / Am Koitschgraben" in text and "etwa 110 m" in text


@pytest.mark.parametrize("lang, message", [
    ("de", "Bitte die Länge als Zahl angeben"), ("en", "Please give the longitude as a number"),
])
def test_inside_html_errors_next_to_the_field(client, lang, message):
    response = client.get(f"/inside?f=html&lon=abc&lat=51,01&lang={lang}", headers=HTML)
    assert response.status_code == 400 and response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert message in text and 'id="inside-lon-error"' in text and 'aria-invalid="true"' in text
    assert 'value="abc"' in text  # what was typed stays


# --------------------------------------------------------------------------- lenient pages

@pytest.mark.parametrize("path", ["/", "/areas/am-koitschgraben", "/compare?from=2003&to=2021",
                                  "/areas", "/collections", "/locate"])
@pytest.mark.parametrize("tracking", ["utm_source=x&utm_medium=mail", "fbclid=abc", "gclid=1"])
def test_pages_ignore_tracking_parameters(client, path, tracking):
    sep = "&" if "?" in path else "?"
    response = client.get(f"{path}{sep}{tracking}", headers=HTML)
    assert response.status_code == 200, response.get_data(as_text=True)[-300:]


def test_page_language_links_drop_tracking_parameters(client):
    text = client.get("/?utm_source=x", headers=HTML).get_data(as_text=True)
    assert "utm_source" not in text


@pytest.mark.parametrize("path", ["/?utm_source=x", "/areas/am-koitschgraben?fbclid=1", "/collections?gclid=1"])
def test_json_api_stays_strict(client, path):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 400


def test_pages_still_validate_known_parameters(client):
    assert client.get("/compare?from=abc&utm_source=x", headers=HTML).status_code == 400
    assert client.get("/?lang=xx", headers=HTML).status_code == 400


def test_map_pages_have_one_labelled_search_field(client, app):
    data = app.extensions["geoservice"].dataset
    for path in ("/", "/areas/am-koitschgraben", "/compare", f"/collections/projects/items/{data.projects.index[0]}"):
        text = client.get(path, headers=HTML).get_data(as_text=True)
        assert text.count('type="search" id="place-q"') == 1, path
        assert '<label for="place-q">' in text and 'data-search="/search"' in text, path


# --------------------------------------------------------------------------- OpenAPI

def test_openapi_path_items_validate_and_describe_responses(client):
    spec = client.get("/openapi").get_json()
    spec["paths"].update(places_paths())
    validate(spec)
    schema = places_paths()["/search"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    OAS30Validator(schema).validate(_search(client, "Karl-Laux"))
    schema = places_paths()["/inside"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    OAS30Validator(schema).validate(client.get("/inside", query_string=KARL_LAUX_5).get_json())


@pytest.mark.parametrize("query", ["lon=-79.84428098123448&lat=1e-09", "lon=10&lat=51",
                                   "lon=13.8&lat=20", "lon=179&lat=89"])
def test_a_site_outside_the_metric_crs_region_is_a_400_naming_it(client, query):
    """Far from EPSG:25833's area of use the projection gives infinity (it was a 500)."""
    response = client.get(f"/inside?{query}&f=json")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "EPSG:25833" in response.get_json()["description"]


@pytest.mark.parametrize("query", ["lon=-79.84&lat=1e-09", "lon=179&lat=89", "x=-170&y=10&crs=CRS84",
                                   "x=10&y=-10&crs=EPSG:4326"])
def test_locate_refuses_a_site_where_distances_are_undefined(client, query):
    response = client.get(f"/locate?{query}&f=json")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "EPSG:25833" in response.get_json()["description"]
