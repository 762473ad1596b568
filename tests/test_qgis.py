"""QGIS (Debian's python3-qgis, headless) reads the service: its own OAPIF provider on a live
server, and the GeoPackages of f=gpkg through Debian's GDAL 3.6, with the types of the schema.

Runs /usr/bin/python3 in a subprocess (QGIS's bindings belong to the system Python, not the
venv) with QT_QPA_PLATFORM=offscreen; skipped with the reason when python3-qgis is absent.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from geoservice.domain.schema import COLLECTIONS, FUNDING_AREAS

pytestmark = pytest.mark.slow  # starts servers or external programs (tests/conftest.py)

SYSTEM_PYTHON = Path("/usr/bin/python3")
QGIS_TYPES = {"string": "String", "integer": "Integer64", "number": "Real", "date": "Date"}

SCRIPT = r"""
import json, sys
from qgis.core import QgsApplication, QgsDataSourceUri, QgsVectorLayer, QgsWkbTypes, Qgis
from osgeo import gdal

messages = []
gdal.PushErrorHandler(lambda level, number, text: messages.append(text))
app = QgsApplication([], False)
app.initQgis()
out = {"qgis": Qgis.QGIS_VERSION, "gdal": gdal.__version__, "layers": {}}
for name, source, provider, *subset in json.loads(sys.argv[1]):
    layer = QgsVectorLayer(source, name, provider)
    if subset:  # a filter expression, as typed in QGIS's query builder
        layer.setSubsetString(subset[0])
    entry = {"valid": layer.isValid()}
    if layer.isValid():
        entry.update(
            crs=layer.crs().authid(),
            geometry=QgsWkbTypes.displayString(layer.wkbType()),
            count=layer.featureCount(),
            fields={f.name(): f.typeName() for f in layer.fields()},
            ids=sorted(str(f["id"]) for f in layer.getFeatures()),
            years=sorted({str(f["start_year"]) for f in layer.getFeatures()})
            if layer.fields().indexOf("start_year") >= 0 else [],
        )
    out["layers"][name] = entry
out["gdal_messages"] = messages
print(json.dumps(out), flush=True)
import os
os._exit(0)  # QGIS 3.22 may crash in exitQgis() while layers are still referenced
"""


def _qgis_available() -> str | None:
    if not SYSTEM_PYTHON.exists():
        return "no /usr/bin/python3"
    probe = subprocess.run([str(SYSTEM_PYTHON), "-c", "import qgis.core"], capture_output=True,
                           text=True, timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    return None if probe.returncode == 0 else "python3-qgis is not installed (apt-get install python3-qgis)"


@pytest.fixture(scope="module")
def qgis():
    reason = _qgis_available()
    if reason:
        pytest.skip(reason)

    def run(layers: list[tuple[str, str, str]], tmp: Path) -> dict:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp),
               "HOME": str(tmp)}
        env.pop("PYTHONPATH", None)
        result = subprocess.run([str(SYSTEM_PYTHON), "-c", SCRIPT, json.dumps(layers)],
                                capture_output=True, text=True, timeout=240, env=env, cwd=tmp)
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    return run


def test_qgis_reads_the_geopackages_with_their_types(qgis, client, tmp_path):
    layers = []
    for spec in COLLECTIONS.values():
        for crs, code in ((None, "EPSG:4326"), ("EPSG:25833", "EPSG:25833")):
            query = {"f": "gpkg"} if crs is None else {"f": "gpkg", "crs": crs}
            response = client.get(f"/collections/{spec.name}/items", query_string=query)
            assert response.status_code == 200
            path = tmp_path / f"{spec.name}-{code.replace(':', '')}.gpkg"
            path.write_bytes(response.data)
            layers.append((f"{spec.name}|{code}", f"{path}|layername={spec.name}", "ogr"))
    result = qgis(layers, tmp_path)
    # Debian 12: GDAL 3.6 reads GeoPackage 1.2 without "only partially supported"
    assert not [m for m in result["gdal_messages"] if "partially supported" in m], result
    for key, layer in result["layers"].items():
        name, code = key.split("|")
        spec = COLLECTIONS[name]
        assert layer["valid"], key
        assert layer["crs"] == code
        assert layer["geometry"] == ("MultiPolygon" if spec is FUNDING_AREAS else "Point")
        assert {field: layer["fields"][field] for field in spec.fields} == {
            field: QGIS_TYPES[spec.types[field]] for field in spec.fields}, key
        assert len(layer["ids"]) == layer["count"] > 0


def test_qgis_oapif_provider_reads_both_collections(qgis, live_server, tmp_path):
    layers = [(name, f"url='{live_server.url}' typename='{name}' pagingEnabled='true'", "OAPIF")
              for name in COLLECTIONS]
    result = qgis(layers, tmp_path)
    areas, projects = result["layers"]["funding-areas"], result["layers"]["projects"]
    assert areas["count"] == 6 and projects["count"] == 40
    assert areas["geometry"] == "MultiPolygon" and projects["geometry"] == "Point"  # not "Unknown"
    assert areas["crs"] == projects["crs"] == "EPSG:4326"
    # QGIS's OAPIF provider takes the types from the GeoJSON values: the schema's types survive
    # (GeoJSON integers are read as 32-bit Integer, unlike GeoPackage's 64-bit INTEGER)
    oapif = {**QGIS_TYPES, "integer": "Integer"}
    for spec, layer in ((COLLECTIONS["funding-areas"], areas), (COLLECTIONS["projects"], projects)):
        assert layer["fields"] == {field: oapif[spec.types[field]] for field in spec.fields}
    assert {str(year) for year in range(2000, 2025)} & set(projects["years"])


# QGIS 3.22's date filters (issue 21). Its OAPIF provider turns the top-level AND terms
# `date_field OP 'literal'` into ONE `datetime` interval (every date field alike, `>` as `>=`), with
# year 0 / 9999-12-31 for open ends, and keeps the other terms for itself
# (qgsoapifprovider.cpp, QgsOapifSharedData::translateNodeToServer). The service reads `datetime`
# as OGC API - Features does (the validity overlaps the interval), so an expression gives exactly
# its versions when its translated terms mean that overlap: docs/CLIENTS.md.
ON_A_DAY = "\"valid_from\" <= '2018-06-01' AND (\"valid_to\" > '2018-06-01' OR \"valid_to\" IS NULL)"
DURING = ("\"valid_from\" <= '2016-12-31' AND (\"valid_to\" > '2010-01-01' OR \"valid_to\" IS NULL)")
QGIS_DATE_FILTERS = [  # (expression, the versions it matches, the datetime QGIS sends or None)
    ("\"valid_from\" <= '2010-01-01'",  # open start
     lambda v: v["valid_from"] <= "2010-01-01", "0000-01-01T00:00:00Z/2010-01-01"),
    (ON_A_DAY,  # the version in force on a day: open start + QGIS's own check of the rest
     lambda v: v["valid_from"] <= "2018-06-01" and (v["valid_to"] is None
                                                   or v["valid_to"] > "2018-06-01"),
     "0000-01-01T00:00:00Z/2018-06-01"),
    (DURING,  # closed range: every version in force at some time in 2010-2016
     lambda v: v["valid_from"] <= "2016-12-31" and (v["valid_to"] is None
                                                   or v["valid_to"] > "2010-01-01"),
     "0000-01-01T00:00:00Z/2016-12-31"),
    ("\"valid_from\" >= to_date('2016-09-29')",  # open end: to_date() keeps it in QGIS, exact
     lambda v: v["valid_from"] >= "2016-09-29", None),
    ("\"valid_from\" >= to_date('2004-07-01') AND \"valid_from\" <= '2016-09-29'",  # closed
     lambda v: "2004-07-01" <= v["valid_from"] <= "2016-09-29", "0000-01-01T00:00:00Z/2016-09-29"),
]


def test_qgis_322_date_filters_give_exactly_the_versions_they_match(qgis, recorded_server,
                                                                     client, tmp_path):
    versions = [f["properties"] for f in client.get(
        "/collections/funding-areas/items?skipGeometry=true").get_json()["features"]]
    source = f"url='{recorded_server.url}' typename='funding-areas' pagingEnabled='true'"
    layers = [(f"f{n}", source, "OAPIF", expression)
              for n, (expression, _, _) in enumerate(QGIS_DATE_FILTERS)]
    result = qgis(layers, tmp_path)
    for n, (expression, matches, sent) in enumerate(QGIS_DATE_FILTERS):
        layer = result["layers"][f"f{n}"]
        assert layer["valid"], expression
        assert layer["ids"] == sorted(v["id"] for v in versions if matches(v)), expression
        if sent:
            assert any(f"datetime={sent}" in s for s in recorded_server.recorder.seen), sent


def test_qgis_322_open_end_is_the_overlap_not_the_field(qgis, recorded_server, client, tmp_path):
    """What QGIS 3.22 cannot ask: `"valid_from" >= '2016-09-29'` becomes
    datetime=2016-09-29/9999-12-31T00:00:00Z, which does not say which field; the answer is every
    version still in force then (docs/CLIENTS.md: use to_date() for such terms)."""
    source = f"url='{recorded_server.url}' typename='funding-areas' pagingEnabled='true'"
    result = qgis([("open", source, "OAPIF", "\"valid_from\" >= '2016-09-29'")], tmp_path)
    overlap = client.get("/collections/funding-areas/items",
                         query_string={"datetime": "2016-09-29/.."}).get_json()["features"]
    assert result["layers"]["open"]["ids"] == sorted(f["id"] for f in overlap)
    assert any("datetime=2016-09-29/9999-12-31T00:00:00Z" in s for s in recorded_server.recorder.seen)
