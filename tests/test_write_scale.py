"""Writes at scale: a write is answered 2xx with the stored feature whatever the collection's size,
and what is not the data (accounts) never touches the data's state.

SQLite (the default store), through the Flask test client; the lazy/eager threshold of the
serialized features is lowered so a large collection's path runs on the bundled data.
"""

from __future__ import annotations

import json
import re

from geoservice.api import features
from geoservice.storage import sql
from geoservice.writes import record_of_etag

GEOJSON = "application/geo+json"
MERGE_PATCH = "application/merge-patch+json"
FID = "masterplan-prohlis-2030"


def _token(app, name: str = "anna") -> str:
    result = app.test_cli_runner().invoke(args=["users", "add", name, "--role", "editor",
                                                "--organisation", "Quartiersmanagement Prohlis"])
    assert result.exit_code == 0, result.output
    return re.search(r"^token: (\S+)$", result.output, re.MULTILINE).group(1)


def _headers(token: str, etag: str | None = None, content_type: str = GEOJSON) -> dict:
    headers = {"Content-Type": content_type, "Accept": GEOJSON, "Authorization": f"Bearer {token}",
               "X-Change-Note": "Test"}
    if etag:
        headers["If-Match"] = etag
    return headers


def test_writes_above_the_lazy_threshold_answer_the_stored_feature(make_app, monkeypatch):
    monkeypatch.setattr(features, "EAGER_LIMIT", 10)  # 40 bundled projects: serialized lazily
    app = make_app()
    data = app.extensions["geoservice"].dataset
    assert len(data.projects) > features.EAGER_LIMIT
    client, token = app.test_client(), _token(app)
    etag = client.get(f"/collections/projects/items/{FID}", headers={"Accept": GEOJSON}).headers["ETag"]

    patched = client.patch(f"/collections/projects/items/{FID}", headers=_headers(token, etag, MERGE_PATCH),
                           data=json.dumps({"properties": {"status_note": "groß geschrieben"}}))
    assert patched.status_code == 200, patched.data
    assert json.loads(patched.data)["properties"]["status_note"] == "groß geschrieben"
    stored = client.get(f"/collections/projects/items/{FID}", headers={"Accept": GEOJSON})
    assert json.loads(stored.data)["properties"]["status_note"] == "groß geschrieben"
    assert record_of_etag(stored.headers["ETag"]) == record_of_etag(patched.headers["ETag"])

    feature = json.loads(stored.data)
    feature["properties"]["description"] = "Ersetzt."
    replaced = client.put(f"/collections/projects/items/{FID}", headers=_headers(token, stored.headers["ETag"]),
                          data=json.dumps(feature))
    assert replaced.status_code == 200, replaced.data
    assert json.loads(replaced.data)["properties"]["description"] == "Ersetzt."

    new = {**feature, "id": None, "properties": {**feature["properties"], "title": "Ganz neu"}}
    created = client.post("/collections/projects/items", headers=_headers(token), data=json.dumps(new))
    assert created.status_code == 201, created.data
    assert json.loads(created.data)["id"] == "ganz-neu"


def test_an_account_change_does_not_reload_the_data(make_app, monkeypatch):
    app = make_app()
    holder = app.extensions["geoservice"]
    validated = []  # whole states validated inside a write (a full load at 100,000 projects)
    monkeypatch.setattr(sql, "check_state", lambda conn, change_id: validated.append(change_id))
    before, loads, signature = holder.dataset, holder.loads, holder.store.signature()
    token = _token(app)
    for args in (["users", "add", "bernd", "--role", "admin"], ["users", "token", "anna"],
                 ["users", "disable", "bernd"]):
        assert app.test_cli_runner().invoke(args=args).exit_code == 0
    assert holder.store.signature() == signature
    assert holder.maybe_reload(force=True) is False
    assert holder.loads == loads and holder.dataset is before

    # a change of the data, in contrast, is served at once
    client = app.test_client()
    token = _token(app, "carla")
    etag = client.get(f"/collections/projects/items/{FID}", headers={"Accept": GEOJSON}).headers["ETag"]
    patched = client.patch(f"/collections/projects/items/{FID}", headers=_headers(token, etag, MERGE_PATCH),
                           data=json.dumps({"properties": {"status": "laufend"}}))
    assert patched.status_code == 200, patched.data
    assert holder.store.signature() != signature and holder.dataset is not before
    assert holder.dataset.projects.loc[FID, "status"] == "laufend"
    assert validated == []  # it lands on the state served: the accounts' changes do not count
