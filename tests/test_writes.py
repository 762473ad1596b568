"""The one write path (geoservice/writes.py): change kinds and their labels, feature ETags.

On SQLite and PostgreSQL (the `make_app` fixture), through the Flask test client.
"""

from __future__ import annotations

import json
import re

import pytest

from geoservice import i18n
from geoservice.writes import KIND_LABELS, RETIRED, Kind, feature_etag, kind_label, record_of_etag

pytestmark = pytest.mark.both_stores  # the store matters here (tests/conftest.py)

GEOJSON = "application/geo+json"
FID = "masterplan-prohlis-2030"


def _token(app) -> str:
    result = app.test_cli_runner().invoke(args=["users", "add", "anna", "--role", "editor",
                                                "--organisation", "Quartiersmanagement Prohlis"])
    assert result.exit_code == 0, result.output
    return re.search(r"^token: (\S+)$", result.output, re.MULTILINE).group(1)


def test_every_kind_has_a_label_in_both_languages():
    assert set(KIND_LABELS) == {kind.value for kind in Kind}
    for kind in Kind:
        assert KIND_LABELS[kind] in i18n.EN, kind
        assert kind_label(kind) != kind.value
    assert kind_label("something-new") == "something-new"  # an unknown kind shows as stored


def test_a_feature_etag_names_its_record():
    assert feature_etag(17, "abc") == "17-abc"
    assert feature_etag(None, "abc") == "0-abc"
    assert record_of_etag('"17-abc"') == 17
    assert record_of_etag(feature_etag(5, RETIRED)) == 5
    assert record_of_etag('"xyz-1"') is None and record_of_etag("") is None


def test_after_a_put_the_public_history_shows_the_label_not_the_kind(make_app):
    app = make_app()
    client = app.test_client()
    token = _token(app)
    item = client.get(f"/collections/projects/items/{FID}", headers={"Accept": GEOJSON})
    feature = json.loads(item.data)
    feature["properties"]["description"] = "Ersetzt durch einen PUT."
    put = client.put(f"/collections/projects/items/{FID}", data=json.dumps(feature),
                     headers={"Content-Type": GEOJSON, "Authorization": f"Bearer {token}",
                              "If-Match": item.headers["ETag"], "X-Change-Note": "Beschreibung"})
    assert put.status_code == 200, put.data
    assert record_of_etag(put.headers["ETag"]) != record_of_etag(item.headers["ETag"])

    for lang, label in (("de", "Bearbeitung"), ("en", "edit")):
        doc = client.get(f"/collections/projects/items/{FID}/history", query_string={"f": "json", "lang": lang})
        last = doc.get_json()["records"][-1]
        assert (last["kind"], last["kind_label"]) == ("replace", label)
        page = client.get(f"/collections/projects/items/{FID}/history", query_string={"f": "html", "lang": lang})
        body = page.get_data(as_text=True)
        assert page.status_code == 200 and f"· {label}" in body
        assert "· replace" not in body, lang


@pytest.mark.parametrize("kind", list(Kind))
def test_kinds_are_stored_as_their_plain_value(kind):
    assert str(kind) == kind.value and isinstance(kind.value, str)
