"""The "add a collection" recipe (docs/ARCHITECTURE.md): a collection is its CollectionSpec
(registered with `schema.register`), its seed file and its strings. This test adds a toy
collection of benches from here, touching no other file, seeds it from a file in a copy of the
data folder, and finds it listed, served as GeoJSON and CSV, described by /queryables and
/schema, and in the OpenAPI document. It withdraws the collection at the end."""

from __future__ import annotations

import csv
import io
import json

import pytest

from geoservice import i18n
from geoservice.domain import schema
from geoservice.domain.licences import ODBL

BENCHES = schema.CollectionSpec(
    name="benches",
    filename="benches.geojson",
    title="Bänke im Fördergebiet",
    description="Sitzbänke, die mit Mitteln des Förderprogramms aufgestellt wurden.",
    geometry_types=frozenset({"Point"}),
    fields=("id", "name", "seats", "material", "installed", "removed"),
    required=("id", "name", "seats", "installed"),
    enums={"material": frozenset({"Holz", "Metall"})},
    time_fields=("installed", "removed"),
    types={"id": "string", "name": "string", "seats": "integer", "material": "string",
           "installed": "date", "removed": "date"},
    keywords=("Bänke",),
    time_model=schema.DAYS,
    feature_type="Bench",
    licences=(ODBL,),
    attribution="Bänke: eigene Erhebung (Testdaten).",
)
STRINGS = {BENCHES.title: "Benches in the funding areas",
           BENCHES.description: "Benches set up with the programme's funds.",
           "Bänke": "benches"}


def _bench(fid, name, seats, lon, lat, installed, removed=None, material="Holz"):
    return {"type": "Feature", "id": fid, "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": fid, "name": name, "seats": seats, "material": material,
                           "installed": installed, "removed": removed}}


@pytest.fixture()
def benches(data_copy):
    """The toy collection registered, with its seed file in a private copy of geodata/."""
    (data_copy / BENCHES.filename).write_text(json.dumps({"type": "FeatureCollection", "features": [
        _bench("bank-1", "Bank am Jacob-Winter-Platz", 3, 13.7990, 51.0070, "2019-05-01"),
        _bench("bank-2", "Bank an der Gamigstraße", 2, 13.8020, 51.0050, "2021-04-15", "2024-01-01",
               material="Metall"),
    ]}), encoding="utf-8")
    schema.register(BENCHES)
    i18n.register(STRINGS)
    yield data_copy
    schema.unregister(BENCHES.name)
    for msgid in STRINGS:
        i18n.EN.pop(msgid, None)


def test_a_registered_collection_is_seeded_listed_served_and_documented(benches, make_app):
    client = make_app(DATA_DIR=str(benches)).test_client()

    listed = client.get("/collections").get_json()["collections"]
    assert [c["id"] for c in listed] == ["funding-areas", "projects", "benches"]
    english = client.get("/collections/benches?lang=en").get_json()
    assert english["title"] == "Benches in the funding areas" and english["keywords"] == ["benches"]

    items = client.get("/collections/benches/items?sortby=id")
    assert items.status_code == 200 and items.mimetype == "application/geo+json"
    page = items.get_json()
    assert [f["id"] for f in page["features"]] == ["bank-1", "bank-2"]
    assert page["features"][0]["properties"]["seats"] == 3
    assert page["features"][1]["properties"]["removed"] == "2024-01-01"
    # the generic query path: time, a property filter, CQL2
    assert [f["id"] for f in client.get("/collections/benches/items?datetime=2025-06-01")
            .get_json()["features"]] == ["bank-1"]
    assert [f["id"] for f in client.get("/collections/benches/items?material=Metall")
            .get_json()["features"]] == ["bank-2"]
    assert [f["id"] for f in client.get("/collections/benches/items?filter=seats>2")
            .get_json()["features"]] == ["bank-1"]
    assert client.get("/collections/benches/items/bank-2").get_json()["properties"]["seats"] == 2

    table = client.get("/collections/benches/items?f=csv&sortby=id")
    assert table.status_code == 200
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
    assert [r["id"] for r in rows] == ["bank-1", "bank-2"] and rows[0]["WKT"].startswith("POINT")

    queryables = client.get("/collections/benches/queryables").get_json()
    assert {"seats", "material", "installed"} <= set(queryables["properties"])
    assert queryables["properties"]["seats"]["type"] == "integer"
    described = client.get("/collections/benches/schema").get_json()
    assert set(described["properties"]) >= set(BENCHES.fields) - {"id"}

    api = client.get("/openapi").get_json()
    assert "/collections/benches/items" in api["paths"]
    assert "/collections/benches/items/{featureId}" in api["paths"]

    assert client.get("/collections/benches/items?seats=many").status_code == 400


def test_without_the_collection_nothing_serves_it(client):
    assert "benches" not in schema.COLLECTIONS
    assert client.get("/collections/benches/items").status_code == 404
    assert "/collections/benches/items" not in client.get("/openapi").get_json()["paths"]
