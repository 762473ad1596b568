"""Every format read back by a real reader: GeoPackage and CSV through GDAL (pyogrio), JSON-FG
against the official JSON-FG 1.0 schemas (and GDAL's JSONFG driver); licences, trailing slashes,
the metadata's language and the OpenAPI document's planner schemas."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date
from pathlib import Path

import pyogrio
import pytest
import shapely
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from geoservice import importer
from geoservice.domain import editing
from geoservice.domain.schema import COLLECTIONS, FUNDING_AREAS, PROJECTS

AREAS = "/collections/funding-areas/items"
PROJECT_ITEMS = "/collections/projects/items"
ODBL = "https://opendatacommons.org/licenses/odbl/1-0/"
DL_DE = "https://www.govdata.de/dl-de/by-2-0"
CC_BY_SA = "https://creativecommons.org/licenses/by-sa/3.0/"
GEODATA = Path(__file__).resolve().parent.parent / "geodata"
SCHEMAS = Path(__file__).resolve().parent / "schemas" / "jsonfg"
# what GDAL reports for each schema type (GeoPackage INTEGER is 64-bit: OFTInteger64)
OGR_TYPES = {"string": "OFTString", "integer": "OFTInteger64", "number": "OFTReal", "date": "OFTDate"}
SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "date": "DATE"}


def _save(tmp_path, response, name: str) -> Path:
    assert response.status_code == 200, response.get_data(as_text=True)
    path = tmp_path / name
    path.write_bytes(response.data)
    return path


def _features(name: str) -> dict:
    return {f["id"]: f for f in json.loads((GEODATA / name).read_text(encoding="utf-8"))["features"]}


# --- GeoPackage -------------------------------------------------------------------------------

def _check_geopackage(path: Path, spec, epsg: int, fields=None) -> None:
    """Types, CRS, geometry type, version and metadata of a GeoPackage, as GDAL and SQLite see them."""
    fields = list(fields or spec.fields)
    info = pyogrio.read_info(path, layer=spec.name)
    assert list(info["fields"]) == fields  # `id` first, always
    assert info["ogr_types"] == [OGR_TYPES[spec.types[name]] for name in fields]
    assert info["crs"] == f"EPSG:{epsg}"
    assert info["geometry_type"] == ("MultiPolygon" if spec is FUNDING_AREAS else "Point")
    with sqlite3.connect(path) as db:
        # GeoPackage 1.2: no "may only be partially supported" in GDAL 3.6 / QGIS 3.22
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200
        columns = {row[1]: row[2] for row in db.execute(f'PRAGMA table_info("{spec.name}")')}
        assert {name: columns[name] for name in fields} == {
            name: SQL_TYPES[spec.types[name]] for name in fields}
        srs = db.execute("SELECT s.srs_id, s.organization, s.organization_coordsys_id "
                         "FROM gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s USING (srs_id)"
                         ).fetchall()
        assert srs == [(epsg, "EPSG", epsg)]  # registered by its EPSG code
        assert db.execute("SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id >= 100000 "
                          "OR organization = 'NONE' AND srs_id > 0").fetchone()[0] == 0
        description = db.execute("SELECT description FROM gpkg_contents").fetchone()[0]
        metadata = " ".join(row[0] for row in db.execute("SELECT metadata FROM gpkg_metadata"))
    assert ODBL in description and ODBL in metadata
    assert (DL_DE in description) is (spec is FUNDING_AREAS)


def test_funding_areas_geopackage_types_crs_and_values(client, tmp_path):
    path = _save(tmp_path, client.get(AREAS, query_string={"f": "gpkg"}), "areas.gpkg")
    _check_geopackage(path, FUNDING_AREAS, 4326)
    frame = pyogrio.read_dataframe(path)
    source = _features("funding_areas.geojson")
    assert sorted(frame["id"]) == sorted(source)
    for _, row in frame.iterrows():
        props = source[row["id"]]["properties"]
        assert row["valid_from"].date() == date.fromisoformat(props["valid_from"])
        assert (row["valid_to"] is None or row["valid_to"] != row["valid_to"]
                or row["valid_to"].date() == date.fromisoformat(props["valid_to"]))
        assert row["area_ha"] == props["area_ha"]
        # x = longitude: GeoPackage stores EPSG:4326 as lon/lat; the coordinates are the file's
        expected = shapely.geometry.shape(source[row["id"]]["geometry"])
        assert row.geometry.geom_type == "MultiPolygon" and row.geometry.equals_exact(expected, 1e-9)


def test_projects_geopackage_in_utm_keeps_integer_years_and_nulls(client, tmp_path):
    fields = ("id", "title", "start_year", "end_year")
    response = client.get(PROJECT_ITEMS, query_string={
        "f": "gpkg", "crs": "EPSG:25833", "properties": "title,start_year,end_year"})
    path = _save(tmp_path, response, "projects.gpkg")
    _check_geopackage(path, PROJECTS, 25833, fields)
    frame = pyogrio.read_dataframe(path).set_index("id")
    source = _features("projects.geojson")
    assert len(frame) == len(source)
    for fid, feature in source.items():
        for name in ("start_year", "end_year"):
            value = feature["properties"][name]
            read = frame.loc[fid, name]
            assert (read != read) if value is None else int(read) == value  # NULL stays NULL
    assert frame.geometry.x.between(400_000, 420_000).all()  # easting first, in metres


def test_properties_title_keeps_the_id(client, tmp_path):
    path = _save(tmp_path, client.get(PROJECT_ITEMS, query_string={"f": "gpkg", "properties": "title"}),
                 "titles.gpkg")
    frame = pyogrio.read_dataframe(path)
    assert list(frame.columns) == ["id", "title", "geometry"]
    assert set(frame["id"]) == set(_features("projects.geojson"))
    text = client.get(PROJECT_ITEMS, query_string={"f": "csv", "properties": "title"}).get_data(as_text=True)
    assert text.splitlines()[0] == "id,title,WKT"


def test_geodata_export_is_the_same_typed_geopackage(app, tmp_path):
    for spec in COLLECTIONS.values():
        out = tmp_path / f"{spec.name}.gpkg"
        count = importer.export(app.extensions["geoservice"].dataset, spec, out)
        assert count == len(pyogrio.read_dataframe(out))
        _check_geopackage(out, spec, 4326)


def test_geopackage_without_geometry_is_an_attribute_table(client, tmp_path):
    path = _save(tmp_path, client.get(AREAS, query_string={"f": "gpkg", "skipGeometry": "true"}),
                 "table.gpkg")
    info = pyogrio.read_info(path)
    assert info["geometry_type"] is None and info["ogr_types"][4] == "OFTDate"


# --- CSV ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("crs, x_range", [
    (None, (13.7, 13.9)),                      # CRS84: lon, lat
    ("EPSG:4326", (13.7, 13.9)),               # EPSG:4326 too: x = longitude, never lat lon
    ("EPSG:25833", (400_000, 420_000)),        # easting, northing
])
def test_csv_wkt_is_always_x_easting_or_longitude(client, crs, x_range):
    query = {"f": "csv"} if crs is None else {"f": "csv", "crs": crs}
    response = client.get(PROJECT_ITEMS, query_string=query)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once
    assert response.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
    assert f'<{ODBL}>; rel="license"' in response.headers["Link"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 40
    for row in rows:
        point = shapely.from_wkt(row["WKT"])
        assert x_range[0] < point.x < x_range[1], row["WKT"]


def test_csv_reads_back_with_gdal(client, tmp_path):
    path = _save(tmp_path, client.get(AREAS, query_string={"f": "csv", "crs": "EPSG:25833"}), "a.csv")
    frame = pyogrio.read_dataframe(path, layer="a")  # the WKT column: no options needed
    assert set(frame["id"]) == set(_features("funding_areas.geojson"))
    assert (frame.geometry.geom_type == "MultiPolygon").all()
    assert frame.geometry.bounds["minx"].min() > 400_000


# --- JSON-FG ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jsonfg_root():
    """A validator for the JSON-FG root object, every $ref resolved from tests/schemas/jsonfg."""
    resources = []
    for path in SCHEMAS.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    root = json.loads((SCHEMAS / "jsonfg-root-object.json").read_text(encoding="utf-8"))
    return Draft202012Validator(root, registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def _valid(validator, document) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:5])


@pytest.mark.parametrize("path", [AREAS, PROJECT_ITEMS])
@pytest.mark.parametrize("crs", [None, "EPSG:4326", "EPSG:25833"])
def test_jsonfg_items_validate_against_the_official_schema(client, jsonfg_root, path, crs):
    query = {"f": "jsonfg"} if crs is None else {"f": "jsonfg", "crs": crs}
    response = client.get(path, query_string=query)
    assert response.headers["Content-Type"] == "application/vnd.ogc.fg+json"
    document = response.get_json()
    _valid(jsonfg_root, document)
    assert "http://www.opengis.net/spec/json-fg-1/1.0/conf/core" in document["conformsTo"]
    features = document["features"]
    assert features and all("coordRefSys" not in f and "conformsTo" not in f for f in features)
    if crs == "EPSG:25833":
        assert document["coordRefSys"] == "http://www.opengis.net/def/crs/EPSG/0/25833"
        assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/25833>"
        for feature in features:  # place in metres, geometry stays WGS 84 lon/lat
            place, geometry = shapely.geometry.shape(feature["place"]), shapely.geometry.shape(feature["geometry"])
            assert 400_000 < place.bounds[0] < 420_000 and 13.7 < geometry.bounds[0] < 13.9
            assert place.geom_type == geometry.geom_type
    else:
        assert document["coordRefSys"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        assert all(f["place"] is None for f in features)
        assert all(13.7 < shapely.geometry.shape(f["geometry"]).bounds[0] < 13.9 for f in features)


def test_jsonfg_time_is_honest(client, jsonfg_root):
    areas = {f["id"]: f for f in client.get(AREAS, query_string={"f": "jsonfg"}).get_json()["features"]}
    # [valid_from, valid_to) becomes the closed interval of days JSON-FG uses
    assert areas["prohlis-am-koitschgraben-2000"]["time"] == {"interval": ["2000-07-13", "2004-06-30"]}
    assert areas["prohlis-2020"]["time"] == {"interval": ["2020-10-01", ".."]}
    projects = client.get(PROJECT_ITEMS, query_string={"f": "jsonfg", "limit": 100}).get_json()
    source = _features("projects.geojson")
    for feature in projects["features"]:
        props = source[feature["id"]]["properties"]
        start, end = props["start_year"], props["end_year"]
        if start is None or (end is None and props["status"] == "abgeschlossen"):
            assert feature["time"] is None, feature["id"]  # unknown: no claim
        else:
            assert feature["time"]["interval"] == [
                f"{start}-01-01", ".." if end is None else f"{end}-12-31"], feature["id"]
    assert any(f["time"] is None for f in projects["features"])


@pytest.mark.parametrize("path", [f"{AREAS}/prohlis-2016", f"{AREAS}/prohlis?datetime=2018-06-01",
                                  f"{PROJECT_ITEMS}/bmx-anlage-prohlis"])
def test_jsonfg_item_validates_with_place_in_utm(client, jsonfg_root, path):
    sep = "&" if "?" in path else "?"
    response = client.get(f"{path}{sep}f=jsonfg&crs=EPSG:25833")
    assert response.status_code == 200 and response.mimetype == "application/vnd.ogc.fg+json"
    feature = response.get_json()
    _valid(jsonfg_root, feature)
    assert feature["featureType"] in ("FundingAreaVersion", "Project")
    assert feature["coordRefSys"] == "http://www.opengis.net/def/crs/EPSG/0/25833"
    assert feature["place"]["type"] == feature["geometry"]["type"]
    rels = {(link["rel"], link.get("type")) for link in feature["links"]}
    assert ("self", "application/vnd.ogc.fg+json") in rels and ("alternate", "application/geo+json") in rels
    assert ("license", "text/html") in rels
    assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/25833>"


def test_jsonfg_is_declared_and_linked(client):
    conforms = client.get("/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/json-fg-1/1.0/conf/core" in conforms
    assert "http://www.opengis.net/spec/json-fg-1/1.0/conf/types-schemas" in conforms
    collection = client.get("/collections/projects").get_json()
    assert any(link["rel"] == "items" and link["type"] == "application/vnd.ogc.fg+json"
               for link in collection["links"])
    for path in (PROJECT_ITEMS, f"{PROJECT_ITEMS}/bmx-anlage-prohlis"):
        links = client.get(path).get_json()["links"]
        assert any(link["rel"] == "alternate" and link["type"] == "application/vnd.ogc.fg+json"
                   for link in links)
    accepted = client.get(PROJECT_ITEMS, headers={"Accept": "application/vnd.ogc.fg+json"})
    assert accepted.mimetype == "application/vnd.ogc.fg+json"


def test_jsonfg_reads_back_with_gdal_jsonfg_driver(client, tmp_path):
    if "JSONFG" not in pyogrio.list_drivers():
        pytest.skip(f"GDAL {pyogrio.__gdal_version_string__} has no JSONFG driver")
    path = _save(tmp_path, client.get(AREAS, query_string={"f": "jsonfg", "crs": "EPSG:25833"}),
                 "areas.fg.json")
    info = pyogrio.read_info(path)
    assert info["driver"] == "JSONFG" and info["features"] == 6
    assert info["crs"] == "EPSG:25833"  # GDAL takes `place` and its coordRefSys
    assert info["geometry_type"] == "MultiPolygon"
    frame = pyogrio.read_dataframe(path)
    assert frame.geometry.bounds["minx"].min() > 400_000
    assert set(frame["id"]) == set(_features("funding_areas.geojson"))


# --- licences -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path, expected", [
    ("/", {ODBL, DL_DE, CC_BY_SA}),
    ("/collections", {ODBL, DL_DE, CC_BY_SA}),
    ("/collections/funding-areas", {ODBL, DL_DE}),
    ("/collections/projects", {ODBL, CC_BY_SA}),
    (AREAS, {ODBL, DL_DE}),
    (f"{AREAS}/prohlis-2016", {ODBL, DL_DE}),
    (f"{AREAS}/prohlis", {ODBL, DL_DE}),
    (PROJECT_ITEMS, {ODBL, CC_BY_SA}),
    (f"{PROJECT_ITEMS}/bmx-anlage-prohlis", {ODBL, CC_BY_SA}),
])
def test_licence_links_in_json_and_link_header(client, path, expected):
    response = client.get(path)
    document = response.get_json()
    links = document["links"]
    if path == "/collections":  # each collection names its own
        assert {link["href"] for c in document["collections"] for link in c["links"]
                if link["rel"] == "license"} == expected
    assert {link["href"] for link in links if link["rel"] == "license"} == expected
    header = response.headers["Link"]
    assert all(f'<{href}>; rel="license"' in header for href in expected)
    assert DL_DE in header or DL_DE not in expected


def test_provenance_in_public_attributes_is_plain_words():
    """No repository paths or commit ids in what the public reads; the trail is in the README."""
    for name in ("funding_areas.geojson", "projects.geojson"):
        for feature in _features(name).values():
            for field in ("method", "source", "location_method"):
                text = feature["properties"].get(field) or ""
                for internal in ("AfeefaDe/", "shared/", "geodata-sources", "geodata/sources",
                                 ".sql", "@775ed72", "offenesdresden/", "EqualStreetNames/"):
                    assert internal not in text, (feature["id"], field, text)


# --- trailing slashes ---------------------------------------------------------------------------

@pytest.mark.parametrize("path, location", [
    ("/collections/", "/collections"),
    ("/collections/projects/items/?limit=2&f=json", "/collections/projects/items?limit=2&f=json"),
    (f"{AREAS}/prohlis-2016/", f"{AREAS}/prohlis-2016"),
    ("/conformance//", "/conformance"),
])
def test_trailing_slash_redirects_308_relative(client, path, location):
    response = client.get(path, headers={"Host": "forged.example"})
    assert response.status_code == 308
    assert response.headers["Location"] == location  # relative: never from the Host header
    followed = client.get(path, follow_redirects=True)
    assert followed.status_code == 200


def test_trailing_slash_redirect_uses_the_configured_base_url(make_app):
    app = make_app(BASE_URL="https://geo.example.org/prohlis/")
    response = app.test_client().get("/collections/?f=json", headers={"Host": "forged.example"})
    assert response.status_code == 308
    assert response.headers["Location"] == "https://geo.example.org/prohlis/collections?f=json"


@pytest.mark.parametrize("raw", ["//evil.example/", "///evil.example/", "/\\evil.example/",
                                 "//evil.example/collections/", "/nope/"])
def test_no_open_redirect_and_no_redirect_to_nothing(client, raw):
    response = client.get("/", environ_overrides={"PATH_INFO": raw})
    location = response.headers.get("Location", "")
    assert not location.startswith("//") and "evil.example" not in location.split("/")[0:3]
    if response.status_code == 308:  # only onto a real route of this service
        assert location.startswith("/") and not location.startswith("//")
        assert client.get(location).status_code == 200
    else:
        assert response.status_code == 404


# --- language of the metadata ---------------------------------------------------------------------

def test_collection_metadata_follows_the_language(client):
    english = client.get("/collections/funding-areas?lang=en").get_json()
    assert english["title"] == "Funding areas Prohlis / Am Koitschgraben"
    assert english["description"].startswith("Urban-renewal funding areas")
    assert "Funding area" in english["keywords"]
    assert all(link["title"].isascii() or "©" in link["title"] for link in english["links"]
               if link["rel"] != "license")
    german = client.get("/collections/funding-areas?lang=de").get_json()
    assert german["title"] == "Fördergebiete Prohlis / Am Koitschgraben"
    assert german["description"].startswith("Fördergebiete der Städtebauförderung")
    assert "Fördergebiet" in german["keywords"]
    fresh = client.application.test_client()  # no language cookie from the requests above
    by_header = fresh.get("/collections/projects", headers={"Accept-Language": "en"}).get_json()
    assert by_header["title"] == "Projects in the funding areas"
    licence = next(link for link in by_header["links"] if link["rel"] == "license")
    assert "derived from OpenStreetMap" in licence["title"]


# --- OpenAPI: the planners' real schemas and parameters ------------------------------------------

def test_openapi_planner_schemas_and_crs(client):
    doc = client.get("/openapi?f=json").get_json()
    paths, schemas = doc["paths"], doc["components"]["schemas"]

    def schema_of(path):
        return paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]

    assert schema_of("/areas") == "#/components/schemas/areaList"
    assert schema_of("/timeline") == "#/components/schemas/timeline"
    areas = client.get("/areas").get_json()
    assert set(schemas["areaList"]["required"]) <= set(areas)
    assert set(schemas["areaList"]["properties"]["areas"]["items"]["required"]) <= set(areas["areas"][0])
    timeline = client.get("/timeline").get_json()
    item = schemas["timeline"]["properties"]["milestones"]["items"]
    assert set(item["required"]) <= set(timeline["milestones"][0]) <= set(item["properties"])
    locate = {p["name"]: p for p in paths["/locate"]["get"]["parameters"] if "name" in p}
    if "crs" not in locate:
        ref = next(p["$ref"] for p in paths["/locate"]["get"]["parameters"]
                   if "$ref" in p and p["$ref"].endswith("crs-locate"))
        locate["crs"] = doc["components"]["parameters"][ref.rsplit("/", 1)[1]]
    assert locate["crs"]["schema"]["default"] == "EPSG:25833" and "x" in locate["crs"]["description"]
    assert "EPSG:25833" in locate["crs"]["schema"]["enum"]
    # the README's example is accepted
    found = client.get("/locate?x=414500&y=5651500&crs=EPSG:25833").get_json()
    assert 13.7 < found["lon"] < 13.9
    changes_params = [p["$ref"].rsplit("/", 1)[1] for p in paths["/changes"]["get"]["parameters"]
                      if "$ref" in p]
    assert "crs-changes" in changes_params


def test_changes_take_crs(client):
    response = client.get("/changes?from=2004&to=2018&crs=EPSG:25833")
    assert response.status_code == 200
    assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/25833>"
    bounds = [shapely.geometry.shape(f["geometry"]).bounds for f in response.get_json()["features"]]
    assert bounds and all(400_000 < b[0] < 420_000 for b in bounds)


# --- a Polygon sent for a funding area is stored as a MultiPolygon ------------------------------

def test_polygon_funding_area_is_promoted(app):
    data = app.extensions["geoservice"].dataset
    row = data.funding_areas.loc["prohlis-2020"]
    polygon = max(row.geometry.geoms, key=lambda g: g.area)
    properties = {name: row[name] for name in FUNDING_AREAS.fields}
    properties.update(id="prohlis-2031", valid_from="2031-01-01", valid_to=None, area_ha=None)
    frame = editing.check(FUNDING_AREAS, data, editing.Draft("prohlis-2031", properties, polygon))
    stored = frame.geometry.iloc[0]
    assert stored.geom_type == "MultiPolygon" and list(stored.geoms) == [polygon]


def test_a_store_with_polygon_records_is_served_as_multipolygon(make_app, data_copy):
    """A database seeded before the change holds Polygons: it still loads, served as MultiPolygon."""
    path = data_copy / "funding_areas.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        if len(feature["geometry"]["coordinates"]) == 1:
            feature["geometry"] = {"type": "Polygon", "coordinates": feature["geometry"]["coordinates"][0]}
    path.write_text(json.dumps(collection), encoding="utf-8")
    client = make_app(DATA_DIR=str(data_copy)).test_client()
    features = client.get(AREAS).get_json()["features"]
    assert len(features) == 6 and {f["geometry"]["type"] for f in features} == {"MultiPolygon"}
