"""The WSGI response cache: repeated GETs skip Flask, reloads and cookies are respected."""

from __future__ import annotations

import pytest

from geoservice.storage.geojson import Feature
from geoservice.storage.sql import Author, Put
from tests.conftest import wait_for


@pytest.fixture()
def counted(data_copy, make_app):
    app = make_app(DATA_DIR=str(data_copy), RELOAD_INTERVAL=0)
    calls: list[str] = []
    app.before_request(lambda: calls.append("flask") and None)
    return app, calls, data_copy


def test_repeated_get_is_served_without_flask(counted):
    app, calls, _ = counted
    client = app.test_client()
    first = client.get("/collections/projects/items?limit=3")
    second = client.get("/collections/projects/items?limit=3")
    assert first.data == second.data and second.headers["ETag"] == first.headers["ETag"]
    assert calls == ["flask"]
    client.get("/collections/projects/items?limit=3", headers={"Accept-Language": "en"})
    assert len(calls) == 2  # another variant is another entry


def test_conditional_and_errors_go_through_flask(counted):
    app, calls, _ = counted
    client = app.test_client()
    tag = client.get("/conformance").headers["ETag"]
    assert client.get("/conformance", headers={"If-None-Match": tag}).status_code == 304
    client.get("/collections/nowhere")
    client.get("/collections/nowhere")
    assert len(calls) == 4


def test_language_switch_with_cookie_is_not_cached(counted):
    app, calls, _ = counted
    client = app.test_client()
    assert "lang=en" in client.get("/collections?lang=en&f=html").headers.get("Set-Cookie", "")
    client.delete_cookie("lang")
    client.get("/collections?lang=en&f=html")
    assert len(calls) == 2


def test_an_answer_kept_for_a_remembered_language_still_sets_the_cookie_for_others(counted):
    """A client that already has the cookie gets an answer without Set-Cookie; kept, it was
    replayed to a new client asking ?lang=en, whose choice was then never remembered."""
    app, _, _ = counted
    regular = app.test_client()
    regular.get("/?lang=en", headers={"Accept": "text/html"})  # sets the cookie
    for _ in range(2):  # with the cookie: no Set-Cookie
        assert "Set-Cookie" not in regular.get("/?lang=en", headers={"Accept": "text/html"}).headers
    newcomer = app.test_client()
    answer = newcomer.get("/?lang=en", headers={"Accept": "text/html"})
    assert "lang=en" in answer.headers.get("Set-Cookie", "")
    assert b'<html lang="en"' in newcomer.get("/compare", headers={"Accept": "text/html"}).data


def test_reload_empties_the_cache(counted):
    app, calls, _data = counted
    client = app.test_client()
    assert client.get("/collections/projects/items/masterplan-prohlis-2030").status_code == 200
    store = app.extensions["geoservice"].store
    last = store.history("projects", "masterplan-prohlis-2030")[-1]
    store.write(Author("test", "Test"), "Titel geändert", "update", [Put(
        "projects", Feature(last.fid, dict(last.properties, title="Masterplan, neu geladen"), last.wkb))])
    assert wait_for(lambda: client.get("/collections/projects/items/masterplan-prohlis-2030")
                    .get_json()["properties"]["title"] == "Masterplan, neu geladen")
    assert calls[:2] == ["flask", "flask"]  # the first answer after the change came through Flask
