"""Hostile input: every one is answered with a 4xx that names the bad value, never a 500.

Each case runs on SQLite and on PostgreSQL (the `client` fixture). The answer must be a client
error (4xx), and its description must contain the offending value (or, for what cannot be
echoed, the parameter), so a caller sees what to change.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

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
          f"{ITEMS}?bbox=13.7,5.1e1,13.8,51.1", "/locate?lon=-180&lat=90",
          "/locate?x=411000&y=5650000", "/locate?x=4.11e5&y=5.65e6&crs=EPSG:25833",
          "/locate?x=51.0&y=13.8&crs=EPSG:4326", f"{ITEMS}?datetime=0001-01-01/9998-12-31",
          f"{ITEMS}?crs=EPSG:25833", f"{ITEMS}?crs=EPSG:0025833"]
    for path in ok:
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
