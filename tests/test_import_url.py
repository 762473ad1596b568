"""`flask geodata import URL`: a collection of an OGC API - Features (the service itself) and a WFS 2.0,
both real HTTP servers on 127.0.0.1, read page by page through GDAL; unreachable and wrong URLs are
rejected with one message naming the URL and nothing written."""

from __future__ import annotations

import json
import socket
from urllib.parse import parse_qs

import pytest
import shapely
from conftest import GEODATA
from remote_servers import WFS_TYPENAME, ProcessServer

from geoservice import importer
from geoservice.storage.geojson import Feature
from geoservice.storage.sql import Author, Put

pytestmark = pytest.mark.both_stores  # the store matters here (tests/conftest.py)

NEW_TITLE = "Umbenannt für den Import per OGC API"


def run_import(app, *args):
    return app.test_cli_runner().invoke(args=["geodata", "import", *args])


def served(app) -> ProcessServer:
    """The app's database served by the service in a process of its own (see remote_servers.py)."""
    return ProcessServer("app", env={"DATABASE_URL": app.config["DATABASE_URL"], "DATA_DIR": str(GEODATA)})


def state(app, collection: str) -> dict[str, dict]:
    holder = app.extensions["geoservice"]
    holder.maybe_reload(force=True)
    frame = holder.dataset.collection(collection)
    return {row["id"]: row for row in frame.drop(columns="geometry").to_dict("records")} | {
        f"{fid}#geometry": geom for fid, geom in zip(frame["id"], frame.geometry, strict=True)}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_import_from_an_ogc_api_collection_pages_through_all_features(make_app, monkeypatch):
    source = make_app()
    store = source.extensions["geoservice"].store
    fid = source.extensions["geoservice"].dataset.projects["id"].iloc[3]
    last = store.history("projects", fid)[-1]
    store.write(Author("t", "Test"), "note", "update",
                [Put("projects", Feature(fid, {**last.properties, "title": NEW_TITLE}, last.wkb))])
    source.extensions["geoservice"].maybe_reload(force=True)
    target = make_app()
    before = target.extensions["geoservice"].store.signature()
    monkeypatch.setattr(importer, "PAGE_SIZE", 7)
    server = served(source)
    try:
        result = run_import(target, f"{server.url}/collections/projects", "--collection", "projects",
                            "--note", "Import per OGC API")
        pages = [parse_qs(q) for q in server.requested("/collections/projects/items")]
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    assert "imported: 40 features into projects from OGC:CRS84" in result.output
    assert "0 new, 1 changed, 0 retired, 39 unchanged" in result.output
    assert target.extensions["geoservice"].store.signature() != before
    # 40 projects at 7 per page: six pages, GDAL following the `next` links (offset 0, 7, ..., 35);
    # (the layer listing before the read probes one page of GDAL's default size)
    offsets = {int(q.get("offset", ["0"])[0]) for q in pages if q["limit"] == ["7"]}
    assert offsets == {0, 7, 14, 21, 28, 35}, pages
    imported, original = state(target, "projects"), state(source, "projects")
    assert {k: v["title"] for k, v in imported.items() if "#" not in k} == {
        k: v["title"] for k, v in original.items() if "#" not in k}
    assert imported[fid]["title"] == NEW_TITLE
    record = target.extensions["geoservice"].store.history("projects", fid)[-1]
    assert record.note == "Import per OGC API" and record.kind == "import"


@pytest.mark.parametrize("form", ["service=WFS in the URL", "WFS: prefix"])
def test_import_from_a_wfs_in_utm33(make_app, monkeypatch, tmp_path, form):
    collection = json.loads((GEODATA / "funding_areas.geojson").read_text(encoding="utf-8"))
    collection["features"][1]["properties"]["name"] = "Fördergebiet aus dem WFS"
    changed_id = collection["features"][1]["properties"]["id"]
    src = tmp_path / "wfs_source.geojson"
    src.write_text(json.dumps(collection), encoding="utf-8")
    target = make_app()
    original = state(target, "funding-areas")
    monkeypatch.setattr(importer, "PAGE_SIZE", 4)
    server = ProcessServer("wfs", str(src))
    try:
        url = f"{server.url}/wfs?service=WFS&version=2.0.0"
        result = run_import(target, url if form.startswith("service") else f"WFS:{url}", "--layer", WFS_TYPENAME,
                            "--collection", "funding-areas", "--note", "Import per WFS")
        pages = [parse_qs(q) for q in server.requested("REQUEST=GetFeature") if "RESULTTYPE=hits" not in q]
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    assert "imported: 6 features into funding-areas from EPSG:25833" in result.output
    assert sorted(int(q["STARTINDEX"][0]) for q in pages) == [0, 4] and all(q["COUNT"] == ["4"] for q in pages)
    imported = state(target, "funding-areas")
    assert imported[changed_id]["name"] == "Fördergebiet aus dem WFS"
    assert {k for k in imported if "#" not in k} == {k for k in original if "#" not in k}
    for key, geom in original.items():
        if key.endswith("#geometry"):  # CRS84 -> EPSG:25833 (served) -> CRS84 (imported)
            assert shapely.hausdorff_distance(geom, imported[key]) < 1e-6, key


def test_unreachable_wrong_and_foreign_urls_change_nothing(make_app):
    target = make_app()
    store = target.extensions["geoservice"].store
    before = store.signature()
    server = served(target)
    try:
        cases = {
            f"http://editor:s3cret@127.0.0.1:{closed_port()}/collections/projects": "Could not connect",
            f"{server.url}/collections/nothing": "404",
            f"{server.url}/": "choose one with --layer",  # the landing page, not a collection
            "ftp://127.0.0.1/projects.geojson": "only http:// and https://",
        }
        results = {url: run_import(target, url, "--collection", "projects") for url in cases}
    finally:
        server.stop()
    for url, result in results.items():
        shown = url.replace("editor:s3cret@", "")
        assert result.exit_code != 0, (url, result.output)
        lines = result.output.strip().splitlines()
        assert lines[0] == "import rejected, nothing written.", result.output
        assert lines[1].startswith(f"{shown}: 1 problem(s)") and len(lines) == 3, result.output
        assert cases[url] in lines[2] and "Traceback" not in result.output
        assert "s3cret" not in result.output and "editor" not in result.output
    assert store.signature() == before
