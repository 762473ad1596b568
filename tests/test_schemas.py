"""OGC API – Features Part 5 (Schemas): /schema, /queryables and /sortables as JSON Schema 2020-12,
the schema agreeing with the GeoPackage and CSV columns, and the declared conformance classes."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pyogrio
import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from geoservice.api import schemas
from geoservice.domain.schema import COLLECTIONS, FUNDING_AREAS, PROJECTS

DOCS = ("schema", "queryables", "sortables")
GPKG_TYPES = {("integer", "int64"): "int64", ("number", "double"): "float64",
              ("string", "date"): "datetime64[ms]", ("string", None): "object"}


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
@pytest.mark.parametrize("doc", DOCS)
def test_documents_are_valid_json_schema_with_part5_keywords(client, name, doc):
    response = client.get(f"/collections/{name}/{doc}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/schema+json"
    body = response.get_json()
    Draft202012Validator.check_schema(body)  # the 2020-12 metaschema
    assert body["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert body["$id"] == f"http://localhost/collections/{name}/{doc}" and body["type"] == "object"
    for prop in body["properties"].values():
        spatial = prop.get("format", "").startswith("geometry-")
        assert ("type" in prop) != spatial and "$ref" not in prop  # /req/schemas/properties A-C
    if doc == "sortables":
        assert not any(p.get("format", "").startswith("geometry-") for p in body["properties"].values())


def test_schema_roles_sequence_and_units(client):
    doc = client.get("/collections/funding-areas/schema").get_json()
    props = doc["properties"]
    assert list(props) == [*FUNDING_AREAS.fields, "geometry"]
    assert [p["x-ogc-propertySeq"] for p in props.values()] == list(range(1, len(props) + 1))
    roles = {name: p["x-ogc-role"] for name, p in props.items() if "x-ogc-role" in p}
    assert roles == {"id": "id", "valid_from": "primary-interval-start",
                     "valid_to": "primary-interval-end", "geometry": "primary-geometry"}
    assert props["geometry"]["format"] == "geometry-multipolygon"
    assert props["area_ha"]["x-ogc-unit"] == "har" and props["area_ha"]["format"] == "double"
    assert set(doc["required"]) == {*FUNDING_AREAS.required, "geometry"}
    projects = client.get("/collections/projects/schema").get_json()["properties"]
    assert projects["geometry"]["format"] == "geometry-any"  # six geometry types
    assert projects["start_year"]["format"] == "int64" and "x-ogc-role" not in projects["start_year"]


def test_features_validate_against_their_schema(client):
    """A feature's properties (and nothing else) validate against /schema without geometry."""
    for name in COLLECTIONS:
        doc = client.get(f"/collections/{name}/schema").get_json()
        doc = {**doc, "required": [r for r in doc["required"] if r != "geometry"]}
        doc["properties"] = {k: v for k, v in doc["properties"].items() if k != "geometry"}
        nullable = {k: {**v, "type": [v["type"], "null"]} for k, v in doc["properties"].items()}
        validator = Draft202012Validator({**doc, "properties": nullable},
                                         format_checker=Draft202012Validator.FORMAT_CHECKER)
        for feature in client.get(f"/collections/{name}/items?limit=1000").get_json()["features"]:
            validator.validate(feature["properties"])


@pytest.mark.parametrize("spec", [FUNDING_AREAS, PROJECTS], ids=lambda s: s.name)
def test_schema_agrees_with_geopackage_and_csv_columns(client, spec, tmp_path):
    props = client.get(f"/collections/{spec.name}/schema").get_json()["properties"]
    path = tmp_path / "x.gpkg"
    path.write_bytes(client.get(f"/collections/{spec.name}/items?f=gpkg").data)
    info = pyogrio.read_info(path)
    columns = dict(zip(info["fields"], info["dtypes"], strict=True))
    for name in spec.fields:
        expected = GPKG_TYPES[(props[name]["type"], props[name].get("format"))]
        assert columns[name] == expected or (expected.startswith("datetime") and "date" in columns[name]), name
    rows = list(csv.DictReader(io.StringIO(client.get(f"/collections/{spec.name}/items?f=csv").text)))
    parse = {"int64": int, "double": float, "date": date.fromisoformat}
    for row in rows:
        for name in spec.fields:
            fmt = props[name].get("format")
            if row.get(name) and fmt in parse:
                parse[fmt](row[name])  # raises when a CSV cell is not of the schema's type


def test_collection_links_schema_and_conformance_says_what_is_draft(client):
    rels = {link["rel"]: link for link in client.get("/collections/projects").get_json()["links"]}
    assert rels[schemas.REL_SCHEMA]["type"] == "application/schema+json"
    classes = client.get("/conformance").get_json()["conformsTo"]
    assert set(schemas.CONFORMANCE) <= set(classes)
    assert "http://www.opengis.net/spec/ogcapi-common-3/1.0/conf/schemas" in classes
    page = client.get("/conformance?f=html").text
    drafts = page.split("Entwürfe", 1)[1]
    assert "ogcapi-features-4/1.0/conf/create-replace-delete" in drafts
    assert "ogcapi-features-8/1.0/conf/sorting" in drafts
    assert "ogcapi-common-3/1.0/conf/schemas" not in drafts


def test_schema_html_page(client):
    response = client.get("/collections/funding-areas/schema?f=html", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "Schema of the features" in response.text
    assert "primary-interval-start" in response.text


# --- the OGC's own schemas and ogcapi-registry --------------------------------------------------
# OGC API – Features Part 1 1.1 schemas (tests/schemas/ogcapi-features-1/SOURCE.md, OGC licence).
# Part 5 publishes no JSON Schema for its documents (only the 2020-12 metaschema, checked above).
OGC = Path(__file__).parent / "schemas/ogcapi-features-1"
OGC_BASE = "https://schemas.opengis.net/ogcapi/features/part1/1.1/openapi/schemas/"


def _null_type(node):
    """extent.yaml writes `type: null` (YAML's null) for the open end of an interval; its text and
    example mean the JSON Schema type "null", which is what it is read as (the file stays as copied)."""
    if isinstance(node, dict):
        return {k: "null" if k == "type" and v is None else _null_type(v) for k, v in node.items()}
    return [_null_type(v) for v in node] if isinstance(node, list) else node


def _ogc_validator(name: str) -> Draft202012Validator:
    registry = Registry().with_resources(
        (OGC_BASE + path.name,
         Resource.from_contents(_null_type(yaml.safe_load(path.read_text(encoding="utf-8"))),
                                default_specification=DRAFT202012))
        for path in OGC.glob("*.yaml"))
    return Draft202012Validator({"$ref": OGC_BASE + name}, registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("path, schema", [
    ("/", "landingPage.yaml"),
    ("/conformance", "confClasses.yaml"),
    ("/collections", "collections.yaml"),
    ("/collections/funding-areas", "collection.yaml"),
    ("/collections/projects", "collection.yaml"),
])
def test_documents_validate_against_the_ogc_schemas(client, path, schema):
    """The landing page, the conformance declaration (with the Part 5 classes) and the collections
    (with their links to /schema, /queryables, /sortables) against the OGC's Part 1 schemas."""
    document = client.get(path).get_json()
    errors = sorted(_ogc_validator(schema).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:5])
    broken = {k: v for k, v in document.items() if k not in ("links", "conformsTo")}
    assert not _ogc_validator(schema).is_valid(broken)  # the check can fail


def test_ogcapi_registry_accepts_the_openapi_document(client):
    """ogcapi-registry (PyPI) checks the OpenAPI document against the declared conformance
    classes: no critical error and no warning except its CRS rule applied to this service's own
    sub-resources of a feature (/history, /versions, /feed), which Part 2 does not cover. It has
    no rules for Part 5 (schemas, queryables, sortables)."""
    from ogcapi_registry import parse_conformance_classes, validate_ogc_api

    classes = parse_conformance_classes(client.get("/conformance").get_json()["conformsTo"])
    result = validate_ogc_api(client.get("/openapi?f=json").get_json(), classes)
    assert result.is_compliant and not result.critical_errors
    for error in result.warning_errors:
        assert error["conformance_class"] == "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
        assert re.search(r"/items/\{featureId\}/(history|versions|feed)\.get\.parameters$",
                         error["path"]), error
    assert {e["conformance_class"] for e in result.info_errors} <= {
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter"}
