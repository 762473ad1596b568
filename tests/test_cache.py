"""The WSGI response cache: repeated GETs skip Flask, reloads and cookies are respected."""

from __future__ import annotations

import json

import pytest

from geoservice import create_app


@pytest.fixture()
def counted(data_copy):
    app = create_app({"TESTING": True, "DATA_DIR": str(data_copy), "RELOAD_INTERVAL": 0})
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


def test_reload_empties_the_cache(counted):
    app, calls, data = counted
    client = app.test_client()
    assert client.get("/collections/projects/items/masterplan-prohlis-2030").status_code == 200
    path = data / "projects.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        if feature["id"] == "masterplan-prohlis-2030":
            feature["properties"]["title"] = "Masterplan, neu geladen"
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    body = client.get("/collections/projects/items/masterplan-prohlis-2030").get_json()
    assert body["properties"]["title"] == "Masterplan, neu geladen" and len(calls) == 2
