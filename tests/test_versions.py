"""Versioned funding areas (OGC Versioned Features draft / Memento) and every feature's record history.

Each test with `client`, `app` or `make_app` runs on SQLite and on PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from geoservice.domain import crs
from geoservice.domain import history as diffs
from geoservice.domain.schema import FUNDING_AREAS
from geoservice.domain.schema import validate as validate_collection

pytestmark = pytest.mark.both_stores  # the store matters here (tests/conftest.py)

ITEMS = "/collections/funding-areas/items"
CORE = "http://www.opengis.net/spec/ogcapi-features-n/0.0/conf/versioned-features-core"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RECORDED = re.compile(r"[?&]recorded=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z(&|$)")


def _rels(links: list[dict]) -> dict[str, str]:
    """{rel: href} of the first link of each rel (several alternates: HTML, JSON-FG)."""
    out = {}
    for link in links:
        out.setdefault(link["rel"], link["href"])
    return out


def _header_rels(response) -> dict[str, str]:
    """Parse an HTTP Link header into {rel: href}."""
    out = {}
    for href, rel in re.findall(r'<([^>]+)>;\s*rel="([^"]+)"', response.headers.get("Link", "")):
        for name in rel.split():
            out.setdefault(name, href)
    return out


def _without_links(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "links"}


# --- the area answer on the validity axis ------------------------------------------------------

@pytest.mark.parametrize("area, day, version", [
    ("prohlis-am-koitschgraben", "2003-06-01", "prohlis-am-koitschgraben-2000"),
    ("prohlis-am-koitschgraben", "2004-07-01", "prohlis-am-koitschgraben-2004"),  # first day
    ("prohlis-am-koitschgraben", "2016-09-28", "prohlis-am-koitschgraben-2004"),  # last day
    ("prohlis", "2018-06-01", "prohlis-2016"),
    ("prohlis", "2016-09-29", "prohlis-2016"),
    ("am-koitschgraben", "2021-01-01", "am-koitschgraben-2020"),
    ("prohlis", "2018-06-01T23:30:00+02:00", "prohlis-2016"),  # a date-time picks its Dresden day
])
def test_area_answers_the_version_in_force_on_a_day(client, area, day, version):
    response = client.get(f"{ITEMS}/{area}", query_string={"datetime": day})
    assert response.status_code == 200, response.get_data(as_text=True)
    doc = response.get_json()
    assert doc["id"] == version and doc["properties"]["area_id"] == area


def test_area_without_datetime_answers_todays_version(client):
    response = client.get(f"{ITEMS}/prohlis")
    assert response.status_code == 200
    assert response.get_json()["id"] == "prohlis-2020"  # open-ended since 2020-10-01
    # first instant of 2020-10-01 in Dresden (CEST, UTC+2)
    assert response.headers["Memento-Datetime"] == "Wed, 30 Sep 2020 22:00:00 GMT"


def test_area_answer_is_the_version_feature_plus_links(client):
    by_area = client.get(f"{ITEMS}/prohlis?datetime=2018-06-01").get_json()
    by_version = client.get(f"{ITEMS}/prohlis-2016").get_json()
    assert _without_links(by_area) == _without_links(by_version)


def test_area_on_2018_links_predecessor_successor_latest_history_original(client):
    response = client.get(f"{ITEMS}/prohlis?datetime=2018-06-01")
    assert response.headers["Memento-Datetime"] == "Wed, 28 Sep 2016 22:00:00 GMT"
    links = _rels(response.get_json()["links"])
    assert "predecessor-version" not in links  # prohlis-2016 is the area's first version
    assert links["successor-version"].split("?")[0].endswith(f"{ITEMS}/prohlis-2020")
    assert links["latest-version"].split("?")[0].endswith(f"{ITEMS}/prohlis-2020")
    assert links["version-history"].split("?")[0].endswith(f"{ITEMS}/prohlis/versions")
    assert links["original"].split("?")[0].endswith(f"{ITEMS}/prohlis")
    assert "datetime=2018-06-01" in links["self"] and links["alternate"]
    header = _header_rels(response)
    for rel in ("successor-version", "latest-version", "version-history", "original", "self",
                "alternate"):
        assert header[rel] == links[rel], rel


def test_middle_version_has_predecessor_and_successor(client):
    response = client.get(f"{ITEMS}/prohlis-am-koitschgraben?datetime=2010-06-01")
    doc = response.get_json()
    assert doc["id"] == "prohlis-am-koitschgraben-2004"
    links = _rels(doc["links"])
    assert links["predecessor-version"].split("?")[0].endswith(f"{ITEMS}/prohlis-am-koitschgraben-2000")
    assert "successor-version" not in links  # the joint area ended with the 2016 split
    assert _header_rels(response)["predecessor-version"] == links["predecessor-version"]
    assert response.headers["Memento-Datetime"] == "Wed, 30 Jun 2004 22:00:00 GMT"


def test_version_ids_keep_working_and_get_version_links(client):
    response = client.get(f"{ITEMS}/prohlis-2020")
    assert response.status_code == 200 and response.get_json()["id"] == "prohlis-2020"
    assert response.headers["Memento-Datetime"] == "Wed, 30 Sep 2020 22:00:00 GMT"
    links = _rels(response.get_json()["links"])
    assert links["predecessor-version"].split("?")[0].endswith(f"{ITEMS}/prohlis-2016")
    assert links["latest-version"].split("?")[0].endswith(f"{ITEMS}/prohlis-2020")
    assert {"self", "alternate", "collection", "version-history", "original"} <= set(links)
    assert "version-history" in _header_rels(response)


def test_area_that_did_not_exist_then_is_410_naming_its_versions(client):
    response = client.get(f"{ITEMS}/am-koitschgraben?datetime=2010-01-01")
    assert response.status_code == 410
    body = response.get_json()
    assert body["code"] == "Gone"
    for text in ("am-koitschgraben-2016", "2016-09-29", "am-koitschgraben-2020", "2010-01-01"):
        assert text in body["description"]
    header = _header_rels(response)
    assert header["version-history"].split("?")[0].endswith(f"{ITEMS}/am-koitschgraben/versions")
    assert header["latest-version"].split("?")[0].endswith(f"{ITEMS}/am-koitschgraben-2020")


def test_area_that_ended_is_410_today(client):
    response = client.get(f"{ITEMS}/prohlis-am-koitschgraben")
    assert response.status_code == 410
    assert "prohlis-am-koitschgraben-2004" in response.get_json()["description"]


def test_410_is_html_for_browsers(client):
    response = client.get(f"{ITEMS}/am-koitschgraben?datetime=2010-01-01", headers={"Accept": BROWSER})
    assert response.status_code == 410 and response.mimetype == "text/html"
    assert "am-koitschgraben-2016" in response.get_data(as_text=True)


@pytest.mark.parametrize("path, status, named", [
    (f"{ITEMS}/nowhere", 404, "nowhere"),
    (f"{ITEMS}/nowhere?datetime=2018-06-01", 404, "nowhere"),
    (f"{ITEMS}/prohlis?datetime=2018", 400, "2018"),  # a year is an interval
    (f"{ITEMS}/prohlis?datetime=2017-01-01/2019-01-01", 400, "2017-01-01/2019-01-01"),
    (f"{ITEMS}/prohlis?datetime=yesterday", 400, "yesterday"),
    (f"{ITEMS}/prohlis-2016?datetime=2018-06-01", 400, "datetime"),  # a version has no datetime
])
def test_area_errors_name_the_value(client, path, status, named):
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)
    assert named in response.get_json()["description"]


def test_area_answer_caches_and_keeps_links_on_304(client):
    first = client.get(f"{ITEMS}/prohlis?datetime=2018-06-01")
    again = client.get(f"{ITEMS}/prohlis?datetime=2018-06-01",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and "version-history" in _header_rels(again)
    assert "max-age" in first.headers["Cache-Control"]


def test_area_answer_in_another_crs(client):
    response = client.get(f"{ITEMS}/prohlis?datetime=2018-06-01&crs=EPSG:25833")
    assert response.status_code == 200
    assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/25833>"
    x = response.get_json()["geometry"]["coordinates"][0][0][0][0]  # a MultiPolygon
    assert 400_000 < x < 420_000  # easting in metres, not degrees


def test_area_answer_as_html(client):
    response = client.get(f"{ITEMS}/prohlis?datetime=2018-06-01&f=html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "prohlis-2016" in html and 'rel="successor-version"' in html
    assert response.headers["Memento-Datetime"] == "Wed, 28 Sep 2016 22:00:00 GMT"
    english = client.get(f"{ITEMS}/prohlis?datetime=2018-06-01&f=html&lang=en").get_data(as_text=True)
    assert "Boundary versions of this area" in english


# --- the time map -------------------------------------------------------------------------------

def test_timemap_of_prohlis(client):
    response = client.get(f"{ITEMS}/prohlis/versions")
    assert response.status_code == 200 and response.mimetype == "application/json"
    doc = response.get_json()
    assert doc["area_id"] == "prohlis"
    versions = doc["versions"]
    assert [v["id"] for v in versions] == ["prohlis-2016", "prohlis-2020"]
    assert versions[0]["valid_from"] == "2016-09-29" and versions[0]["valid_to"] == "2020-10-01"
    assert versions[1]["valid_to"] is None
    assert versions[0]["programme"] == "Soziale Stadt"
    assert versions[1]["programme"] == "Sozialer Zusammenhalt"
    assert all(v["name"] and v["decision"] and v["links"] for v in versions)
    links = doc["links"]
    mementos = [link for link in links if "memento" in link["rel"].split()]
    assert [m["datetime"] for m in mementos] == ["Wed, 28 Sep 2016 22:00:00 GMT",
                                                 "Wed, 30 Sep 2020 22:00:00 GMT"]
    rels = _rels(links)
    assert rels["original"].split("?")[0].endswith(f"{ITEMS}/prohlis")
    assert rels["latest-version"].split("?")[0].endswith(f"{ITEMS}/prohlis-2020")


def test_timemap_in_link_format(client):
    by_f = client.get(f"{ITEMS}/prohlis/versions?f=linkformat")
    by_accept = client.get(f"{ITEMS}/prohlis/versions", headers={"Accept": "application/link-format"})
    for response in (by_f, by_accept):
        assert response.status_code == 200 and response.mimetype == "application/link-format"
    text = by_f.get_data(as_text=True)
    assert re.search(r'/items/prohlis>;rel="original"', text)
    assert re.search(r'/items/prohlis-2016>;rel="first memento";datetime="Wed, 28 Sep 2016 22:00:00 GMT"',
                     text)
    assert re.search(r'/items/prohlis-2020>;rel="last memento";datetime="Wed, 30 Sep 2020', text)


def test_timemap_as_html(client):
    response = client.get(f"{ITEMS}/prohlis/versions", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "prohlis-2016" in html and "prohlis-2020" in html and "2020-10-01" in html


@pytest.mark.parametrize("path, named", [
    (f"{ITEMS}/nowhere/versions", "nowhere"),
    (f"{ITEMS}/prohlis-2016/versions", "prohlis/versions"),  # a version id points to its area
    ("/collections/projects/items/bmx-anlage-prohlis/versions", "history"),
])
def test_timemap_404_names_the_way(client, path, named):
    response = client.get(path)
    assert response.status_code == 404 and named in response.get_json()["description"]


def test_timemap_rejects_other_formats(client):
    assert client.get(f"{ITEMS}/prohlis/versions?f=csv").status_code == 406


# --- conformance, collection metadata, OpenAPI --------------------------------------------------

def test_conformance_declares_versioned_features(client):
    assert CORE in client.get("/conformance").get_json()["conformsTo"]
    assert CORE in client.get("/conformance?f=html").get_data(as_text=True)


def test_collection_describes_the_versioning(client):
    doc = client.get("/collections/funding-areas").get_json()
    assert "versions" in doc["description"] and "datetime" in doc["description"]
    histories = [link["href"] for link in doc["links"] if link["rel"] == "version-history"]
    assert any(href.split("?")[0].endswith(f"{ITEMS}/prohlis/versions") for href in histories)
    assert len(histories) == 3  # one per area
    english = client.get("/collections/funding-areas?lang=en").get_json()["description"]
    assert "answers an area's boundary version in force today" in english


def test_openapi_documents_the_new_paths(client):
    spec = client.get("/openapi").get_json()
    validate(spec)
    item = spec["paths"][f"{ITEMS}/{{featureId}}"]["get"]
    assert "410" in item["responses"] and "Memento-Datetime" in item["responses"]["200"]["headers"]
    assert "datetime" in {p.get("name") for p in _resolved(spec, item["parameters"])}
    assert {"200", "404"} <= set(spec["paths"][f"{ITEMS}/{{featureId}}/versions"]["get"]["responses"])
    for collection in ("funding-areas", "projects"):
        assert "404" in spec["paths"][f"/collections/{collection}/items/{{featureId}}/history"][
            "get"]["responses"]


def _resolved(spec: dict, parameters: list[dict]) -> list[dict]:
    out = []
    for item in parameters:
        if "$ref" in item:
            item = spec["components"]["parameters"][item["$ref"].rsplit("/", 1)[1]]
        out.append(item)
    return out


@pytest.mark.parametrize("path, schema", [
    (f"{ITEMS}/prohlis?datetime=2018-06-01", "featureGeoJSON"),
    (f"{ITEMS}/prohlis/versions", "timeMap"),
    ("/collections/projects/items/bmx-anlage-prohlis/history", "featureHistory"),
    (f"{ITEMS}/prohlis-2016/history", "featureHistory"),
    (f"{ITEMS}/am-koitschgraben?datetime=2010-01-01", "exception"),
])
def test_answers_conform_to_openapi(client, path, schema):
    spec = client.get("/openapi").get_json()
    validator = OAS30Validator({"$ref": f"#/components/schemas/{schema}",
                                "components": spec["components"]})
    validator.validate(client.get(path).get_json())


# --- version ids never equal area ids -----------------------------------------------------------

def test_a_version_id_equal_to_an_area_id_is_a_problem():
    root = Path(__file__).resolve().parents[1]
    gdf = gpd.read_file(root / "geodata" / FUNDING_AREAS.filename)
    assert validate_collection(gdf, FUNDING_AREAS) == []
    gdf.loc[gdf["id"] == "prohlis-2020", "id"] = "prohlis"
    problems = validate_collection(gdf, FUNDING_AREAS)
    assert any("'prohlis'" in p and "area_id" in p for p in problems), problems


# --- record history: pure diffs -----------------------------------------------------------------

def _square(x: float, y: float, size: float = 100.0):
    return crs.metric_to_lonlat(shapely.box(x, y, x + size, y + size))


def test_diff_of_a_moved_point_is_the_distance_in_metres():
    old = crs.metric_to_lonlat(shapely.Point(411_000, 5_651_000))
    new = crs.metric_to_lonlat(shapely.Point(411_030, 5_651_040))
    change = diffs.diff_geometry(old, new)
    assert change.kind == "point" and change.moved_m == pytest.approx(50, abs=0.2)
    assert diffs.diff_geometry(old, old) is None


def test_diff_of_a_shifted_polygon_is_symmetric_difference_and_hausdorff():
    change = diffs.diff_geometry(_square(411_000, 5_651_000), _square(411_010, 5_651_000))
    assert change.kind == "polygon"
    assert change.symmetric_difference_ha == pytest.approx(0.2, abs=0.01)  # 2 x 10 m x 100 m
    assert change.moved_m == pytest.approx(10, abs=0.2)
    assert change.area_before_ha == pytest.approx(1.0, abs=0.01)
    assert change.area_after_ha == pytest.approx(1.0, abs=0.01)


def test_diff_history_names_created_changed_retired_restored():
    a = diffs.RecordState({"status": "laufend", "end_year": None}, None)
    b = diffs.RecordState({"status": "abgeschlossen", "end_year": 2024}, None)
    retired = diffs.RecordState(b.properties, None, retired=True)
    found = diffs.diff_history([a, b, retired, b])
    assert [d.status for d in found] == ["created", "changed", "retired", "restored"]
    assert [(f.name, f.before, f.after) for f in found[1].fields] == [
        ("status", "laufend", "abgeschlossen"), ("end_year", None, 2024)]
    assert diffs.diff_properties({"valid_from": "2016-09-29"}, {"valid_from": "2016-09-29"}) == []


# --- record history through the store ----------------------------------------------------------

PROJECT = "bmx-anlage-prohlis"


def _write(app, author_name: str, role: str, note: str, ops):
    from geoservice.storage.sql import Author

    holder = app.extensions["geoservice"]
    result = holder.store.write(Author(author_name, role), note, "update", ops)
    holder.maybe_reload(force=True)
    return result


def _moved(wkb: bytes, east: float, north: float) -> bytes:
    point = crs.lonlat_to_metric(shapely.from_wkb(wkb))
    moved = shapely.Point(point.x + east, point.y + north)
    return shapely.to_wkb(crs.metric_to_lonlat(moved))


def _public_texts(client, fid: str, collection: str = "projects") -> list[str]:
    base = f"/collections/{collection}/items/{fid}/history"
    return [client.get(f"{base}{query}").get_data(as_text=True)
            for query in ("", "?f=html", "?f=html&lang=en", "?lang=en")]


def test_history_lists_seed_and_change_with_fields_and_distance(make_app):
    from geoservice.storage.geojson import Feature
    from geoservice.storage.sql import Put

    app = make_app()
    client = app.test_client()
    seed = client.get(f"/collections/projects/items/{PROJECT}/history")
    assert seed.status_code == 200
    assert [r["change"] for r in seed.get_json()["records"]] == ["created"]
    assert seed.get_json()["records"][0]["kind"] == "seed"

    current = app.extensions["geoservice"].store.history("projects", PROJECT)[-1]
    props = dict(current.properties, status="laufend", status_note="wieder geöffnet 2026")
    _write(app, "anna", "Quartiersmanagement", "Status aktualisiert",
           [Put("projects", Feature(PROJECT, props, _moved(current.wkb, 30, 40)))])

    response = client.get(f"/collections/projects/items/{PROJECT}/history")
    assert response.status_code == 200
    assert response.headers["ETag"] != seed.headers["ETag"]
    records = response.get_json()["records"]
    assert [r["change"] for r in records] == ["created", "changed"]
    first, change = records
    assert first["recorded_to"] == change["recorded_from"]  # the seed record was closed by it
    assert change["recorded_to"] is None and change["change_id"] > first["change_id"]
    assert change["note"] == "Status aktualisiert" and change["author_role"] == "Quartiersmanagement"
    fields = {c["field"]: (c["before"], c["after"]) for c in change["changes"]}
    assert fields["status"] == ("abgeschlossen", "laufend")
    assert fields["status_note"][1] == "wieder geöffnet 2026"
    assert change["geometry"]["moved_m"] == pytest.approx(50, abs=1)
    moved = re.search(r"Lage um (\d+(?:,\d)?) m verschoben", change["summary"])  # German comma
    assert moved and float(moved.group(1).replace(",", ".")) == pytest.approx(50, abs=1)
    for record in records:
        assert record["recorded_from"].endswith("Z")
        assert all(RECORDED.search(link["href"]) for link in record["links"])
        assert any(f"/collections/projects/items/{PROJECT}?recorded=" in link["href"]
                   for link in record["links"])

    # the seed's link shows the feature as it was recorded then
    then = next(link["href"] for link in first["links"] if link["type"] == "application/geo+json")
    assert client.get(then).get_json()["properties"]["status"] == "abgeschlossen"
    assert client.get(f"/collections/projects/items/{PROJECT}").get_json()["properties"]["status"] \
        == "laufend"

    texts = _public_texts(client, PROJECT)
    assert all("anna" not in text for text in texts)
    assert all("Quartiersmanagement" in text for text in texts)
    assert "Status aktualisiert" in texts[1] and "moved by" in texts[2]


def test_history_is_cacheable(make_app):
    app = make_app()
    client = app.test_client()
    path = f"/collections/projects/items/{PROJECT}/history"
    first = client.get(path)
    assert "max-age" in first.headers["Cache-Control"]
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_retired_feature_keeps_its_history(make_app):
    from geoservice.storage.sql import Retire

    app = make_app()
    client = app.test_client()
    _write(app, "anna", "Quartiersmanagement", "Projekt aus dem Register genommen",
           [Retire("projects", PROJECT)])
    assert client.get(f"/collections/projects/items/{PROJECT}").status_code == 404
    response = client.get(f"/collections/projects/items/{PROJECT}/history")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["published"] is False
    assert [r["change"] for r in doc["records"]] == ["created", "retired"]
    assert doc["records"][-1]["retired"] is True and doc["records"][-1]["links"] == []
    assert all("anna" not in text for text in _public_texts(client, PROJECT))
    html = client.get(f"/collections/projects/items/{PROJECT}/history?f=html&lang=de").get_data(
        as_text=True)
    assert "stillgelegt" in html and "Projekt aus dem Register genommen" in html
    # its page: a 404 in the reader's language that says the project was retired
    for lang, heading, sentence in (("de", "Nicht gefunden", "„BMX-Anlage Prohlis“ wird nicht mehr veröffentlicht."),
                                    ("en", "Not found", "\u201cBMX-Anlage Prohlis\u201d is no longer published.")):
        page = client.get(f"/collections/projects/items/{PROJECT}?lang={lang}", headers={"Accept": "text/html"})
        body = page.get_data(as_text=True)
        assert page.status_code == 404 and f"<h1>{heading}</h1>" in body and sentence in body, body[-2000:]


def test_history_of_a_reshaped_boundary(make_app):
    from geoservice.storage.geojson import Feature
    from geoservice.storage.sql import Put

    app = make_app()
    client = app.test_client()
    current = app.extensions["geoservice"].store.history("funding-areas", "prohlis-2020")[-1]
    shifted = crs.metric_to_lonlat(shapely.affinity.translate(
        crs.lonlat_to_metric(shapely.from_wkb(current.wkb)), xoff=5))
    _write(app, "bert", "Stadtplanungsamt", "Grenze nachgemessen",
           [Put("funding-areas", Feature("prohlis-2020", current.properties, shapely.to_wkb(shifted)))])
    records = client.get(f"{ITEMS}/prohlis-2020/history").get_json()["records"]
    assert [r["change"] for r in records] == ["created", "changed"]
    geometry = records[-1]["geometry"]
    assert geometry["type"] == "polygon" and geometry["hausdorff_m"] == pytest.approx(5, abs=0.5)
    assert geometry["symmetric_difference_ha"] > 0
    assert geometry["area_ha_before"] == pytest.approx(geometry["area_ha_after"], abs=0.02)
    assert records[0]["area_ha"] == pytest.approx(geometry["area_ha_before"], abs=0.01)
    assert "bert" not in json.dumps(records)


@pytest.mark.parametrize("path, named", [
    ("/collections/projects/items/does-not-exist/history", "does-not-exist"),
    (f"{ITEMS}/prohlis/history", "prohlis/versions"),  # an area id points to its time map
    ("/collections/roads/items/x/history", "roads"),
])
def test_history_404_names_the_id(client, path, named):
    response = client.get(path)
    assert response.status_code == 404 and named in response.get_json()["description"]
