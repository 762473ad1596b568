"""Public text is for the public (issue 22): no research trail on any public page or answer.

Scans public pages, the GeoJSON the maps embed, /search answers, /inside and /locate, the public
history and the API's items of every collection for repository paths, commit ids and research or
licence-doubt notes; those live in geodata/provenance.json and the places file's `provenance`.
"""

from __future__ import annotations

import re

import pytest

HTML = {"Accept": "text/html"}
TRAIL = re.compile(
    r"geocode|(?-i:NÄHERUNG)|zu prüfen|vermutlich|nicht gelesen|Projektrecherche|keine Datenlizenz"
    r"|geodata/|afeefa-neos|\.sql\b|\.csv\b|@[0-9a-f]{7,40}\b|\b[0-9a-f]{40}\b", re.I)
QUERIES = ["Prohliser Allee 33", "Karl-Laux", "Gamig", "Albert-Wolf", "Schloss", "Bibliothek", "SPIKE",
           "Walter-Arnold", "Kombibad", "Otto-Dix"]


def _clean(text: str, where: str) -> None:
    found = TRAIL.search(text)
    assert not found, f"{where}: ...{text[max(0, found.start() - 80):found.end() + 80]}..."


def _pages(client) -> list[str]:
    paths = ["/", "/areas", "/compare?from=2004&to=2016", "/timeline", "/collections",
             "/collections/projects/items?f=html&limit=100", "/collections/funding-areas/items?f=html"]
    items = client.get("/collections/projects/items?f=json&limit=100").get_json()["features"]
    paths += [f"/projects/{f['id']}" for f in items][:60]
    areas = client.get("/collections/funding-areas/items?f=json&limit=100").get_json()["features"]
    paths += sorted({f"/areas/{f['properties']['area_id']}" for f in areas})
    return paths


def test_no_research_trail_on_public_pages_and_answers(client):
    for path in _pages(client):
        response = client.get(path, headers=HTML)
        if response.status_code == 404:
            continue
        assert response.status_code == 200, path
        _clean(response.get_data(as_text=True), path)
    for collection in ("projects", "funding-areas"):
        _clean(client.get(f"/collections/{collection}/items?f=json&limit=1000").get_data(as_text=True),
               collection)
    for q in QUERIES:
        _clean(client.get("/search", query_string={"q": q}).get_data(as_text=True), f"/search?q={q}")
    for path in ("/inside?lon=13.7981268&lat=51.0046587", "/locate?lon=13.7981268&lat=51.0046587",
                 "/inside?f=html&lon=13.7981268&lat=51.0046587"):
        _clean(client.get(path).get_data(as_text=True), path)


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_public_history_has_no_folder_names(client, accept):
    items = client.get("/collections/projects/items?f=json&limit=3").get_json()["features"]
    for f in items:
        response = client.get(f"/projects/{f['id']}/history", headers={"Accept": accept})
        if response.status_code == 200:
            _clean(response.get_data(as_text=True), f"history of {f['id']}")
            assert "Erstbefüllung aus den Dateien" not in response.get_data(as_text=True)
