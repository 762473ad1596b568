"""The "add a format" recipe (docs/ARCHITECTURE.md): a format is one module calling
`formats.register()`. This test registers a real extra renderer (one line of text per feature)
from here, touching no other file, and finds it offered everywhere the registry feeds: `f=`,
`Accept` negotiation, the alternate and collection links and the OpenAPI document."""

from __future__ import annotations

import pytest

from geoservice.api import formats
from geoservice.http import respond

ITEMS = "/collections/projects/items"


def _lines(page: formats.Page):
    """One line per feature of the page: id, a tab, the first property after the id."""
    def build() -> str:
        rows = page.rows()
        second = page.spec.fields[1]
        return "".join(f"{fid}\t{value}\n" for fid, value in zip(rows["id"], rows[second], strict=True))

    return respond(build, "text/plain", page.etag, headers=page.licence_header)


@pytest.fixture()
def text_format():
    renderer = formats.register(formats.Renderer(
        "text", "text/plain", order=60, items=_lines, page_title="Diese Seite als Text",
        collection_title="Objekte als Text", items_schema={"type": "string"}))
    yield renderer
    formats.unregister("text")


def test_a_registered_format_is_offered_negotiated_linked_and_documented(text_format, make_app):
    client = make_app().test_client()
    answer = client.get(f"{ITEMS}?f=text&limit=3&sortby=id")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "text/plain"
    lines = answer.get_data(as_text=True).splitlines()
    assert len(lines) == 3 and all(line.count("\t") == 1 for line in lines)
    assert lines == sorted(lines)

    negotiated = client.get(f"{ITEMS}?limit=3&sortby=id", headers={"Accept": "text/plain"})
    assert negotiated.status_code == 200 and negotiated.data == answer.data

    page = client.get(f"{ITEMS}?limit=3").get_json()
    texts = [link for link in page["links"] if link["type"] == "text/plain"]
    assert [link["rel"] for link in texts] == ["alternate"]
    collection = client.get("/collections/projects").get_json()
    assert any(link["rel"] == "items" and link["type"] == "text/plain"
               and "f=text" in link["href"] for link in collection["links"])

    api = client.get("/openapi").get_json()
    assert "text" in api["components"]["parameters"]["f-items"]["schema"]["enum"]
    assert "text" not in api["components"]["parameters"]["f-item"]["schema"]["enum"]
    content = api["paths"]["/collections/projects/items"]["get"]["responses"]["200"]["content"]
    assert content["text/plain"] == {"schema": {"type": "string"}}

    # one feature has no text form: the item answers 406 naming the formats it has
    refused = client.get(f"{ITEMS}/bmx-anlage-prohlis?f=text")
    assert refused.status_code == 406 and "jsonfg" in refused.get_data(as_text=True)


def test_without_the_format_nothing_offers_it(make_app):
    client = make_app().test_client()
    assert "text" not in formats.REGISTRY
    assert client.get(f"{ITEMS}?f=text").status_code == 406
    api = client.get("/openapi").get_json()
    assert "text" not in api["components"]["parameters"]["f-items"]["schema"]["enum"]
