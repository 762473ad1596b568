"""The dialects real clients send (issue 21), through the Flask client: what GDAL's OAPIF driver
and QGIS 3.22 write (tests/test_ogc_clients.py and tests/test_qgis.py drive the clients)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

AREAS = "/collections/funding-areas/items"
PROJ = "/collections/projects/items"


def ids(client, path, **query) -> list[str]:
    response = client.get(path, query_string={"limit": 1000, **query})
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(f["id"] for f in response.get_json()["features"])


@pytest.mark.parametrize("qgis, standard", [
    ("2010-01-01/9999-12-31T00:00:00Z", "2010-01-01/.."),
    ("0000-01-01T00:00:00Z/2010-01-01", "../2010-01-01"),
    ("0000-01-01/9999-12-31", "../.."),
    ("2016-09-29T/..", "2016-09-29/.."),  # GDAL's date spelling
])
def test_qgis_placeholders_are_open_ends(client, qgis, standard):
    assert ids(client, AREAS, datetime=qgis) == ids(client, AREAS, datetime=standard)


@pytest.mark.parametrize("gdal, cql2", [
    ("valid_from < '2010-01-01T'", "valid_from < DATE('2010-01-01')"),
    ("valid_from >= '2016-09-29'", "valid_from >= DATE('2016-09-29')"),
    ("valid_from > '2016-09-29T10:00:00Z'", "valid_from > DATE('2016-09-29')"),
])
def test_cql_text_reads_gdal_date_strings(client, gdal, cql2):
    assert ids(client, AREAS, **{"filter": gdal, "filter-lang": "cql-text"}) == \
        ids(client, AREAS, filter=cql2)


@pytest.mark.parametrize("lang", ["cql-text", "cql2-text"])
def test_ilike_is_a_case_insensitive_like(client, lang):
    wanted = ids(client, PROJ, filter="CASEI(title) LIKE CASEI('%spiel%')")
    assert wanted
    assert ids(client, PROJ, **{"filter": "title ILIKE '%SPIEL%'", "filter-lang": lang}) == wanted
    assert ids(client, PROJ, **{"filter": "(\"title\" NOT ILIKE '%Spiel%')",
                                "filter-lang": lang}) == sorted(
        set(ids(client, PROJ)) - set(wanted))
    assert ids(client, PROJ, filter="title = 'x ILIKE y'") == []  # inside a string: text


def test_a_parameter_repeated_with_the_same_value_is_one(client):
    assert ids(client, PROJ, recorded=["2099-01-01T00:00:00Z", "2099-01-01T00:00:00Z"]) == \
        ids(client, PROJ)
    response = client.get(f"{PROJ}?limit=2&limit=3")
    assert response.status_code == 400 and "limit" in response.get_json()["description"]


def test_paging_links_keep_the_callers_spelling(client):
    query = "f=json&limit=10&recorded=2099-01-01T00:00:00Z&recorded=2099-01-01T00%3A00%3A00Z"
    links = {link["rel"]: link["href"] for link in client.get(f"{PROJ}?{query}").get_json()["links"]}
    assert links["next"].endswith("?f=json&limit=10&recorded=2099-01-01T00:00:00Z&offset=10")
    # the service's own spelling: sorted and canonical (one cache entry for every ordering)
    links = {link["rel"]: link["href"] for link in client.get(f"{PROJ}?offset=0&limit=10").get_json()["links"]}
    assert links["next"].endswith("?limit=10&offset=10&f=json")


@pytest.mark.parametrize("path", ["/", "/openapi", "/conformance", "/collections",
                                  "/collections/projects", "/collections/projects/queryables"])
def test_metadata_resources_ignore_item_parameters(client, path):
    response = client.get(f"{path}?f=json&datetime=2010&limit=5&status=laufend&recorded=2099-01-01")
    assert response.status_code == 200, response.get_data(as_text=True)


def test_items_link_takes_an_id_and_queryables_are_listed_for_gdal(client):
    doc = client.get("/collections/funding-areas?f=json").get_json()
    geojson = [link["href"] for link in doc["links"]
               if link["rel"] == "items" and link["type"] == "application/geo+json"]
    assert geojson == ["http://localhost/collections/funding-areas/items"]
    assert client.get(f"{geojson[0]}/prohlis-2016").status_code == 200
    queryables = [link["href"] for link in doc["links"] if link["rel"] == "queryables"]
    listed = client.get(queryables[0]).get_json()["queryables"]
    assert {"id": "valid_from", "type": "date"} in listed
    api = client.get("/openapi?f=json").get_json()
    parameters = api["components"]["parameters"]
    item_params = [parameters[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
                   for p in api["paths"]["/collections/funding-areas/items"]["get"]["parameters"]]
    lang = next(p for p in item_params if p["name"] == "filter-lang")
    assert "cql-text" in lang["schema"]["enum"]


def test_jsonfg_profile_negotiation(client):
    for accept in ("*/*", "text/plain, application/json", "application/geo+json"):
        response = client.get(f"{PROJ}?profile=jsonfg&limit=2", headers={"Accept": accept})
        assert response.status_code == 200 and response.mimetype == "application/geo+json"
        assert '<http://www.opengis.net/def/profile/OGC/0/jsonfg>; rel="profile"' in \
            response.headers["Link"]
        assert "http://www.opengis.net/spec/json-fg-1/1.0/conf/core" in response.get_json()["conformsTo"]
    plain = client.get(f"{PROJ}?profile=rfc7946&limit=2")
    assert plain.mimetype == "application/geo+json" and "conformsTo" not in plain.get_json()
    assert 'OGC/0/rfc7946>; rel="profile"' in plain.headers["Link"]
    old = client.get(f"{PROJ}?f=jsonfg&limit=2")
    assert old.mimetype == "application/vnd.ogc.fg+json" and 'rel="profile"' not in old.headers["Link"]
    item = client.get("/collections/funding-areas/items/prohlis-2016?profile=jsonfg-plus")
    assert item.mimetype == "application/geo+json" and item.get_json()["time"]
    assert item.headers["ETag"] != client.get("/collections/funding-areas/items/prohlis-2016?f=jsonfg").headers["ETag"]
    assert client.head(f"{PROJ}?profile=jsonfg").status_code == 200
    bad = client.get(f"{PROJ}?profile=geojson")
    assert bad.status_code == 400 and "geojson" in bad.get_json()["description"]
