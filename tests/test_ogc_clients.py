"""Real OGC clients against a real server on loopback: OWSLib and GDAL's OAPIF driver."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from owslib.ogcapi.features import Features

# pyogrio keeps the GIL while GDAL pages through a layer, so a server thread in this process could
# never answer it: GDAL runs in a child process. The script prints what it read as JSON.
GDAL_READ = """
import json, sys, pyogrio
url, layer, page = sys.argv[1:4]
df = pyogrio.read_dataframe(f"OAPIF:{url}", layer=layer, PAGE_SIZE=page)
print(json.dumps({"ids": sorted(df["id"]), "columns": list(df.columns),
                  "epsg": df.crs.to_epsg() if df.crs else None,
                  "bounds": [float(v) for v in df.total_bounds]}))
"""


@pytest.fixture(scope="module")
def owslib(live_server):
    return Features(live_server.url)


def test_owslib_landing_conformance_collections(owslib):
    assert any(link["rel"] == "service-desc" for link in owslib.links)
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in owslib.conformance()["conformsTo"]
    assert {c["id"] for c in owslib.collections()["collections"]} == {"funding-areas", "projects"}
    assert owslib.collection("projects")["storageCrs"].endswith("CRS84")


def test_owslib_items_with_bbox_datetime_limit(owslib):
    doc = owslib.collection_items("funding-areas", bbox=[13.70, 50.95, 13.90, 51.05], datetime_="2018",
                                  limit=1)
    assert doc["numberMatched"] == 2 and doc["numberReturned"] == 1
    assert doc["features"][0]["properties"]["programme"] == "Soziale Stadt"
    assert any(link["rel"] == "next" for link in doc["links"])


def test_owslib_single_item_and_queryables(owslib):
    assert owslib.collection_item("funding-areas", "prohlis-2016")["id"] == "prohlis-2016"
    assert "status" in owslib.collection_queryables("projects")["properties"]


@pytest.mark.parametrize("layer, page_size", [("funding-areas", 2), ("projects", 7)])
def test_gdal_oapif_reads_whole_collections_with_paging(live_server, client, layer, page_size):
    result = subprocess.run([sys.executable, "-c", GDAL_READ, live_server.url, layer, str(page_size)],
                            capture_output=True, text=True, timeout=120, check=True)
    read = json.loads(result.stdout.strip().splitlines()[-1])
    expected = client.get(f"/collections/{layer}/items?limit=10000&skipGeometry=true").get_json()
    assert expected["numberMatched"] > page_size  # paging was needed
    assert len(read["ids"]) == expected["numberMatched"]
    assert read["ids"] == sorted(f["id"] for f in expected["features"])
    assert {"id", "geometry"} <= set(read["columns"])
    west, south, east, north = read["bounds"]
    assert 13.7 < west < east < 13.9 and 50.9 < south < north < 51.1  # lon/lat, not swapped


# --- the dialects GDAL sends (issue 21): each `-where` against the equivalent API query ---------

# (layer, GDAL -where, the equivalent API query, what GDAL must send to the server: a fragment of
# the decoded items query, or None when GDAL filters itself)
WHERE_CASES = [
    ("funding-areas", "valid_from < '2010-01-01'",
     {"filter": "valid_from < DATE('2010-01-01')"}, "'2010-01-01T'"),
    ("funding-areas", "valid_from >= '2004-07-01' AND valid_from <= '2016-09-29'",
     {"filter": "valid_from BETWEEN DATE('2004-07-01') AND DATE('2016-09-29')"}, "'2016-09-29T'"),
    ("funding-areas", "valid_to IS NULL", {"filter": "valid_to IS NULL"}, "IS NULL"),
    ("projects", "title ILIKE '%SPIEL%'", {"filter": "CASEI(title) LIKE CASEI('%spiel%')"},
     "ILIKE"),
    ("projects", "status = 'laufend' OR status = 'geplant'",
     {"filter": "status IN ('laufend', 'geplant')"}, " OR "),
    ("projects", "status IN ('laufend', 'geplant')",
     {"filter": "status IN ('laufend', 'geplant')"}, None),  # GDAL has no IN: filtered by GDAL
    ("funding-areas", "id = 'prohlis-2016'", {"filter": "id = 'prohlis-2016'"},
     "/items/prohlis-2016"),
]

PYOGRIO_WHERE = """
import json, sys, pyogrio
url, cases = sys.argv[1], json.loads(sys.argv[2])
out = {"gdal": pyogrio.__gdal_version_string__, "ids": []}
for layer, where, page in cases:
    kwargs = {"where": where} if where else {}
    if page:
        kwargs["PAGE_SIZE"] = page
    table = pyogrio.read_dataframe(url, layer=layer, read_geometry=False, columns=["id"], **kwargs)
    out["ids"].append(sorted(table["id"]))
print(json.dumps(out))
"""


def _api_ids(client, layer: str, **query) -> list[str]:
    response = client.get(f"/collections/{layer}/items", query_string={"limit": 10000, **query})
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(f["id"] for f in response.get_json()["features"])


def _ogr2ogr_ids(source: str, layer: str, where: str | None = None) -> list[str]:
    """Debian's ogr2ogr (GDAL 3.6): the layer's ids as CSV on stdout."""
    command = ["ogr2ogr", "-f", "CSV", "/vsistdout/", source, layer, "-select", "id"]
    if where:
        command += ["-where", where]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return sorted(result.stdout.split()[1:])


def _pyogrio(url: str, cases: list) -> dict:
    result = subprocess.run([sys.executable, "-c", PYOGRIO_WHERE, url, json.dumps(cases)],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


needs_ogr2ogr = pytest.mark.skipif(shutil.which("ogr2ogr") is None,
                                   reason="Debian's gdal-bin is not installed (make system-packages)")


@needs_ogr2ogr
@pytest.mark.parametrize("layer, where, query, sent", WHERE_CASES, ids=[c[1] for c in WHERE_CASES])
def test_gdal_36_where_gives_the_api_answer_and_is_sent_to_the_server(recorded_server, client,
                                                                      layer, where, query, sent):
    recorded_server.recorder.seen.clear()
    got = _ogr2ogr_ids(f"OAPIF:{recorded_server.url}", layer, where)
    assert got == _api_ids(client, layer, **query) and got
    seen = [s for s in recorded_server.recorder.seen if f"/collections/{layer}/items" in s]
    if sent is None:
        assert not [s for s in seen if "filter=" in s]  # filtered by GDAL itself
    else:
        assert any(sent in s for s in seen), seen


def test_gdal_312_where_gives_the_api_answer(recorded_server, client):
    """pyogrio's GDAL (>= 3.10): the same -where cases in one process."""
    answer = _pyogrio(f"OAPIF:{recorded_server.url}", [[layer, where, None]
                                                       for layer, where, _, _ in WHERE_CASES])
    assert tuple(int(p) for p in answer["gdal"].split(".")[:2]) >= (3, 10), answer["gdal"]
    for (layer, where, query, _), got in zip(WHERE_CASES, answer["ids"], strict=True):
        assert got == _api_ids(client, layer, **query) and got, where


def _connection_cases(client) -> list[tuple[str, str, dict]]:
    """(connection query, layer, the equivalent API query): time travel and validity in the URL."""
    from datetime import UTC, datetime

    later = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return [(f"recorded={later}", "projects", {"recorded": later}),
            ("datetime=2018-06-01", "funding-areas", {"datetime": "2018-06-01"}),
            (f"recorded={later}&datetime=2010", "projects", {"recorded": later, "datetime": "2010"})]


@needs_ogr2ogr
def test_connection_urls_with_recorded_and_datetime_work_for_every_request(recorded_server, client):
    """GDAL appends the connection URL's query to every URL (/, /openapi, /collections, next
    links); GDAL 3.6 pages by 10, so 40 projects need four pages."""
    cases = _connection_cases(client)
    for query, layer, api in cases:
        recorded_server.recorder.seen.clear()
        got = _ogr2ogr_ids(f"OAPIF:{recorded_server.url}?{query}", layer)
        assert got == _api_ids(client, layer, **api) and got, query
    for query, layer, api in cases:  # pyogrio's GDAL, 7 features a page
        got = _pyogrio(f"OAPIF:{recorded_server.url}?{query}", [[layer, None, "7"]])["ids"][0]
        assert got == _api_ids(client, layer, **api) and got, query


@needs_ogr2ogr
def test_gdal_opens_the_csv_download_with_point_geometry(client, tmp_path):
    path = tmp_path / "projects.csv"
    path.write_bytes(client.get("/collections/projects/items?f=csv").data)
    info = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    assert "Feature Count: 40" in info and "Geometry Column = WKT" not in info
    script = ("import pyogrio, sys; f = pyogrio.read_dataframe(sys.argv[1]); "
              "print(sorted(set(f.geometry.geom_type)), len(f))")
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out.strip() == "['Point'] 40"


def test_gdal_312_jsonfg_driver_reads_the_final_media_type(recorded_server):
    script = ("import json, sys, pyogrio; info = pyogrio.read_info(sys.argv[1]); "
              "print(json.dumps({'driver': info['driver'], 'count': info['features']}))")
    url = f"{recorded_server.url}/collections/projects/items?profile=jsonfg&limit=100"
    result = subprocess.run([sys.executable, "-c", script, url], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"driver": "JSONFG", "count": 40}


@needs_ogr2ogr
def test_gdal_opens_one_collection_by_its_url(recorded_server, client):
    """The connection strings of docs/API.md: OAPIF:http://host (every layer, above) and one
    collection's URL (not …/collections/, which GDAL reads as one collection)."""
    got = _ogr2ogr_ids(f"OAPIF:{recorded_server.url}/collections/funding-areas", "funding-areas")
    assert got == _api_ids(client, "funding-areas")
