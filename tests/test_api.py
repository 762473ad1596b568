"""OGC API - Features through the Flask test client, on the bundled geodata/."""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import pyogrio
import pytest
from pyproj import Transformer

JSON_RESOURCES = [
    "/", "/conformance", "/collections", "/openapi", "/collections/funding-areas",
    "/collections/projects", "/collections/funding-areas/items", "/collections/projects/items",
    "/collections/funding-areas/queryables", "/collections/projects/queryables",
    "/collections/funding-areas/items/prohlis-2016",
    "/collections/projects/items/masterplan-prohlis-2030", "/areas", "/areas/prohlis",
    "/changes?from=2010&to=2021", "/areas/prohlis/changes?from=2017&to=2021",
    "/locate?lon=13.8&lat=51.0", "/timeline",
]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _items(client, collection="funding-areas", **query):
    response = client.get(f"/collections/{collection}/items", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _ids(doc):
    return [feature["id"] for feature in doc["features"]]


def _a_project(client):
    return _items(client, "projects", limit=1, sortby="id")["features"][0]


@pytest.mark.parametrize("path", JSON_RESOURCES)
def test_every_resource_is_json_without_accept(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "json" in response.mimetype
    assert response.get_json() is not None


@pytest.mark.parametrize("path", JSON_RESOURCES + ["/locate"])
def test_every_resource_is_html_for_browsers_and_links_to_json(client, path):
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "f=json" in html or "f%3Djson" in html or "application/json" in html


@pytest.mark.parametrize("path", ["/", "/collections", "/collections/projects/items"])
def test_json_links_back_to_html(client, path):
    links = client.get(path).get_json()["links"]
    assert any(link["type"] == "text/html" and link["rel"] == "alternate" for link in links)


@pytest.mark.parametrize("accept, expected", [
    (None, "application/json"), ("*/*", "application/json"), ("application/json", "application/json"),
    (BROWSER, "text/html"), ("text/html", "text/html"),
])
def test_landing_negotiation(client, accept, expected):
    headers = {"Accept": accept} if accept else {}
    assert client.get("/collections", headers=headers).mimetype == expected


@pytest.mark.parametrize("f, expected", [("json", "application/json"), ("html", "text/html")])
def test_f_overrides_accept(client, f, expected):
    accept = "application/json" if f == "html" else BROWSER
    assert client.get(f"/conformance?f={f}", headers={"Accept": accept}).mimetype == expected


def test_landing_links_service_desc_and_doc(client):
    links = {link["rel"]: link for link in client.get("/").get_json()["links"]}
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert links["service-doc"]["type"] == "text/html"
    for rel in ("conformance", "data", "self", "alternate"):
        assert rel in links
    openapi = client.get(links["service-desc"]["href"])
    assert openapi.headers["Content-Type"].startswith("application/vnd.oai.openapi+json")


def test_conformance_declares_what_is_implemented(client):
    classes = set(client.get("/conformance").get_json()["conformsTo"])
    prefix = "http://www.opengis.net/spec/ogcapi-features-"
    for name in ("1/1.0/conf/core", "1/1.0/conf/geojson", "1/1.0/conf/html", "1/1.0/conf/oas30",
                 "2/1.0/conf/crs", "3/1.0/conf/queryables"):
        assert prefix + name in classes
    # Part 3 filtering and CQL2: exactly the classes tests/test_cql2.py checks one by one
    from geoservice.api.cql_api import CONFORMANCE as FILTERING
    assert {uri for uri in classes if "filter" in uri or "cql" in uri} == set(FILTERING)


def test_collection_advertises_crs(client):
    doc = client.get("/collections/funding-areas").get_json()
    assert doc["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert "http://www.opengis.net/def/crs/EPSG/0/25833" in doc["crs"]
    assert len(doc["crs"]) >= 4
    assert doc["extent"]["spatial"]["bbox"][0][0] == pytest.approx(13.8, abs=0.1)


@pytest.mark.parametrize("when, expected", [
    ("2003", {"prohlis-am-koitschgraben"}),
    ("2018", {"prohlis", "am-koitschgraben"}),
    ("2021", {"prohlis", "am-koitschgraben"}),
    ("2018-06-01T12:00:00Z", {"prohlis", "am-koitschgraben"}),
    ("../2001-01-01", {"prohlis-am-koitschgraben"}),
])
def test_datetime_selects_the_versions_in_force(client, when, expected):
    doc = _items(client, datetime=when, skipGeometry="true")
    assert {f["properties"]["area_id"] for f in doc["features"]} == expected
    assert doc["numberMatched"] == len(expected)


@pytest.mark.parametrize("when, programme", [("2018", "Soziale Stadt"), ("2021", "Sozialer Zusammenhalt")])
def test_programme_by_year(client, when, programme):
    doc = _items(client, datetime=when)
    assert {f["properties"]["programme"] for f in doc["features"]} == {programme}


def test_interval_returns_every_version(client):
    everything = _items(client)["numberMatched"]
    assert _items(client, datetime="2000-01-01/2025-12-31")["numberMatched"] == everything
    assert _items(client, datetime="../..")["numberMatched"] == everything


def test_projects_by_year_overlap(client):
    doc = _items(client, "projects", datetime="2005", limit=1000, skipGeometry="true")
    for feature in doc["features"]:
        start, end = feature["properties"]["start_year"], feature["properties"]["end_year"]
        assert (start is None or start <= 2005) and (end is None or end >= 2005)


def _first_coordinate(geometry):
    coords = geometry["coordinates"]
    while isinstance(coords[0], list):
        coords = coords[0]
    return coords


@pytest.mark.parametrize("crs, code", [
    ("EPSG:4326", "http://www.opengis.net/def/crs/EPSG/0/4326"),
    ("http://www.opengis.net/def/crs/EPSG/0/25833", "http://www.opengis.net/def/crs/EPSG/0/25833"),
    ("EPSG:3857", "http://www.opengis.net/def/crs/EPSG/0/3857"),
    ("[OGC:CRS84]", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"),
])
def test_crs_transforms_a_known_coordinate(client, crs, code):
    fid = "prohlis-2016"
    lon, lat = _first_coordinate(client.get(f"/collections/funding-areas/items/{fid}").get_json()["geometry"])
    response = client.get(f"/collections/funding-areas/items/{fid}", query_string={"crs": crs})
    assert response.headers["Content-Crs"] == f"<{code}>"
    got = _first_coordinate(response.get_json()["geometry"])
    if code.endswith("4326"):
        assert got == pytest.approx([lat, lon], abs=1e-6)  # EPSG:4326 is latitude first
    elif code.endswith("CRS84"):
        assert got == pytest.approx([lon, lat])
    else:
        expected = Transformer.from_crs("OGC:CRS84", code.replace(
            "http://www.opengis.net/def/crs/EPSG/0/", "EPSG:"), always_xy=True).transform(lon, lat)
        assert got == pytest.approx(list(expected), abs=0.01)


def test_utm_coordinates_are_in_dresden(client):
    doc = _items(client, crs="EPSG:25833", datetime="2021")
    x, y = _first_coordinate(doc["features"][0]["geometry"])
    assert 405_000 < x < 425_000 and 5_645_000 < y < 5_665_000


@pytest.mark.parametrize("bbox, bbox_crs", [
    ("13.79,50.99,13.83,51.01", None),
    ("50.99,13.79,51.01,13.83", "EPSG:4326"),
    ("13.79,50.99,0,13.83,51.01,100", None),
])
def test_bbox_in_several_crs_gives_the_same_projects(client, bbox, bbox_crs):
    base = _items(client, "projects", bbox="13.79,50.99,13.83,51.01", limit=1000)
    query = {"bbox": bbox, "limit": 1000, **({"bbox-crs": bbox_crs} if bbox_crs else {})}
    assert _ids(_items(client, "projects", **query)) == _ids(base)
    assert 0 < base["numberMatched"] < _items(client, "projects")["numberMatched"] + 1


def test_bbox_in_utm(client):
    t = Transformer.from_crs("OGC:CRS84", "EPSG:25833", always_xy=True)
    x0, y0 = t.transform(13.79, 50.99)
    x1, y1 = t.transform(13.83, 51.01)
    utm = _items(client, "projects", bbox=f"{x0},{y0},{x1},{y1}", limit=1000, **{"bbox-crs": "EPSG:25833"})
    wide = _items(client, "projects", bbox="13.78,50.98,13.84,51.02", limit=1000)
    narrow = _items(client, "projects", bbox="13.795,50.995,13.825,51.005", limit=1000)
    assert set(_ids(narrow)) <= set(_ids(utm)) <= set(_ids(wide))


def test_empty_bbox(client):
    doc = _items(client, bbox="13.0,50.0,13.1,50.1")
    assert doc["features"] == [] and doc["numberMatched"] == 0 and doc["numberReturned"] == 0


def test_paging_links_walk_all_projects(client):
    total = _items(client, "projects")["numberMatched"]
    url, seen = "/collections/projects/items?limit=7", []
    while url:
        doc = client.get(url).get_json()
        assert doc["numberReturned"] == len(doc["features"]) <= 7
        seen += _ids(doc)
        nxt = [link["href"] for link in doc["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://localhost", "") if nxt else None
    assert len(seen) == len(set(seen)) == total


def test_prev_link_and_clamped_limit(client, app):
    doc = _items(client, "projects", limit=5, offset=5)
    rels = {link["rel"]: link["href"] for link in doc["links"]}
    assert "offset=0" in rels["prev"] and "offset=10" in rels["next"] and "collection" in rels
    big = _items(client, "projects", limit=10**9)
    assert big["numberReturned"] == min(big["numberMatched"], app.config["MAX_LIMIT"])


def test_properties_and_skip_geometry(client):
    doc = _items(client, "projects", properties="title,status", skipGeometry="true", limit=3)
    for feature in doc["features"]:
        assert feature["geometry"] is None
        assert set(feature["properties"]) == {"title", "status"}


@pytest.mark.parametrize("sortby, key, reverse", [
    ("title", "title", False), ("-title", "title", True), ("+id", "id", False), ("-id", "id", True),
])
def test_sortby(client, sortby, key, reverse):
    values = [f["properties"][key] for f in _items(client, "projects", sortby=sortby, limit=1000)["features"]]
    assert values == sorted(values, reverse=reverse)


def test_sortby_two_keys_with_nulls_last(client):
    features = _items(client, "projects", sortby="-start_year,title", limit=1000)["features"]
    years = [f["properties"]["start_year"] for f in features]
    known = [y for y in years if y is not None]
    assert known == sorted(known, reverse=True)
    assert years[: len(known)] == known


@pytest.mark.parametrize("collection, name", [
    ("projects", "status"), ("projects", "category"), ("projects", "area_id"),
    ("funding-areas", "programme"), ("funding-areas", "area_id"),
])
def test_equality_filters(client, collection, name):
    everything = _items(client, collection, limit=1000)["features"]
    value = next(f["properties"][name] for f in everything if f["properties"][name])
    doc = _items(client, collection, limit=1000, **{name: value})
    assert doc["numberMatched"] == sum(f["properties"][name] == value for f in everything) > 0
    assert all(f["properties"][name] == value for f in doc["features"])


def test_geopackage_download_reads_back(client, tmp_path):
    response = client.get("/collections/funding-areas/items?f=gpkg&datetime=2018&crs=EPSG:25833")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    path = tmp_path / "areas.gpkg"
    path.write_bytes(response.data)
    gdf = pyogrio.read_dataframe(path)
    assert sorted(gdf["area_id"]) == ["am-koitschgraben", "prohlis"]
    assert gdf.crs.to_epsg() == 25833
    assert gdf.geometry.iloc[0].bounds[0] > 400_000


def test_csv_download_has_wkt(client):
    response = client.get("/collections/projects/items", query_string={"f": "csv", "status": "laufend"})
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and all(row["status"] == "laufend" for row in rows)
    assert rows[0]["WKT"].split(" ")[0] in ("POINT", "MULTIPOINT", "LINESTRING", "POLYGON",
                                                 "MULTIPOLYGON", "MULTILINESTRING")


def test_single_item_links_and_404(client):
    fid = _a_project(client)["id"]
    doc = client.get(f"/collections/projects/items/{fid}").get_json()
    assert doc["id"] == fid and doc["type"] == "Feature"
    assert {link["rel"] for link in doc["links"]} >= {"self", "alternate", "collection"}
    response = client.get("/collections/projects/items/does-not-exist")
    assert response.status_code == 404 and "does-not-exist" in response.get_json()["description"]


def test_items_metadata(client):
    doc = _items(client, "projects", limit=2)
    assert doc["type"] == "FeatureCollection" and doc["numberReturned"] == 2
    assert doc["timeStamp"].endswith("Z")


# --- HTTP behaviour ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/collections/projects/items?limit=3", "/collections", "/areas/prohlis"])
def test_etag_and_304(client, path):
    first = client.get(path)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "max-age" in first.headers["Cache-Control"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    changed = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200


def test_etag_differs_by_query(client):
    a = client.get("/collections/projects/items?limit=3").headers["ETag"]
    b = client.get("/collections/projects/items?limit=4").headers["ETag"]
    assert a != b


def test_gzip_is_cached_and_decodes(client, app):
    path = "/collections/funding-areas/items"
    plain = client.get(path)
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert "Accept-Encoding" in zipped.headers["Vary"]
    again = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert again.data == zipped.data
    not_modified = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert not_modified.status_code == 304


def test_small_bodies_are_not_compressed(client):
    # a one-row CSV of ids: a compressible type, but under GZIP_MIN_BYTES
    response = client.get("/collections/projects/items?limit=1&skipGeometry=true&properties=id&f=csv",
                          headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and len(response.data) < 1024
    assert "Content-Encoding" not in response.headers


@pytest.mark.parametrize("path", ["/", "/collections/projects/items", "/areas", "/timeline"])
def test_cors_and_preflight(client, path):
    assert client.get(path).headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(path, headers={"Origin": "https://example.org",
                                              "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("path", ["/", "/collections/funding-areas/items", "/areas/prohlis", "/openapi"])
def test_head_matches_get(client, path):
    get, head = client.get(path), client.head(path)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_405(client, method):
    response = getattr(client, method)("/collections/projects/items")  # writes go to items/{id}
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]
    assert response.get_json()["code"]


@pytest.mark.parametrize("path", ["/collections/projects/items", "/collections/projects/items/x"])
def test_writes_without_an_account_are_401(client, path):
    method = client.post if path.endswith("items") else client.put
    response = method(path, json={"type": "Feature"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_base_url_from_config(make_app):
    app = make_app(BASE_URL="https://geo.example.org/prohlis")
    links = app.test_client().get("/").get_json()["links"]
    assert all(link["href"].startswith("https://geo.example.org/prohlis/") for link in links
               if link["rel"] != "license")  # licences live on their publishers' sites


def test_english_ui_strings(client):
    links = client.get("/?lang=en").get_json()["links"]
    assert any(link.get("title") == "This page as HTML" for link in links)
    html = client.get("/collections?f=html&lang=en").get_data(as_text=True)
    assert "Collections" in html


# --- bad requests: (path, status, text the message must name) --------------------------------------

ITEMS = "/collections/projects/items"
AREAS = "/collections/funding-areas/items"
BAD_REQUESTS = [
    (f"{ITEMS}?limit=0", 400, "0"),
    (f"{ITEMS}?limit=-5", 400, "-5"),
    (f"{ITEMS}?limit=ten", 400, "ten"),
    (f"{ITEMS}?offset=-1", 400, "-1"),
    (f"{ITEMS}?offset=1.5", 400, "1.5"),
    (f"{ITEMS}?bbox=1,2,3", 400, "1,2,3"),
    (f"{ITEMS}?bbox=a,b,c,d", 400, "a,b,c,d"),
    (f"{ITEMS}?bbox=14,51,13,52", 400, "14,51,13,52"),
    (f"{ITEMS}?bbox=1,2,3,nan", 400, "1,2,3,nan"),
    (f"{ITEMS}?bbox=13.7,50.9,13.9,51.1&bbox-crs=EPSG:31468", 400, "EPSG:31468"),
    (f"{ITEMS}?crs=EPSG:2056", 400, "EPSG:2056"),
    (f"{ITEMS}?crs=nonsense", 400, "nonsense"),
    (f"{ITEMS}?datetime=yesterday", 400, "yesterday"),
    (f"{ITEMS}?datetime=2020-13-01", 400, "2020-13-01"),
    (f"{ITEMS}?datetime=2021/2019", 400, "2021/2019"),
    (f"{ITEMS}?datetime=9999-12-31", 400, "9999-12-31"),
    (f"{ITEMS}?datetime=2019/2020/2021", 400, "2019/2020/2021"),
    (f"{ITEMS}?properties=title,colour", 400, "colour"),
    (f"{ITEMS}?skipGeometry=maybe", 400, "maybe"),
    (f"{ITEMS}?sortby=-colour", 400, "colour"),
    (f"{ITEMS}?sortby=geometry", 400, "geometry"),  # every property sorts, the geometry does not
    (f"{ITEMS}?colour=red", 400, "colour"),
    (f"{ITEMS}?limit=1&limit=2", 400, "limit"),
    (f"{ITEMS}?lang=fr", 400, "fr"),
    (f"{AREAS}?status=laufend", 400, "status"),
    (f"{ITEMS}?f=xml", 406, "xml"),
    ("/collections?f=gpkg", 406, "gpkg"),
    ("/collections/roads", 404, "roads"),
    ("/collections/roads/items", 404, "roads"),
    (f"{AREAS}/no-such-version", 404, "no-such-version"),
    ("/areas/atlantis", 404, "atlantis"),
    ("/areas/atlantis/changes?from=2010&to=2020", 404, "atlantis"),
    ("/no/such/page", 404, "NotFound"),
    ("/changes?from=2010", 400, "to"),
    ("/changes?from=2010-02-30&to=2020", 400, "2010-02-30"),
    ("/locate?lon=13.8", 400, "lat"),
    ("/locate?lon=east&lat=51", 400, "east"),
    ("/locate?lon=200&lat=51", 400, "200"),
    ("/locate?lon=13.8&lat=51&datetime=2018", 400, "2018"),
    ("/locate?x=1&y=2&crs=EPSG:9999", 400, "EPSG:9999"),
    ("/locate?lon=13.8&lat=51&x=1", 400, "x/y"),
    ("/locate", 400, "lon"),
    ("/timeline?when=now", 400, "when"),
    ("/conformance?x=1", 400, "x"),
]


@pytest.mark.parametrize("path, status, named", BAD_REQUESTS)
def test_bad_requests_name_the_bad_value(client, path, status, named):
    response = client.get(path)
    assert response.status_code == status
    body = response.get_json()
    assert body["code"]
    assert named in body["description"] or named in body["code"], body


def test_unsupported_accept_is_406(client):
    response = client.get(ITEMS, headers={"Accept": "image/png"})
    assert response.status_code == 406 and "image/png" in response.get_json()["description"]


def test_errors_are_html_for_browsers(client):
    response = client.get("/collections/roads", headers={"Accept": BROWSER})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "roads" in response.get_data(as_text=True)


def test_every_api_ui_string_has_an_english_translation():
    from geoservice.api.strings import EN

    root = Path(__file__).resolve().parents[1]
    files = [*root.glob("geoservice/api/*.py"), *root.glob("templates/api/*.html")]
    call = re.compile(r"""_\(\s*((?:"[^"]*"\s*)+|(?:'[^']*'\s*)+)""")
    missing = []
    for path in files:
        for match in call.finditer(path.read_text(encoding="utf-8")):
            msgid = "".join(a or b for a, b in re.findall(r"\"([^\"]*)\"|'([^']*)'", match.group(1)))
            if msgid not in EN:
                missing.append(f"{path.name}: {msgid}")
    assert not missing
