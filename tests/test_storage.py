"""Seeding and loading: a bad bundled file stops start-up with file, feature and problem; reload."""

from __future__ import annotations

import json
import threading
import time
from datetime import date

import pytest
import requests

from geoservice.errors import DataError
from geoservice.storage.geojson import Feature
from geoservice.storage.sql import Author, Put
from tests.conftest import LiveServer, wait_for

pytestmark = pytest.mark.both_stores  # the store matters here (tests/conftest.py)


def test_bad_data_stops_start_up_naming_file_and_feature(data_copy, make_app):
    path = data_copy / "funding_areas.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    collection["features"][3]["properties"]["valid_to"] = "1990-01-01"
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(DataError) as info:
        make_app(DATA_DIR=str(data_copy))
    message = str(info.value)
    assert "funding_areas.geojson" in message and "feature 4" in message and "1990-01-01" in message


def test_missing_file_stops_start_up(data_copy, make_app):
    (data_copy / "timeline.json").unlink()
    with pytest.raises(DataError, match="timeline.json: 1 problem"):
        make_app(DATA_DIR=str(data_copy))


def test_dataset_is_indexed_and_typed(app):
    data = app.extensions["geoservice"].dataset
    assert data.funding_areas.index.is_unique and data.projects.index.is_unique
    assert data.funding_areas.has_sindex and data.projects.has_sindex
    assert data.funding_areas["valid_from"].map(type).eq(type(data.funding_areas["valid_from"].iloc[0])).all()


def test_live_reload_serves_new_data_and_never_half_a_change(data_copy, make_app):
    app = make_app(DATA_DIR=str(data_copy), RELOAD_INTERVAL=0.2)
    server = LiveServer(app)
    url = f"{server.url}/collections/projects/items?limit=1000&f=json"
    statuses: list[int] = []
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            statuses.append(requests.get(url, timeout=10).status_code)

    reader = threading.Thread(target=hammer)
    reader.start()
    try:
        runner = app.test_cli_runner()
        path = data_copy / "projects.geojson"
        collection = json.loads(path.read_text(encoding="utf-8"))
        collection["features"][0]["properties"]["title"] = "Neuer Titel nach Import"
        src = data_copy.parent / "new_projects.geojson"
        src.write_text(json.dumps(collection), encoding="utf-8")
        result = runner.invoke(args=["geodata", "import", str(src), "--collection", "projects"])
        assert result.exit_code == 0, result.output
        titles: list[str] = []
        for _ in range(100):  # poll up to ~10 s; reload is checked every 0.2 s
            body = requests.get(url, timeout=10).json()
            titles = [f["properties"]["title"] for f in body["features"]]
            if "Neuer Titel nach Import" in titles:
                break
            time.sleep(0.1)
        assert "Neuer Titel nach Import" in titles
    finally:
        stop.set()
        reader.join()
        server.stop()
    assert statuses and set(statuses) == {200}


def test_invalid_stored_state_keeps_serving_old_data(make_app):
    app = make_app(RELOAD_INTERVAL=0)
    holder = app.extensions["geoservice"]
    version = holder.dataset.version
    last = holder.store.history("projects", "masterplan-prohlis-2030")[-1]
    broken = dict(last.properties, status="fertig")  # the store takes it; the loader's rules do not
    holder.store.write(Author("test", "Test"), "ungültiger Status", "update",
                       [Put("projects", Feature(last.fid, broken, last.wkb))])
    holder.maybe_reload()  # SQLite: now; PostgreSQL: the listener already tried on NOTIFY
    assert wait_for(lambda: holder.last_error is not None)
    assert holder.dataset.version == version
    assert "projects" in holder.last_error and "status 'fertig'" in holder.last_error


def test_new_year_moves_ongoing_projects_on(make_app):
    # an ongoing project without an end runs until "this year" (timeutil.project_days): the
    # worker rebuilds its state at New Year, with a new version, instead of keeping last year's
    app = make_app(RELOAD_INTERVAL=3600)
    holder = app.extensions["geoservice"]
    year = holder.dataset.this_year
    clock = [date(year, 12, 31)]
    holder.today = lambda: clock[0]
    client = app.test_client()

    def ongoing_in(day: str) -> bool:
        answer = client.get(f"/collections/projects/items?datetime={day}&limit=1000&f=json")
        assert answer.status_code == 200
        return "quartiersmanagement-prohlis-stadtteilbuero" in {f["id"] for f in answer.json["features"]}

    before = holder.dataset
    assert ongoing_in(f"{year}-12-31") and not ongoing_in(f"{year + 1}-01-15")
    clock[0] = date(year + 1, 1, 1)
    assert ongoing_in(f"{year + 1}-01-15")
    after = holder.dataset
    assert after is not before and after.this_year == year + 1 and after.version != before.version
    assert holder.dataset is after  # once: the same state for the rest of the year
