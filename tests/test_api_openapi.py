"""The OpenAPI document validates, and responses conform to its schemas."""

from __future__ import annotations

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate


@pytest.fixture()
def spec(client):
    return client.get("/openapi").get_json()


def _validator(spec: dict, name: str) -> OAS30Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return OAS30Validator(schema)


def test_openapi_document_validates(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.0")


def test_openapi_lists_every_resource(spec):
    for path in ("/", "/conformance", "/collections", "/collections/projects/items",
                 "/collections/funding-areas/items/{featureId}", "/collections/projects/queryables",
                 "/areas/{areaId}", "/locate", "/timeline", "/changes"):
        assert path in spec["paths"]


def test_openapi_names_the_queryables(spec):
    names = {p.get("name") for p in spec["paths"]["/collections/projects/items"]["get"]["parameters"]}
    assert {"status", "category", "area_id"} <= names


@pytest.mark.parametrize("path, schema", [
    ("/", "landingPage"),
    ("/conformance", "confClasses"),
    ("/collections", "collections"),
    ("/collections/projects", "collection"),
    ("/collections/projects/items?limit=5", "featureCollectionGeoJSON"),
    ("/collections/funding-areas/items?skipGeometry=true", "featureCollectionGeoJSON"),
    ("/collections/funding-areas/items/prohlis-2016", "featureGeoJSON"),
    ("/collections/projects/queryables", "queryables"),
    ("/areas/prohlis", "factSheet"),
    ("/locate?lon=13.8&lat=51", "locate"),
    ("/changes?from=2010&to=2021", "featureCollectionGeoJSON"),
    ("/collections/roads", "exception"),
])
def test_responses_conform(client, spec, path, schema):
    _validator(spec, schema).validate(client.get(path).get_json())


def test_server_url_is_the_base(client, spec):
    assert spec["servers"][0]["url"] == "http://localhost"
