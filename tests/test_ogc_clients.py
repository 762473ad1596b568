"""Real OGC clients against a real server on loopback: OWSLib and GDAL's OAPIF driver."""

from __future__ import annotations

import json
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
