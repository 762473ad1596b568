"""OGC API – Features Part 3 and CQL2: each declared class, against the equivalent parameters.

Every example runs on both stores, over HTTP (GeoJSON, and the other formats for one), and the
same filter answered by the database (storage/cql_sql.py) must give the same ids as the
in-memory evaluation (domain/cql.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from datetime import date
from urllib.parse import quote

import pyogrio
import pytest
import shapely

from geoservice.api.cql_api import CONFORMANCE
from geoservice.domain import cql, crs
from geoservice.domain.schema import COLLECTIONS, FUNDING_AREAS, PROJECTS

pytestmark = pytest.mark.both_stores  # the store matters here (tests/conftest.py)

AREAS = "/collections/funding-areas/items"
PROJ = "/collections/projects/items"
CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
# a point inside Prohlis (every version of it) in EPSG:25833 (easting, northing) and the same point in CRS84
POINT_25833 = (415_670.0, 5_651_210.0)
POINT_CRS84 = crs.transform_geometry(shapely.Point(POINT_25833), crs.EPSG_URI.format(code=25833),
                                     crs.CRS84)


def _query(args: dict) -> str:
    names = {"filter_lang": "filter-lang", "filter_crs": "filter-crs"}
    return "&".join(f"{names.get(k, k)}={quote(str(v), safe='')}" for k, v in args.items())


def ids(client, path: str, **args) -> list[str]:
    query = _query(args)
    response = client.get(f"{path}?limit=10000&f=json" + (f"&{query}" if query else ""))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["numberMatched"] == len(body["features"])
    return sorted(f["id"] for f in body["features"])


def error(client, path: str, **args) -> str:
    query = _query(args)
    response = client.get(f"{path}?f=json&{query}")
    assert response.status_code == 400, response.data[:300]
    return response.get_json()["description"]


def as_json(text: str) -> str:
    """The CQL2 JSON of a CQL2 text (cql2's own conversion), for the JSON twin of an example."""
    import cql2

    return json.dumps(cql2.parse_text(text).to_json())


# (class, collection path, CQL2 text, the equivalent query parameters) -- one per declared class
EXAMPLES = [
    ("basic-cql2", PROJ, "status = 'laufend'", {"status": "laufend"}),
    ("basic-cql2", AREAS, "programme = 'Soziale Stadt' AND NOT (area_id <> 'prohlis')",
     {"programme": "Soziale Stadt", "area_id": "prohlis"}),
    ("advanced-comparison-operators", PROJ, "status IN ('laufend', 'geplant') AND "
     "start_year BETWEEN 2000 AND 2100 AND title LIKE '%'",
     None),  # checked against the union of two parameter queries below
    ("case-insensitive-comparison", PROJ, "CASEI(status) = CASEI('LAUFEND')", {"status": "laufend"}),
    ("accent-insensitive-comparison", AREAS, "ACCENTI(name) = ACCENTI('Pröhlis')",
     {"name": "Prohlis"}),
    ("basic-spatial-functions", AREAS,
     f"S_INTERSECTS(geometry, POINT({POINT_25833[0]} {POINT_25833[1]}))", None),
    ("temporal-functions", AREAS,
     "T_INTERSECTS(INTERVAL(valid_from, valid_to), INTERVAL('2010-01-01', '2010-12-31'))",
     {"datetime": "2010-01-01/2010-12-31"}),
    ("temporal-functions", PROJ,
     "T_INTERSECTS(INTERVAL(start_year, end_year), INTERVAL('2012-01-01', '2014-12-31'))",
     {"datetime": "2012/2014"}),
]


def _expected(client, path, params):
    if params is not None:
        return ids(client, path, **params)
    return None


@pytest.mark.parametrize("lang", ["cql2-text", "cql2-json"])
@pytest.mark.parametrize("example", range(len(EXAMPLES)))
def test_each_class_equals_its_query_parameters(client, example, lang):
    cls, path, text, params = EXAMPLES[example]
    assert CQL2 + cls in CONFORMANCE
    flt = text if lang == "cql2-text" else as_json(text)
    extra = {"filter_crs": "EPSG:25833"} if cls == "basic-spatial-functions" else {}
    got = ids(client, path, filter=flt, filter_lang=lang, **extra)
    if cls == "advanced-comparison-operators":
        expected = sorted(ids(client, path, status="laufend") + ids(client, path, status="geplant"))
        known = {f["id"] for f in client.get(f"{path}?limit=10000").get_json()["features"]
                 if f["properties"]["start_year"] is not None}
        expected = [i for i in expected if i in known]
    elif cls == "basic-spatial-functions":
        # the same point in CRS84, as a tiny bbox, and as the areas the point lies in
        x, y = POINT_CRS84.x, POINT_CRS84.y
        expected = ids(client, path, bbox=f"{x - 1e-9},{y - 1e-9},{x + 1e-9},{y + 1e-9}")
        # and what /locate says of the same EPSG:25833 point on a day of each version period
        located = set()
        for day in ("2002-01-01", "2010-01-01", "2018-01-01", "2022-01-01"):
            answer = client.get(f"/locate?x={POINT_25833[0]}&y={POINT_25833[1]}&crs=EPSG:25833"
                                f"&datetime={day}&f=json").get_json()
            located |= {a["version_id"] for a in answer["areas"] if a["inside"]}
        assert sorted(located) == expected
    else:
        expected = _expected(client, path, params)
    assert got == expected
    assert got, "an example that matches nothing proves nothing"


def test_spatial_in_every_filter_crs_and_box_and_polygon(client):
    """One place in four CRSs (their axis orders), as POINT, BBOX and POLYGON: the same areas."""
    x, y = POINT_CRS84.x, POINT_CRS84.y
    wanted = ids(client, AREAS, bbox=f"{x},{y},{x},{y}")
    assert {"prohlis-2016", "prohlis-2020"} <= set(wanted)
    for uri in crs.SUPPORTED:
        px, py = crs.transform_geometry(POINT_CRS84, crs.CRS84, uri).coords[0]
        d = 1e-7 if crs.pyproj_crs(uri).is_geographic else 0.01
        for literal in (f"POINT({px} {py})", f"BBOX({px - d},{py - d},{px + d},{py + d})",
                        f"POLYGON(({px - d} {py - d},{px + d} {py - d},{px + d} {py + d},"
                        f"{px - d} {py - d}))"):
            assert ids(client, AREAS, filter=f"S_INTERSECTS(geometry, {literal})",
                       filter_crs=uri) == wanted, (uri, literal)
    # the axis order matters: EPSG:4326 is lat/lon, so lon/lat there lies elsewhere (nothing)
    assert ids(client, AREAS, filter=f"S_INTERSECTS(geometry, POINT({x} {y}))",
               filter_crs="EPSG:4326") == []


def test_spatial_functions_equal_shapely_row_by_row(client, app):
    """The other S_ functions (spatial-functions) agree with shapely applied to every row."""
    data = app.extensions["geoservice"].dataset
    literals = [shapely.box(13.78, 50.99, 13.82, 51.01),  # POLYGON
                shapely.LineString([(13.77, 51.0), (13.83, 51.005)]),
                shapely.MultiPoint([(13.8, 51.0), (13.79, 50.995)]),
                shapely.GeometryCollection([shapely.Point(13.8, 51.0),
                                            shapely.box(13.79, 50.99, 13.80, 51.0)])]
    hits = 0
    for literal in literals:
        for op in sorted(cql.SPATIAL):
            for name in ("funding-areas", "projects"):
                gdf = data.collection(name)
                expected = sorted(fid for fid, geom in zip(gdf.index, gdf.geometry, strict=True)
                                  if getattr(shapely, op[2:])(geom, literal))
                got = ids(client, f"/collections/{name}/items",
                          filter=f"{op}(geometry, {literal.wkt})")
                assert got == expected, (op, name, literal.wkt)
                hits += len(got)
    assert hits


TEMPORAL_CASES = [  # (relation, literal, ids of funding areas: validity as closed days)
    ("T_BEFORE", "DATE('2004-07-01')", {"prohlis-am-koitschgraben-2000"}),
    ("T_AFTER", "DATE('2020-09-30')", {"prohlis-2020", "am-koitschgraben-2020"}),
    ("T_MEETS", "DATE('2004-06-30')", {"prohlis-am-koitschgraben-2000"}),
    ("T_METBY", "DATE('2004-07-01')", {"prohlis-am-koitschgraben-2004"}),
    ("T_CONTAINS", "DATE('2018-05-05')", {"prohlis-2016", "am-koitschgraben-2016"}),
    ("T_DURING", "INTERVAL('2000-01-01', '2005-01-01')", {"prohlis-am-koitschgraben-2000"}),
    ("T_EQUALS", "INTERVAL('2016-09-29', '2020-09-30')", {"prohlis-2016", "am-koitschgraben-2016"}),
    ("T_STARTS", "INTERVAL('2016-09-29', '2030-01-01')", {"prohlis-2016", "am-koitschgraben-2016"}),
    ("T_STARTEDBY", "DATE('2016-09-29')", {"prohlis-2016", "am-koitschgraben-2016"}),
    ("T_FINISHES", "INTERVAL('2010-01-01', '2020-09-30')", {"prohlis-2016", "am-koitschgraben-2016"}),
    ("T_FINISHEDBY", "DATE('2016-09-28')", {"prohlis-am-koitschgraben-2004"}),
    ("T_OVERLAPS", "INTERVAL('2010-01-01', '2018-01-01')", {"prohlis-am-koitschgraben-2004"}),
    ("T_OVERLAPPEDBY", "INTERVAL('2010-01-01', '2018-01-01')", {"prohlis-2016", "am-koitschgraben-2016"}),
    ("T_DISJOINT", "INTERVAL('2000-01-01', '2020-09-30')", {"prohlis-2020", "am-koitschgraben-2020"}),
    ("T_INTERSECTS", "DATE('2020-10-01')", {"prohlis-2020", "am-koitschgraben-2020"}),
]


@pytest.mark.parametrize("relation, literal, expected", TEMPORAL_CASES)
def test_temporal_functions_on_the_validity(client, relation, literal, expected):
    got = ids(client, AREAS, filter=f"{relation}(INTERVAL(valid_from, valid_to), {literal})")
    assert set(got) == expected
    # the same relation seen from the literal's side (CQL2's converse relation)
    converse = cql.T_CONVERSE[relation.lower()].upper()
    assert ids(client, AREAS, filter=f"{converse}({literal}, INTERVAL(valid_from, valid_to))") == got


def test_like_with_case_and_accents(client):
    titles = {f["id"]: f["properties"]["title"]
              for f in client.get(f"{PROJ}?limit=10000").get_json()["features"]}
    green = sorted(i for i, t in titles.items() if "grün" in t.lower())
    assert green
    assert ids(client, PROJ, filter="CASEI(title) LIKE CASEI('%GRÜN%')") == green
    # accent-insensitive: 'grun' finds 'Grün…' (and Grundschule, which has no accent at all)
    folded = sorted(i for i, t in titles.items() if "grun" in
                    "".join(c for c in unicodedata.normalize("NFD", t.lower())
                            if not unicodedata.combining(c)))
    assert set(green) < set(folded)
    assert ids(client, PROJ, filter="ACCENTI(CASEI(title)) LIKE ACCENTI(CASEI('%grun%'))") == folded
    # without CASEI, LIKE is case-sensitive; NFD text in the pattern is read as NFC
    assert ids(client, PROJ, filter="title LIKE '%GRÜN%'") == []
    nfd = unicodedata.normalize("NFD", "%Grün%")
    assert ids(client, PROJ, filter=f"title LIKE '{nfd}'") == sorted(
        i for i, t in titles.items() if "Grün" in t)


def test_like_patterns_match_like_the_definition():
    """LIKE's regular expression equals the naive translation, for every small pattern."""
    import itertools
    import re

    def naive(value, pattern):
        return re.fullmatch("".join({"%": ".*", "_": "."}.get(c, re.escape(c)) for c in pattern),
                            value, re.DOTALL) is not None

    values = ["".join(v) for n in range(6) for v in itertools.product("ab", repeat=n)]
    for n in range(6):
        for pattern in map("".join, itertools.product("ab%_", repeat=n)):
            regex = re.compile(cql.like_regex(pattern), re.DOTALL)
            for value in values:
                assert (regex.match(value) is not None) == naive(value, pattern), (value, pattern)
    assert re.match(cql.like_regex(r"100\%"), "100%") and not re.match(cql.like_regex(r"100\%"), "1000")


def test_a_pathological_like_pattern_is_answered(client):
    """'%a%a…%b' backtracks exponentially in a naive regex; here it is answered at once."""
    assert ids(client, PROJ, filter="description LIKE '" + "%e" * 40 + "%§'") == []


def test_every_format_takes_the_filter(client, tmp_path):
    flt = quote("status = 'laufend'")
    wanted = ids(client, PROJ, status="laufend")
    html = client.get(f"{PROJ}?f=html&limit=1000&filter={flt}").get_data(as_text=True)
    assert all(fid in html for fid in wanted)
    csv = client.get(f"{PROJ}?f=csv&filter={flt}").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == len(wanted) + 1
    gpkg = client.get(f"{PROJ}?f=gpkg&filter={flt}")
    assert gpkg.status_code == 200
    path = tmp_path / "filtered.gpkg"
    path.write_bytes(gpkg.data)
    assert sorted(pyogrio.read_dataframe(path)["id"]) == wanted


BAD = [  # (filter, filter-lang, words the message must contain)
    ("status = 'laufend' AND", "cql2-text", ["line 1, column 23", "expected"]),
    ("status == 'x'", "cql2-text", ["column 9"]),
    ("nosuch = 1", "cql2-text", ["character 1", "'nosuch' is not a queryable"]),
    ("start_year = '2010'", "cql2-text", ["character 14", "integer", "'2010'"]),
    ("title = 5", "cql2-text", ["character 9", "string"]),
    ("valid_from = '2010-01-01'", "cql2-text", ["date", "DATE('2010-01-01')"]),
    ("status = 'finished'", "cql2-text", ["'finished' is not a value of status", "laufend"]),
    ("A_CONTAINS(category, ('x'))", "cql2-text", ["'a_contains' is not supported"]),
    ("start_year + 1 > 2010", "cql2-text", ["'+' is not supported"]),
    ("S_INTERSECTS(geometry, BBOX(14, 52, 13, 51))", "cql2-text", ["BBOX", "lower corner"]),
    ("S_INTERSECTS(geometry, BBOX(-1e400, 0, 1e400, 1))", "cql2-text", ["BBOX", "finite"]),
    ("S_INTERSECTS(geometry, POLYGON((1 2)))", "cql2-text", ["character 24", "not a valid geometry"]),
    ("status = NULL", "cql2-text", ["status IS NULL"]),
    ("T_INTERSECTS(start_year, DATE('2010-01-01'))", "cql2-text",
     ["year number", "INTERVAL(start_year, end_year)"]),
    ('{"op": "=", "args": [{"property": "nosuch"}, 1]}', "cql2-json",
     ["filter/args/0", "'nosuch' is not a queryable"]),
    ('{"op": "=", "args": [', "cql2-json", ["not valid JSON"]),
    ("status = 'x'", "cql2-xml", ["filter-lang", "cql2-xml"]),
]


@pytest.mark.parametrize("flt, lang, words", BAD)
def test_bad_filters_are_400_naming_place_and_problem(client, flt, lang, words):
    path = AREAS if "valid_from" in flt else PROJ
    message = error(client, path, filter=flt, filter_lang=lang)
    for word in words:
        assert word in message, message


def test_deep_nesting_is_refused_before_the_parser(client):
    """A few thousand brackets overflow cql2's native stack (a segfault): refused as a 400."""
    deep = "(" * 1300 + "status = 'laufend'" + ")" * 1300  # within the 8 KiB query limit
    assert "nested more than" in error(client, PROJ, filter=deep)
    deep_json = '{"op":"not","args":[' * 40 + "true" + "]}" * 40
    assert "nested more than" in error(client, PROJ, filter=deep_json, filter_lang="cql2-json")
    assert "nested more than" in error(client, PROJ, filter="NOT " * 100 + "status = 'laufend'")
    assert ids(client, PROJ, filter="(" * 20 + "status = 'laufend'" + ")" * 20) == \
        ids(client, PROJ, status="laufend")


def test_bad_filter_crs_is_400(client):
    assert "filter-crs" in error(client, AREAS, filter="S_INTERSECTS(geometry, POINT(1 2))",
                                 filter_crs="EPSG:9999")


def test_sql_and_memory_agree_on_every_example(app):
    """The store answers each example in the database (cql_sql) with the in-memory ids."""
    holder = app.extensions["geoservice"]
    data, store = holder.dataset, holder.store
    texts = [(path, text) for _, path, text, _ in EXAMPLES] + [
        (AREAS, f"{rel}(INTERVAL(valid_from, valid_to), {lit})") for rel, lit, _ in TEMPORAL_CASES
    ] + [(PROJ, "NOT T_INTERSECTS(INTERVAL(start_year, end_year), DATE('2010-06-01'))"),
         (PROJ, "end_year IS NULL OR start_year > 2015"),
         (PROJ, "title LIKE 'K%'"),
         (AREAS, "area_ha > 50 AND valid_from < DATE('2016-01-01')"),
         (AREAS, "S_WITHIN(geometry, BBOX(13.70, 50.95, 13.90, 51.05))"),
         (PROJ, "S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(13.8 51.0), "
                "POLYGON((13.78 50.99, 13.82 50.99, 13.82 51.01, 13.78 50.99))))"),
         (AREAS, "S_CONTAINS(geometry, GEOMETRYCOLLECTION(POINT(13.8 51.0), "
                 "LINESTRING(13.79 51.0, 13.81 51.0)))")]
    for path, text in texts:
        spec = COLLECTIONS[path.split("/")[2]]
        filter_crs = crs.EPSG_URI.format(code=25833) if "415670" in text else crs.CRS84
        node = cql.parse(text, spec, "cql2-text", filter_crs).node
        gdf = data.collection(spec.name)
        memory = sorted(gdf.index[cql.mask(node, gdf, spec)])
        assert sorted(store.filter_ids(spec.name, node)) == memory, text
        # where the translation says the database alone is exact, it is
        from geoservice.storage import cql_sql
        _, exact = cql_sql.translate(node, spec, store.dialect)
        if exact:
            assert sorted(store.filter_ids(spec.name, node, recheck=False)) == memory, text


def test_unknown_start_matches_no_datetime(client):
    assert ids(client, PROJ, datetime="1950") == []
    assert ids(client, PROJ, filter="T_INTERSECTS(INTERVAL(start_year, end_year), "
                                    "INTERVAL('..', '..'))") == ids(client, PROJ, datetime="../..")
    everything = client.get(f"{PROJ}?limit=10000").get_json()["features"]
    unknown = {f["id"] for f in everything if f["properties"]["start_year"] is None}
    assert unknown and not unknown & set(ids(client, PROJ, datetime="../.."))


def test_open_ends_are_not_extended_into_the_future(client):
    everything = {f["id"]: f["properties"]
                  for f in client.get(f"{PROJ}?limit=10000").get_json()["features"]}
    future = ids(client, PROJ, datetime="2050")
    assert all(everything[i]["end_year"] is not None or everything[i]["status"] == "geplant"
               for i in future)
    finished_open = {i for i, p in everything.items()
                     if p["status"] == "abgeschlossen" and p["end_year"] is None and p["start_year"]}
    assert finished_open and not finished_open & set(future)
    # a finished project without end year counts in its start year (the one year known)
    one = next(iter(finished_open))
    assert one in ids(client, PROJ, datetime=str(everything[one]["start_year"]))
    # a running project without end year runs until this year
    running = {i for i, p in everything.items()
               if p["status"] == "laufend" and p["end_year"] is None and p["start_year"]}
    assert running <= set(ids(client, PROJ, datetime=str(date.today().year)))
    assert not running & set(ids(client, PROJ, datetime=str(date.today().year + 1)))


def test_temporal_extent_is_true(client):
    features = client.get(f"{PROJ}?limit=10000").get_json()["features"]
    starts = [f["properties"]["start_year"] for f in features if f["properties"]["start_year"]]
    (first, last), = client.get("/collections/projects").get_json()["extent"]["temporal"]["interval"]
    assert first == f"{min(starts)}-01-01T00:00:00Z"
    ongoing = [f for f in features if f["properties"]["status"] == "laufend"
               and f["properties"]["end_year"] is None and f["properties"]["start_year"]]
    assert (last is None) == bool(ongoing)
    (a_first, a_last), = client.get("/collections/funding-areas").get_json()["extent"]["temporal"][
        "interval"]
    assert a_first == "2000-07-13T00:00:00Z" and a_last is None  # in force until further notice


def test_queryables_list_every_property_with_its_type(client):
    for spec in (FUNDING_AREAS, PROJECTS):
        doc = client.get(f"/collections/{spec.name}/queryables").get_json()
        assert set(doc["properties"]) == {*spec.fields, "geometry"}
        for name, kind in spec.types.items():
            schema = doc["properties"][name]
            assert schema["type"] == ("string" if kind == "date" else kind)
            assert schema.get("format") == ("date" if kind == "date" else None)
            assert sorted(spec.enums.get(name, [])) == schema.get("enum", [])
            assert schema.get("x-ogc-unit") == spec.units.get(name)
        # Part 3 /req/queryables/get-queryables-response D, E (and Part 5): no `$ref`, a format
        assert doc["properties"]["geometry"]["format"].startswith("geometry-")
        assert "$ref" not in doc["properties"]["geometry"]
    assert client.get("/collections/funding-areas/queryables").get_json()["properties"][
        "area_ha"]["x-ogc-unit"] == "har"


def test_sortables_endpoint_and_link(client):
    doc = client.get("/collections/projects/sortables").get_json()
    assert set(doc["properties"]) == set(PROJECTS.fields)
    rels = {link["rel"] for link in client.get("/collections/projects").get_json()["links"]}
    assert "http://www.opengis.net/def/rel/ogc/1.0/sortables" in rels
    years = [f["properties"]["start_year"] for f in
             client.get(f"{PROJ}?limit=10000&sortby=-start_year").get_json()["features"]]
    known = [y for y in years if y is not None]
    assert known == sorted(known, reverse=True)
    assert "sortby" in error(client, PROJ, sortby="geometry")
    assert client.get("/collections/projects/sortables?f=html").status_code == 200


def test_equality_parameters_are_normalised(client):
    names = {f["properties"]["title"]: f["id"] for f in
             client.get(f"{PROJ}?limit=10000").get_json()["features"]}
    title = next(t for t in names if "ü" in t)
    nfd = unicodedata.normalize("NFD", title)
    assert nfd != title
    assert ids(client, PROJ, title=nfd) == [names[title]]
    assert ids(client, PROJ, title=title.upper()) == [names[title]]
    assert ids(client, PROJ, status="LAUFEND") == ids(client, PROJ, status="laufend")
    assert ids(client, PROJ, start_year="2010") == ids(client, PROJ, filter="start_year = 2010")


def test_unknown_enum_value_is_400_naming_the_allowed_values(client):
    message = error(client, PROJ, status="finished")
    assert "finished" in message and "abgeschlossen, geplant, laufend" in message
    assert "'twenty' is not a whole number" in error(client, PROJ, start_year="twenty")


GDAL_FILTER = """
import json, os, sys, pyogrio
url, layer, where = sys.argv[1:4]
df = pyogrio.read_dataframe(f"OAPIF:{url}", layer=layer, where=where)
print(json.dumps(sorted(df["id"])))
"""


def test_gdal_sends_its_attribute_filter_as_cql2(live_server, client):
    """GDAL's OAPIF driver turns an OGR where clause into `filter` when the server declares CQL2."""
    env = {"CPL_DEBUG": "ON", "CPL_CURL_VERBOSE": "NO", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", GDAL_FILTER, live_server.url, "projects",
         "status = 'laufend' AND start_year >= 2015"],
        capture_output=True, text=True, timeout=120, check=True, env=env)
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got == ids(client, PROJ, filter="status = 'laufend' AND start_year >= 2015")
    assert got
    assert "filter=" in result.stderr, result.stderr[-2000:]


def test_written_text_is_stored_in_nfc(app):
    """What the editor or API writes is stored NFC, so SQL string comparisons equal memory's."""
    from geoservice.domain import editing

    data = app.extensions["geoservice"].dataset
    row = data.projects.iloc[0]
    props = {k: (None if v is None else v) for k, v in row.items() if k in PROJECTS.fields}
    props["title"] = unicodedata.normalize("NFD", "Grünzug Test")
    frame = editing.check(PROJECTS, data, editing.Draft(row["id"], props, row.geometry))
    assert frame["title"].iloc[0] == unicodedata.normalize("NFC", "Grünzug Test")


def test_owslib_passes_a_cql2_filter(live_server, client):
    """OWSLib (a real client over HTTP) gets the same features with `filter` as with parameters."""
    from owslib.ogcapi.features import Features

    api = Features(live_server.url)
    assert CQL2 + "cql2-text" in api.conformance()["conformsTo"]
    doc = api.collection_items("projects", filter="CASEI(status) = 'LAUFEND'", limit=1000)
    assert sorted(f["id"] for f in doc["features"]) == ids(client, PROJ, status="laufend")
    queryables = api.collection_queryables("projects")["properties"]
    assert queryables["start_year"]["type"] == "integer"


def test_typed_equality_parameters(client):
    assert ids(client, AREAS, valid_from="2020-10-01") == ["am-koitschgraben-2020", "prohlis-2020"]
    assert ids(client, AREAS, valid_from="2020-10-01") == ids(
        client, AREAS, filter="valid_from = DATE('2020-10-01')")
    assert "valid_from: '2020-13-01' is not a valid date" in error(client, AREAS,
                                                                   valid_from="2020-13-01")
    assert "area_ha: 'big' is not a number" in error(client, AREAS, area_ha="big")
