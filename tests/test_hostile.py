"""Hostile input: every one is answered with a 4xx that names the bad value, never a 500.

Each case runs on SQLite and on PostgreSQL (the `client` fixture). The answer must be a client
error (4xx), and its description must contain the offending value (or, for what cannot be
echoed, the parameter), so a caller sees what to change.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.both_stores  # the store matters here (tests/conftest.py)

ITEMS = "/collections/projects/items"
AREAS = "/collections/funding-areas/items"
LONG_CODE = "9" * 4301  # one digit over Python's int-from-string limit (ValueError, not 400)
ARABIC_123 = "\u0661\u0662\u0663"  # ١٢٣
ARABIC_10 = "\u0661\u0660"  # ١٠
ARABIC_3 = "\u0663"  # ٣
FULLWIDTH_BBOX = "\uff11\uff13.\uff17,\uff15\uff11,\uff11\uff13.\uff18,\uff15\uff11.\uff11"  # １３.７,...


def q(text: str) -> str:
    return quote(text, safe=",:/.-")


# (path, expected status, text the description must contain)
HOSTILE = [
    # a repeated sort field (pandas raised "column label is not unique": a 500)
    (f"{ITEMS}?sortby=title,title", 400, "title"),
    (f"{ITEMS}?sortby=start_year,-start_year", 400, "start_year"),
    (f"{AREAS}?sortby=+valid_from,-valid_from", 400, "valid_from"),
    # CRS codes too long for int() (ValueError: exceeds the limit of 4300 digits: a 500)
    (f"{ITEMS}?crs=EPSG:{LONG_CODE}", 400, "crs: 'EPSG:999"),
    (f"{ITEMS}?bbox=13.7,51,13.8,51.1&bbox-crs=EPSG:{LONG_CODE}", 400, "bbox-crs: 'EPSG:999"),
    (f"/locate?x=411000&y=5650000&crs=EPSG:{LONG_CODE}", 400, "crs: 'EPSG:999"),
    (f"{ITEMS}?crs=EPSG:{q(ARABIC_123)}", 400, "crs"),
    # coordinates outside their CRS's area of use (was: a 200 with a point near the South Pole)
    ("/locate?x=411000&y=1e308", 400, "y: '1e308'"),
    ("/locate?x=411000&y=1e20", 400, "y: '1e20'"),
    ("/locate?x=-1e308&y=5650000", 400, "x: '-1e308'"),
    ("/locate?x=0&y=0", 400, "x: '0'"),
    ("/locate?x=411000&y=5650000&crs=EPSG:4326", 400, "x: '411000'"),
    ("/locate?x=1e10&y=1e10&crs=EPSG:3857", 400, "x: '1e10'"),
    ("/locate?lon=181&lat=51", 400, "lon: '181'"),
    ("/locate?lon=13.8&lat=-90.5", 400, "lat: '-90.5'"),
    ("/locate?lon=13.8&lat=1e309", 400, "lat: '1e309'"),
    ("/locate?lon=inf&lat=51", 400, "lon: 'inf'"),
    ("/locate?lon=nan&lat=51", 400, "lon: 'nan'"),
    ("/locate?lon=0x10&lat=51", 400, "lon: '0x10'"),
    ("/locate?lon=1_3&lat=51", 400, "lon: '1_3'"),
    # numbers in other scripts (int()/float() read them: was a 200)
    (f"/locate?lon={q(ARABIC_123)}&lat=51", 400, f"lon: '{ARABIC_123}'"),
    (f"{ITEMS}?limit={q(ARABIC_10)}", 400, f"limit: '{ARABIC_10}'"),
    (f"{ITEMS}?offset={q(ARABIC_3)}", 400, f"offset: '{ARABIC_3}'"),
    (f"{ITEMS}?bbox={q(FULLWIDTH_BBOX)}", 400, "\uff11\uff13.\uff17"),
    (f"{ITEMS}?datetime={q(chr(0x0662) + chr(0x0660) * 2 + chr(0x0662))}", 400, "datetime"),
    (f"/changes?from={q(chr(0x0662) + chr(0x0660) * 3)}&to=2020", 400, "from"),
    (f"/compare?from={q(chr(0x0662) + chr(0x0660) * 3)}&to=2020", 400, "from"),
    (f"/inside?lon={q(ARABIC_123)}&lat=51", 400, f"lon: '{ARABIC_123}'"),
    (f"/search?q=prohlis&limit={q(ARABIC_10)}", 400, f"limit: '{ARABIC_10}'"),
    ("/inside?lon=13.8&lat=1e308", 400, "1e308"),
    (f"{ITEMS}?bbox=13.7,51,13.8,1e400", 400, "1e400"),
    (f"{ITEMS}?limit=1e3", 400, "limit: '1e3'"),
    (f"{ITEMS}?limit={'9' * 5000}", 400, "limit: '999"),
    # years outside 1..9999
    (f"{ITEMS}?datetime=0000-01-01", 400, "0000-01-01"),
    (f"{ITEMS}?datetime=10000-01-01", 400, "10000-01-01"),
    (f"{ITEMS}?datetime=0000/2020", 400, "0000"),
    (f"{ITEMS}?datetime=2020/10000", 400, "10000"),
    (f"{AREAS}?datetime=0000-06-01T12:00:00Z", 400, "0000-06-01T12:00:00Z"),
    (f"{ITEMS}?recorded=0000-01-01", 400, "0000-01-01"),
    (f"{ITEMS}?recorded=10000-01-01T00:00:00Z", 400, "10000-01-01T00:00:00Z"),
    ("/changes?from=0000&to=2020", 400, "0000"),
    ("/locate?lon=13.8&lat=51&datetime=10000-01-01", 400, "10000-01-01"),
    # NUL bytes (and other control characters) in names and values
    (f"{ITEMS}?limit=1%00", 400, "limit: '1?'"),
    (f"{ITEMS}?datetime=2020%00", 400, "datetime: '2020?'"),
    (f"{ITEMS}?status=laufend%00", 400, "status: 'laufend?'"),
    (f"{ITEMS}?sortby=title%00", 400, "sortby"),
    (f"{ITEMS}?recorded=2020%00", 400, "recorded"),
    ("/locate?lon=13.8%00&lat=51", 400, "lon"),
    ("/collections/funding-areas/items/prohlis?datetime=2020%00", 400, "datetime"),
    ("/search?q=a%00b", 400, "q: 'a?b'"),
    ("/?f=html%00", 400, "f"),
    (f"{ITEMS}?x%00=1", 400, "x?"),
]


@pytest.mark.parametrize("path, status, named", HOSTILE, ids=lambda v: str(v)[:60])
def test_hostile_parameter_is_a_4xx_naming_it(client, path, status, named):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    doc = response.get_json()
    assert doc["code"] == "InvalidParameterValue"
    assert named in doc["description"], doc["description"]
    assert len(response.get_data()) < 4096  # a long value is cut in the message, not echoed


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
@pytest.mark.parametrize("host", ["a" * 64, "a" * 64 + ".example.org", "a." + "b" * 70])
def test_an_invalid_host_is_a_400_naming_it(client, host, accept):
    """A 64-character DNS label is not a host name: Flask has no URL adapter then, so the error
    page (which builds links) used to fail with a 500."""
    response = client.get("/", headers={"Host": host, "Accept": accept})
    assert response.status_code == 400
    assert host in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [f"{ITEMS}?q=" + "a" * 60_000,
                                  f"{ITEMS}?bbox=" + "1," * 30_000 + "1",
                                  "/?f=html&x=" + "%41" * 20_000])
def test_a_60_kb_query_string_is_refused_before_parsing(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 414
    assert "bytes" in response.get_data(as_text=True)


def test_valid_edge_values_still_answer(client):
    """The checks do not refuse what is valid: bounds are inclusive, signs and exponents work."""
    ok = [f"{ITEMS}?sortby=-start_year,title", f"{ITEMS}?limit=+5&offset=0",
          f"{ITEMS}?bbox=13.7,5.1e1,13.8,51.1", "/locate?lon=12&lat=84.01", "/locate?lon=18.01&lat=34.79",
          "/locate?x=411000&y=5650000", "/locate?x=4.11e5&y=5.65e6&crs=EPSG:25833",
          "/locate?x=13.8&y=51.0&crs=EPSG:4326", f"{ITEMS}?datetime=0001-01-01/9998-12-31",
          f"{ITEMS}?crs=EPSG:25833", f"{ITEMS}?crs=EPSG:0025833"]
    for path in ok:
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])


def test_a_redirect_never_follows_a_forged_host(client):
    """/areas//prohlis with Host: evil.example (default configuration: any host answered)."""
    response = client.get("/areas//prohlis", headers={"Host": "evil.example"})
    assert response.status_code in (301, 308)
    assert "evil.example" not in response.headers["Location"]
    assert response.headers["Location"] == "/areas/prohlis"


# files the store is seeded from: every loader rule covers every file, and a bad one is refused
# at start with file, feature and rule in one line (never an empty timeline or a 500 later)
BAD_FILES = [
    ("timeline.json", "{}", "timeline.json"),
    ("timeline.json", '"x"', "timeline.json"),
    ("timeline.json", "null", "timeline.json"),
    ("timeline.json", "[1]", "timeline.json"),
    ("timeline.json", "[{}", "not valid JSON"),
]


@pytest.mark.parametrize("name, content, named", BAD_FILES, ids=lambda v: str(v)[:20])
def test_a_bad_data_file_is_refused_with_file_and_rule(data_copy, make_app, name, content, named):
    from geoservice.errors import DataError

    (data_copy / name).write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as raised:
        make_app(DATA_DIR=str(data_copy))
    message = str(raised.value)
    assert named in message and "\n" not in message.split(":", 1)[0], message
    assert len(message.splitlines()) <= 3, message


def test_focus_areas_without_id_are_refused_naming_the_feature(data_copy, make_app):
    import json

    from geoservice.errors import DataError

    path = data_copy / "focus_areas.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    collection["features"][1].pop("id", None)
    collection["features"][1]["properties"].pop("id", None)
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(DataError) as raised:
        make_app(DATA_DIR=str(data_copy))
    assert "focus_areas.geojson" in str(raised.value) and "feature 2" in str(raised.value)


@pytest.mark.parametrize("replacement", [None, "", '{"type": "FeatureCollection", "featu', "[1]",
                                         '{"features": {}}', "null"])
def test_a_file_read_while_serving_that_vanishes_or_breaks_is_no_outage(data_copy, make_app,
                                                                        replacement):
    """context/places.geojson is read per data snapshot; it vanishing (or being half written)
    during a reload makes the search answer without places, never a 500 or a dropped connection."""
    app = make_app(DATA_DIR=str(data_copy), RELOAD_INTERVAL=0)
    client = app.test_client()
    assert client.get("/search?q=prohliser").get_json()["numberReturned"] > 0
    path = data_copy / "context" / "places.geojson"
    if replacement is None:
        path.unlink()
    else:
        path.write_text(replacement, encoding="utf-8")
    store = app.extensions["geoservice"].store  # a write: every worker reloads its snapshot
    from geoservice.storage.geojson import Feature
    from geoservice.storage.sql import Author, Put

    last = store.history("projects", "bmx-anlage-prohlis")[-1]
    store.write(Author("test", "Test"), "Neu geladen", "update", [
        Put("projects", Feature(last.fid, dict(last.properties, title="BMX neu"), last.wkb))])
    app.extensions["geoservice"].maybe_reload(force=True)
    for path_ in ("/search?q=prohliser", "/search?q=bmx", "/?f=html", "/areas/prohlis",
                  "/inside?lon=13.8&lat=51.0&f=html"):
        response = client.get(path_, headers={"Accept": "text/html"} if "f=html" in path_ else {})
        assert response.status_code == 200, (path_, response.get_data(as_text=True)[:300])
    assert client.get("/search?q=bmx").get_json()["numberReturned"] >= 1  # projects still found
