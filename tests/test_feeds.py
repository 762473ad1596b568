"""Atom feeds of the public changes: valid Atom (RFC 4287's RELAX NG schema), readable by
feedparser, linked from the pages and the API documents, cached with ETags, and a project PATCH
shows up in the register's, the area's, the project's and the collection's feed with its note.

The store does not matter here (the change log's reads are plain SQL on both): SQLite only.
"""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from tests.conftest import build_app
from tests.test_edit_api import MERGE_PATCH, add_user

SCHEMA = Path(__file__).parent / "schemas" / "atom.rng"  # from atom.rnc (RFC 4287 App. B) by rnc2rng
ATOM_NS = "{http://www.w3.org/2005/Atom}"
PROJECT = "los-lokales-kapital-fuer-soziale-zwecke"
NOTE = "Träger gewechselt <b>laut Beschluss</b>"
FEEDS = ("/feed", "/collections/projects/feed", "/collections/funding-areas/feed",
         "/areas/prohlis/feed", f"/collections/projects/items/{PROJECT}/feed")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return build_app("sqlite", tmp_path_factory.mktemp("feeds"))


@pytest.fixture(scope="module")
def patched(app):
    """One project PATCH by an editor of the Quartiersmanagement (the public role)."""
    editor = add_user(app, "erika", organisation="Quartiersmanagement Prohlis")
    client = app.test_client()
    etag = client.get(f"/collections/projects/items/{PROJECT}?f=json").headers["ETag"]
    response = client.patch(f"/collections/projects/items/{PROJECT}",
                            data=json.dumps({"properties": {"status_note": "Träger gewechselt"}}),
                            headers={"Authorization": f"Bearer {editor['token']}",
                                     "Content-Type": MERGE_PATCH, "If-Match": etag,
                                     "X-Change-Note": NOTE})
    assert response.status_code in (200, 204), response.data
    return app


def _valid(body: bytes) -> etree._Element:
    doc = etree.fromstring(body)
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    assert schema.validate(doc), schema.error_log
    # the schema's two Schematron rules (RFC 4287 App. B), which RELAX NG does not check
    for entry in doc.iter(f"{ATOM_NS}entry"):
        assert entry.find(f"{ATOM_NS}author") is not None
        assert (entry.find(f"{ATOM_NS}content") is not None
                or entry.find(f"{ATOM_NS}link[@rel='alternate']") is not None)
    return doc


def test_the_schema_refuses_what_is_no_atom():
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    assert not schema.validate(etree.fromstring(
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>'))  # no id, no updated


@pytest.mark.parametrize("path", FEEDS)
@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_feed_is_valid_atom_and_parses(patched, path, lang):
    response = patched.test_client().get(f"{path}?lang={lang}")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    doc = _valid(response.data)
    assert doc.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries
    assert all(e.author and e.updated_parsed for e in parsed.entries)


@pytest.mark.parametrize("path", FEEDS[:2] + FEEDS[3:])
def test_a_project_patch_appears_with_its_note_role_and_links(patched, path):
    parsed = feedparser.parse(patched.test_client().get(path + "?lang=de").data)
    newest = parsed.entries[0]
    assert NOTE in newest.summary and "status_note" in newest.summary  # the note and what changed
    assert newest.author == "Quartiersmanagement Prohlis"  # the public role ...
    assert "erika" not in json.dumps(parsed, default=str)  # ... never the account
    assert newest.updated.endswith(("+01:00", "+02:00"))  # Dresden's time
    rels = {link.rel: link.href for link in newest.links}
    assert "recorded=" in rels["alternate"]  # the feature as it was recorded
    assert any(link.href.endswith(f"/items/{PROJECT}?f=html") for link in newest.links)  # as it is
    assert "<b>" not in newest.content[0].value  # the note is text, escaped in the HTML content


def test_english_feed_titles(patched):
    parsed = feedparser.parse(patched.test_client().get("/feed?lang=en").data)
    assert parsed.feed.title == "Changes in the register"
    assert parsed.entries[0].title.endswith(": changed")


def test_feeds_answer_304_to_their_etag(patched):
    client = patched.test_client()
    first = client.get("/feed")
    again = client.get("/feed", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_unknown_scopes_are_404_and_unknown_parameters_400(app):
    client = app.test_client()
    assert client.get("/areas/nowhere/feed").status_code == 404
    assert client.get("/collections/projects/items/nothing/feed").status_code == 404
    assert client.get("/collections/nothing/feed").status_code == 404
    assert client.get("/feed?page=2").status_code == 400


@pytest.mark.parametrize("page, feed", [
    ("/?f=html", "/feed"), ("/areas/prohlis?f=html", "/areas/prohlis/feed"),
    (f"/collections/projects/items/{PROJECT}?f=html", f"/collections/projects/items/{PROJECT}/feed"),
    ("/collections/projects?f=html", "/collections/projects/feed")])
def test_pages_link_their_feed(app, page, feed):
    html = app.test_client().get(page).data.decode()
    assert f'<link rel="alternate" type="application/atom+xml" href="{feed}"' in html


def test_api_documents_link_the_feeds(app):
    client = app.test_client()
    for path, feed in (("/?f=json", "/feed"), ("/collections/projects?f=json", "/collections/projects/feed")):
        hrefs = {link["href"] for link in client.get(path).json["links"]
                 if link["type"] == "application/atom+xml"}
        assert hrefs == {f"http://localhost{feed}"}
