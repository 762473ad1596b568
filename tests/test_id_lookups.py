"""Every lookup of a feature by its id goes through the ids carried from state to state
(Dataset.position, domain/ids.py), never through a frame's pandas index: after a POST or a
DELETE (a new index) the first such lookup would build the index's hash table again (~45 ms
of CPU at 100,000 projects, per worker). The pages, feeds, mails, editor forms, histories and
time maps that look features up answer as before (found, 404 for unknown and retired ids, a
past state finds what it served) while the served frames' indexes build no hash table.

SQLite only: the store does not matter here (tests/test_snapshot_delta.py compares applied
states with full loads on both).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geoservice.domain.schema import COLLECTIONS, FUNDING_AREAS, PROJECTS
from geoservice.mail import compose
from geoservice.storage import changelog, mailing
from geoservice.storage.geojson import Feature
from geoservice.storage.writer import Author, Kind, Put, Retire
from tests.test_editor import _account, _login

AUTHOR = Author("test", "Test")
HTML = {"Accept": "text/html", "Accept-Language": "de"}
ITEMS = "/collections/projects/items"


def _built(frame) -> bool:
    """True once pandas built the hash table of the frame's index (its engine, cached)."""
    return "_engine" in frame.index._cache


def _apply(holder, written) -> None:
    loads, applied = holder.loads, holder.applied
    holder.maybe_reload(force=True)
    assert holder.dataset.change_id == written.change_id
    assert (holder.loads, holder.applied) == (loads, applied + 1)  # applied, not loaded whole


@pytest.fixture()
def changed(make_app):
    """An app whose served state had a project retired (DELETE), one created (POST) and a
    funding area changed applied to it; the ids involved."""
    app = make_app(RELOAD_INTERVAL=0, WTF_CSRF_ENABLED=True, SMTP_HOST="127.0.0.1",
                   MAIL_FROM="register@example.org", BASE_URL="http://localhost")
    holder = app.extensions["geoservice"]
    store = holder.store
    kept, model, retired = holder.dataset.projects.index[:3]
    before_retired = datetime.now(UTC)
    written = store.write(AUTHOR, "stilllegen", Kind.RETIRE, [Retire(PROJECTS.name, retired)])
    _apply(holder, written)
    record = store.history(PROJECTS.name, model)[-1]
    new = Feature("ganz-neu", {**record.properties, "id": "ganz-neu", "title": "Ganz neu"}, record.wkb)
    _apply(holder, store.write(AUTHOR, "neu", Kind.CREATE, [Put(PROJECTS.name, new)]))
    version = holder.dataset.funding_areas.index[-1]
    area = store.history(FUNDING_AREAS.name, version)[-1]
    _apply(holder, store.write(AUTHOR, "Notiz", Kind.UPDATE, [Put(FUNDING_AREAS.name, Feature(
        version, {**area.properties, "note": "geändert"}, area.wkb))]))
    return app, {"kept": kept, "new": "ganz-neu", "retired": retired, "version": version,
                 "area": area.properties["area_id"], "before_retired": before_retired}


def test_lookups_by_id_answer_without_pandas_index_hash_tables(changed):
    app, ids = changed
    holder = app.extensions["geoservice"]
    data = holder.dataset
    assert not any(_built(data.collection(name)) for name in COLLECTIONS)  # new indexes
    kept, new, retired, version = ids["kept"], ids["new"], ids["retired"], ids["version"]
    client = app.test_client()
    account, password = _account(app)
    assert _login(client, account.name, password).status_code == 303

    # a boundary version by its id: the time map names the version's area (first: the pages that
    # filter the areas by a column build that small frame's table anyway, as numpy reading a
    # boolean Series asks pandas' NDFrame.__getattr__, which asks the index)
    versions = f"/collections/funding-areas/items/{version}/versions"
    answer = client.get(versions, headers={"Accept": "application/json"})
    assert answer.status_code == 404 and f"is a version of area '{ids['area']}'" in answer.get_data(as_text=True)
    assert not any(_built(data.collection(name)) for name in COLLECTIONS)

    recorded = ids["before_retired"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    expected = {
        f"{ITEMS}/{kept}?f=html": 200, f"{ITEMS}/{new}?f=html": 200,
        f"{ITEMS}/{retired}?f=html": 404, f"{ITEMS}/gibt-es-nicht?f=html": 404,
        f"{ITEMS}/{retired}?f=html&recorded={recorded}": 200,  # a past state served it
        f"{ITEMS}/{kept}?f=json": 200, f"{ITEMS}/{retired}?f=json": 404,
        f"{ITEMS}/{retired}/history?f=json": 200, f"{ITEMS}/{kept}/history?f=html": 200,
        f"{ITEMS}/{retired}/feed": 200, f"{ITEMS}/{new}/feed": 200, "/feed": 200,
        f"/areas/{ids['area']}?f=html": 200,  # its steps look their versions up by id
        f"/abonnieren?project={kept}": 200, f"/abonnieren?project={retired}": 404,
        f"/edit/projects/{kept}": 200, f"/edit/projects/{new}/retire": 200,
        f"/edit/projects/{retired}": 404, f"/edit/projects/{retired}/history": 200,
    }
    answers = {}
    for url in expected:
        response = client.get(url, headers=HTML)
        answers[url] = (response.status_code, response.get_data(as_text=True))
        assert not _built(data.projects), url
    assert {url: status for url, (status, _body) in answers.items()} == expected
    assert "Ganz neu" in answers[f"{ITEMS}/{new}?f=html"][1]
    assert client.get(f"{ITEMS}/{retired}/history?f=json").get_json()["published"] is False
    assert client.get(f"{ITEMS}/{kept}/history?f=json").get_json()["published"] is True
    past = holder.at(holder.store.state_at(ids["before_retired"].replace(tzinfo=None)))
    assert past.historical and past.position(PROJECTS.name, retired) is not None
    assert not _built(past.projects)

    # the mails: a project subscription's title, and where a change's link leads
    with app.test_request_context("/"):
        def title(fid: str) -> str:
            return compose.scope_title(mailing.Subscription(
                0, "", mailing.PROJECT, fid, "de", mailing.DAILY, "", None, None, None))
        assert title(new) == "das Projekt „Ganz neu“" and title(retired) == f"das Projekt „{retired}“"
        entries = changelog.recent(holder.store.engine, 10, data.change_id, [PROJECTS.name])
        links = {entry.fid: compose._item(entry, "de")["link"] for entry in entries}
        assert links[retired].endswith("/history?f=html") and not links[new].endswith("/history?f=html")
    assert not _built(data.projects)


def test_one_lookup_by_id_for_every_state(changed):
    """Dataset.position and Dataset.row answer what the frame's own index answers (a row, or
    None for unknown, retired and unhashable ids), in the served state and in a full load."""
    app, ids = changed
    holder = app.extensions["geoservice"]
    served = holder.dataset
    loaded = holder.store.load(this_year=served.this_year)
    for data in (served, loaded):
        for name in COLLECTIONS:
            frame = data.collection(name)
            for pos, fid in enumerate(frame.index):
                assert data.position(name, fid) == pos
                assert data.row(name, fid).equals(frame.iloc[pos])
            for absent in ("gibt-es-nicht", ids["retired"], ["not", "hashable"]):
                assert data.position(name, absent) is None and data.row(name, absent) is None
    assert served.row(PROJECTS.name, ids["new"]).name == ids["new"]
    assert served.row(PROJECTS.name, ids["new"])["title"] == "Ganz neu"
