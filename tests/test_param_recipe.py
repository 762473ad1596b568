"""The "add a parameter" recipe (docs/ARCHITECTURE.md): a query parameter is one declaration
(`params.Param`, registered with `params.register`). This test declares `precision` as an
items extension (Param.items) from here, touching no other file, and finds it accepted and
parsed by every collection's items (a bad value is a 400 naming it), handed to the renderer
(`Page.options`), canonical for the caches, and in the OpenAPI document."""

from __future__ import annotations

import pytest

from geoservice import cache, params
from geoservice.api import formats
from geoservice.errors import InvalidParameter
from geoservice.http import respond

ITEMS = "/collections/projects/items"


def _parse_precision(value: str, name: str) -> int:
    digits = params.integer(value, name, 7, 0)
    if digits > 7:
        raise InvalidParameter(f"{name}: '{value}' is above the maximum 7")
    return digits


def _points(page: formats.Page):
    """The page's first coordinate per feature, rounded to `precision` decimals."""
    digits = page.options.get("precision", 7)

    def build() -> str:
        points = page.rows().geometry.representative_point()
        return "".join(f"{p.x:.{digits}f} {p.y:.{digits}f}\n" for p in points)

    return respond(build, "text/plain", page.etag)


@pytest.fixture()
def precision():
    param = params.register(params.Param(
        "precision", "Decimals of the coordinates (0-7).",
        {"type": "integer", "minimum": 0, "maximum": 7, "default": 7},
        canonical=lambda value, spec: value in {str(n) for n in range(8)},
        parse=_parse_precision, items=True))
    formats.register(formats.Renderer("points", "text/plain", order=60, items=_points,
                                      items_schema={"type": "string"}))
    yield param
    formats.unregister("points")
    params.unregister("precision")


def test_a_declared_parameter_is_parsed_canonical_and_documented(precision, make_app):
    app = make_app()
    client = app.test_client()
    answer = client.get(f"{ITEMS}?f=points&precision=2&limit=2&sortby=id")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    lines = answer.get_data(as_text=True).splitlines()
    assert len(lines) == 2 and all(len(part.split(".")[1]) == 2 for line in lines
                                   for part in line.split())
    # every collection's items accept it, in every format
    assert client.get("/collections/funding-areas/items?precision=0&limit=1").status_code == 200

    for bad in ("many", "9", "-1"):
        refused = client.get(f"{ITEMS}?precision={bad}")
        assert refused.status_code == 400
        assert "precision" in refused.get_json()["description"] and bad in refused.get_json()["description"]

    with app.test_request_context(f"{ITEMS}?precision=3"):
        app.preprocess_request()
        assert cache.canonical_query() == (("precision", "3"),)
    with app.test_request_context(f"{ITEMS}?precision=03"):
        app.preprocess_request()
        assert cache.canonical_query() is None  # another spelling is never a cache key

    api = client.get("/openapi").get_json()
    assert api["components"]["parameters"]["precision"]["schema"]["maximum"] == 7
    operation = api["paths"][ITEMS]["get"]
    assert {"$ref": "#/components/parameters/precision"} in operation["parameters"]


def test_without_the_declaration_the_parameter_is_unknown(client):
    assert "precision" not in params.PARAMS
    refused = client.get(f"{ITEMS}?precision=2")
    assert refused.status_code == 400 and "precision" in refused.get_json()["description"]
    assert "precision" not in client.get("/openapi").get_json()["components"]["parameters"]
