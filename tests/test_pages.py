"""Map pages through the Flask test client: status, embed mode, language, escaping, caching."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import brotli
import pytest

from geoservice import i18n
from geoservice.web import strings  # noqa: F401  (registers the English UI strings)

ROOT = Path(__file__).resolve().parents[1]
HTML = {"Accept": "text/html"}
HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def _data(app):
    return app.extensions["geoservice"].dataset


@pytest.fixture()
def pages(app) -> list[str]:
    data = _data(app)
    area_id = data.funding_areas["area_id"].iloc[-1]
    return ["/", "/compare?from=2003&to=2021", f"/areas/{area_id}",
            f"/collections/projects/items/{data.projects.index[0]}"]


def _get(client, path: str, **headers):
    return client.get(path, headers={**HTML, "Accept-Language": "de", **headers})


def test_every_page_renders_with_notice_and_only_local_assets(client, pages):
    for path in pages:
        response = _get(client, path)
        assert response.status_code == 200, path
        assert response.mimetype == "text/html"
        body = response.get_data(as_text=True)
        assert "Schematische Rekonstruktion, nicht die rechtsverbindliche Grenze" in body
        assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', body)
        assert assets and all(a.startswith(("/", "data:")) for a in assets), (path, assets)
        assert "cdn" not in body and "code.jquery.com" not in body
        assert 'class="site-header"' in body and "<footer" in body


def test_embed_mode_drops_header_and_footer(client, pages):
    for path in pages:
        response = _get(client, path + ("&" if "?" in path else "?") + "embed=1")
        assert response.status_code == 200, (path, response.get_data(as_text=True)[-400:])
        body = response.get_data(as_text=True)
        assert "<header" not in body and "<footer" not in body, path
        assert 'class="folium-map gs-map"' in body


def test_english_by_query_header_and_cookie(client):
    english = client.get("/?lang=en", headers=HTML)
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Projects and funding areas" in english.get_data(as_text=True)
    assert "lang=en" in english.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/compare", headers=HTML).get_data(as_text=True)
    fresh = client.application.test_client()
    body = fresh.get("/", headers={**HTML, "Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in body
    assert '<html lang="de">' in fresh.get("/", headers=HTML).get_data(as_text=True)


def test_language_switch_links_keep_the_parameters(client):
    body = _get(client, "/compare?from=2004&to=2018").get_data(as_text=True)
    assert 'href="/compare?from=2004&amp;to=2018&amp;lang=en"' in body


def test_pages_are_cached_and_answer_304(client, app):
    first = _get(client, "/")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"] and "Cookie" in first.headers["Vary"]
    assert _get(client, "/").headers["ETag"] == etag
    again = _get(client, "/", **{"If-None-Match": etag})
    assert again.status_code == 304
    assert _get(client, "/?lang=en").headers["ETag"] != etag
    keys = [k for k in _data(app)._memo if isinstance(k, tuple) and k[0] == "page"]
    assert any(k[1] == "home" for k in keys)


def test_embedded_geojson_is_serialized_once_per_dataset(client, app):
    from geoservice.web import maps

    _get(client, "/")
    data = _data(app)
    assert maps.projects_geojson(data) is maps.projects_geojson(data)
    assert maps.embedded_json(data, "projects") is maps.embedded_json(data, "projects")
    assert ("maps", "projects-json") in data._memo and ("maps", "areas-json") in data._memo


@pytest.mark.parametrize("query, name", [
    ("from=abc", "from"), ("to=20x1", "to"), ("from=2021-13-01", "from"), ("from=2021&to=2003", "from"),
])
def test_compare_rejects_bad_years_naming_them(client, query, name):
    response = client.get(f"/compare?{query}", headers=HTML)
    assert response.status_code == 400
    assert name in response.get_data(as_text=True)


def test_compare_json_error_for_api_clients(client):
    response = client.get("/compare?from=abc", headers={"Accept": "application/json"})
    assert response.status_code == 400 and "from" in response.json["description"]


@pytest.mark.parametrize("path", ["/areas/no-such-area", "/collections/projects/items/no-such-project"])
def test_unknown_ids_are_404(client, path):
    response = client.get(path, headers=HTML)
    assert response.status_code == 404
    assert "no-such" in response.get_data(as_text=True)


def test_compare_lists_hectares_of_each_part(client, app):
    from datetime import date

    from geoservice.domain import areas

    body = _get(client, "/compare?from=2003&to=2021").get_data(as_text=True)
    for part in areas.changes(_data(app).funding_areas, date(2003, 1, 1), date(2021, 1, 1)):
        assert f'data-change="{part.change}"' in body
        assert f"{part.area_ha:.1f}".replace(".", ",") + " ha" in body  # areas to 0.1 ha


def test_fact_sheet_lists_versions_and_steps(client, app):
    from geoservice.domain import areas

    data = _data(app)
    area_id = "prohlis" if "prohlis" in set(data.funding_areas["area_id"]) else data.funding_areas["area_id"].iloc[0]
    body = _get(client, f"/areas/{area_id}").get_data(as_text=True)
    for step in areas.steps(data.funding_areas, area_id):
        assert step.version["id"] in body
    assert body.count('class="gs-step-map"') == len(areas.steps(data.funding_areas, area_id))
    assert 'action="/inside"' in body  # the inside check over all areas (no-JS fallback)


def test_hostile_title_is_escaped_everywhere(data_copy, make_app):
    path = data_copy / "projects.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    collection["features"][0]["properties"]["title"] = HOSTILE
    fid = collection["features"][0]["properties"]["id"]
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    client = make_app(DATA_DIR=str(data_copy)).test_client()
    for page in ("/", f"/collections/projects/items/{fid}"):
        body = client.get(page, headers=HTML).get_data(as_text=True)
        assert "<img src=x" not in body and "<script>window.__xss" not in body
        assert "&lt;img src=x onerror=" in body  # shown as text in the HTML parts
        assert "\\u003cimg src=x" in body  # and as inert JSON in the map data


# --------------------------------------------------------------------------- translations

_CALL = re.compile(r"""\b_\(\s*((?:"(?:[^"\\]|\\.)*"\s*|'(?:[^'\\]|\\.)*'\s*)+)""")
_LITERAL = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")


def _ui_strings() -> dict[str, str]:
    """Return every _("...") msgid in the map pages' templates and Python, with its file."""
    files = [ROOT / "templates/base.html", *sorted((ROOT / "templates").glob("_*.html")),
             *sorted((ROOT / "templates/pages").glob("*.html")),
             *sorted((ROOT / "geoservice/web").glob("*.py"))]
    found = {}
    for path in files:
        for call in _CALL.finditer(path.read_text(encoding="utf-8")):
            msgid = "".join(a or b for a, b in _LITERAL.findall(call.group(1)))
            found.setdefault(msgid, path.name)
    return found


def test_every_ui_string_has_an_english_translation():
    found = _ui_strings()
    assert len(found) > 100  # the scanner really sees the pages' strings
    missing = {msgid: where for msgid, where in found.items() if msgid not in i18n.EN}
    assert missing == {}


def test_english_placeholders_match_german():
    for msgid in _ui_strings():
        english = i18n.EN.get(msgid, msgid)
        assert set(re.findall(r"{\w+}", english)) == set(re.findall(r"{\w+}", msgid)), msgid


def test_project_with_a_line_geometry_gets_a_marker_and_a_shape(data_copy, make_app):
    path = data_copy / "projects.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    feature = collection["features"][0]
    lon, lat = feature["geometry"]["coordinates"][:2]
    feature["geometry"] = {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.002, lat + 0.001]]}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    app = make_app(DATA_DIR=str(data_copy))
    from geoservice.web import maps

    embedded = maps.projects_geojson(_data(app))
    line = next(f for f in embedded["features"] if f["id"] == feature["properties"]["id"])
    assert line["geometry"]["type"] == "LineString"
    assert lon <= line["properties"]["lon"] <= lon + 0.002
    client = app.test_client()
    assert client.get(f"/collections/projects/items/{feature['properties']['id']}", headers=HTML).status_code == 200


# --------------------------------------------------------------------------- static files

def _assets(body: str) -> list[str]:
    return [u.replace("&amp;", "&") for u in re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', body)]


def test_static_files_are_fingerprinted_compressed_and_cacheable(client, app):
    body = _get(client, "/").get_data(as_text=True)
    assets = _assets(body)
    assert any("vendor/leaflet/leaflet.js?v=" in a for a in assets)  # vendor files too
    assert assets and all(re.search(r"\?v=[0-9a-f]{16}$", a) for a in assets), assets
    for url in assets:
        path = ROOT / "geoservice" / url.split("?")[0].removeprefix("/")
        raw = path.read_bytes()
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200 and plain.data == raw
        assert plain.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Accept-Encoding" in plain.headers["Vary"]
        assert "Content-Encoding" not in plain.headers
        gz = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data) == raw
        assert len(gz.data) < len(raw)
        br = client.get(url, headers={"Accept-Encoding": "gzip, br"})
        assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.data) == raw
        assert len({plain.headers["ETag"], gz.headers["ETag"], br.headers["ETag"]}) == 3
        fresh = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": gz.headers["ETag"]})
        assert fresh.status_code == 304 and fresh.data == b""


def test_static_url_follows_the_content(client, app, tmp_path):
    url = next(a for a in _assets(_get(client, "/").get_data(as_text=True)) if "site.css" in a)
    stale = client.get(url.split("?")[0] + "?v=0000000000000000")
    assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]
    bare = client.get(url.split("?")[0])  # e.g. an image Leaflet's CSS names relatively
    assert "immutable" not in bare.headers["Cache-Control"] and bare.headers["ETag"]
    assert client.get("/static/../geoservice/config.py").status_code == 404
    assert client.get("/static/css/none.css").status_code == 404


def test_fact_sheet_of_a_date_and_its_errors(client):
    body = _get(client, "/areas/prohlis?datetime=2016").get_data(as_text=True)
    assert "im Jahr 2016: prohlis-2016" in body
    body = _get(client, "/areas/prohlis-am-koitschgraben?datetime=2004-07&lang=en").get_data(as_text=True)
    assert "in Jul 2004: prohlis-am-koitschgraben-2004." in body
    instant = _get(client, "/areas/prohlis?datetime=2018-06-01T10:00:00Z&lang=de").get_data(as_text=True)
    assert "am 01.06.2018: prohlis-2016" in instant and "datetime=2018-06-01&amp;lang=en" in instant
    bad = _get(client, "/areas/prohlis?datetime=2016-13")
    assert bad.status_code == 400 and "2016-13" in bad.get_data(as_text=True)


def test_items_page_has_a_map_of_its_rows_and_embeds(client):
    body = _get(client, "/collections/projects/items?limit=3&offset=2").get_data(as_text=True)
    assert body.count('<tr data-id="') == 3
    features = re.search(r"GS\.items\(\w+, (\{.*?\}), \{", body).group(1)
    assert len(json.loads(features)["features"]) == 3
    embedded = _get(client, "/collections/projects/items?limit=3&embed=1").get_data(as_text=True)
    assert "<header" not in embedded and 'class="api"' not in embedded and 'class="folium-map gs-map"' in embedded
