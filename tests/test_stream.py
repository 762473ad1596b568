"""The change stream (`/collections/{c}/changes?after=`): a client that follows it from the start
and stores the last cursor reproduces the collection's current state exactly, never misses a
change and never gets one twice — also while 8 writers write through two service instances on
one PostgreSQL and the client reads concurrently.
"""

from __future__ import annotations

import json
import threading

import shapely

from geoservice import create_app
from tests.conftest import GEODATA, build_app, new_database
from tests.test_edit_api import GEOJSON, MERGE_PATCH, add_user, project


class Follower:
    """A client of the stream: applies each change once, remembers the last cursor."""

    def __init__(self, client, collection: str = "projects", limit: int = 7):
        self.client, self.collection, self.limit = client, collection, limit
        self.cursor, self.state, self.seen = 0, {}, []

    def poll(self) -> bool:
        """Read one page and apply it; return True when it reached the newest change."""
        response = self.client.get(f"/collections/{self.collection}/changes?after={self.cursor}"
                                   f"&limit={self.limit}")
        assert response.status_code == 200, response.data
        page = response.json
        for change in page["changes"]:
            assert change["cursor"] > self.cursor  # ordered, nothing given twice
            self.seen.append(change["cursor"])
            if change["change"] == "retired":
                assert change["id"] in self.state  # never a retirement of something unknown
                del self.state[change["id"]]
            else:
                assert (change["change"] == "created") == (change["id"] not in self.state)
                self.state[change["id"]] = change["feature"]
            self.cursor = change["cursor"]
        assert page["cursor"] == self.cursor
        return page["complete"]

    def drain(self) -> None:
        while not self.poll():
            pass


def current_state(app, collection: str = "projects") -> dict:
    """The collection's current features as the store holds them (not via the stream)."""
    _, _, features = app.extensions["geoservice"].store.features()
    return {f.fid: {"type": "Feature", "id": f.fid,
                    "geometry": json.loads(shapely.to_geojson(shapely.from_wkb(f.wkb))),
                    "properties": f.properties} for f in features[collection]}


def _headers(token: str, etag: str | None = None, note: str = "Stream-Test", patch: bool = False):
    headers = {"Authorization": f"Bearer {token}", "X-Change-Note": note, "Accept": GEOJSON,
               "Content-Type": MERGE_PATCH if patch else GEOJSON}
    if etag:
        headers["If-Match"] = etag
    return headers


def writer_run(client, token: str, name: str, errors: list) -> None:
    """Create two projects, change and retire them: five changes through one instance."""
    try:
        made = {}
        for title in (f"{name} eins", f"{name} zwei"):
            response = client.post("/collections/projects/items", data=json.dumps(project(title)),
                                   headers=_headers(token))
            assert response.status_code == 201, response.data
            made[response.json["id"]] = response.headers["ETag"]
        first, second = made
        response = client.patch(f"/collections/projects/items/{first}",
                                data=json.dumps({"properties": {"status": "laufend"}}),
                                headers=_headers(token, made[first], patch=True))
        assert response.status_code == 200, response.data
        first_etag = response.headers["ETag"]
        response = client.patch(f"/collections/projects/items/{second}",
                                data=json.dumps({"properties": {"status_note": name}}),
                                headers=_headers(token, made[second], patch=True))
        assert response.status_code == 200, response.data
        response = client.delete(f"/collections/projects/items/{first}",
                                 headers=_headers(token, first_etag))
        assert response.status_code in (200, 204), response.data
    except BaseException as exc:  # reported by the test's thread
        errors.append(exc)


def test_following_from_the_start_reproduces_the_state_sqlite(tmp_path):
    app = build_app("sqlite", tmp_path)
    token = add_user(app, "schreiber")["token"]
    follower = Follower(app.test_client(), limit=5)
    follower.drain()
    assert follower.state == current_state(app)
    errors: list = []
    writer_run(app.test_client(), token, "Allein", errors)
    assert not errors, errors
    follower.drain()
    assert follower.state == current_state(app)
    assert len(follower.seen) == len(set(follower.seen))
    app.extensions["geoservice"].close()


def test_pages_refuse_bad_cursors_and_full_pages_are_cacheable(tmp_path):
    app = build_app("sqlite", tmp_path)
    client = app.test_client()
    assert client.get("/collections/projects/changes?after=-1").status_code == 400
    assert client.get("/collections/projects/changes?after=x").status_code == 400
    assert client.get("/collections/projects/changes?since=1").status_code == 400
    assert client.get("/collections/nothing/changes").status_code == 404
    full = client.get("/collections/projects/changes?limit=2")
    assert full.json["complete"] is False and "no-cache" not in full.headers["Cache-Control"]
    tail = client.get(f"/collections/projects/changes?after={full.json['cursor']}&limit=1000")
    assert tail.json["complete"] is True and tail.headers["Cache-Control"] == "private, no-cache"
    again = client.get(tail.request.full_path, headers={"If-None-Match": tail.headers["ETag"]})
    assert again.status_code == 304
    app.extensions["geoservice"].close()


def test_eight_writers_on_two_instances_and_a_concurrent_reader_postgresql(tmp_path):
    url = new_database("postgresql", tmp_path)
    settings = {"TESTING": True, "DATA_DIR": str(GEODATA)}
    one = create_app({**settings, "DATABASE_URL": url})
    two = create_app({**settings, "DATABASE_URL": url})  # a second instance on the same database
    try:
        token = add_user(one, "schreiber")["token"]
        errors: list = []
        writers = [threading.Thread(target=writer_run,
                                    args=((one, two)[i % 2].test_client(), token, f"Schreiber {i}",
                                          errors)) for i in range(8)]
        follower = Follower(two.test_client(), limit=3)
        for thread in writers:
            thread.start()
        while any(t.is_alive() for t in writers):  # reading while the writers write
            follower.poll()
        for thread in writers:
            thread.join()
        assert not errors, errors
        follower.drain()
        assert follower.state == current_state(one)
        assert len(follower.seen) == len(set(follower.seen))
        created = [f for f in follower.state.values() if f["properties"]["title"].startswith("Schreiber")]
        assert len(created) == 8  # each writer's second project; the first ones are retired
    finally:
        one.extensions["geoservice"].close()
        two.extensions["geoservice"].close()
