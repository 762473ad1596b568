"""`flask geodata import/export/dump`: good files in several formats and CRSs, and bad files rejected
with every problem named while the data folder stays byte-identical."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

pytestmark = pytest.mark.both_stores  # the store matters here (tests/conftest.py)

AREAS = "funding_areas.geojson"
PROJECTS = "projects.geojson"


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def cli(data_copy, make_app):
    """Run `geodata` commands on a store seeded from a copy of geodata/.

    After a successful import the store is dumped back into the copy, so the tests can read the
    result as files; `state()` is the store's change counter plus the files (nothing written =
    both unchanged).
    """
    app = make_app(DATA_DIR=str(data_copy), RELOAD_INTERVAL=3600)
    runner = app.test_cli_runner()
    store = app.extensions["geoservice"].store

    def run(*args):
        result = runner.invoke(args=["geodata", *map(str, args)])
        if args[0] == "import" and result.exit_code == 0:
            dumped = runner.invoke(args=["geodata", "dump"])
            assert dumped.exit_code == 0, dumped.output
        return result

    run.data = data_copy
    run.app = app
    run.state = lambda: (store.signature(), snapshot(data_copy))
    return run


def areas_frame(data: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(data / AREAS).set_crs("OGC:CRS84", allow_override=True)


def write_json(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def area_features(data: Path) -> list[dict]:
    return json.loads((data / AREAS).read_text(encoding="utf-8"))["features"]


# --- good files -------------------------------------------------------------------------------

def test_reimport_of_the_bundled_geojson_is_identical(cli):
    before = cli.state()
    result = cli("import", cli.data / AREAS, "--collection", "funding-areas")
    assert result.exit_code == 0, result.output
    assert "imported: 6 features" in result.output
    assert cli.state() == before  # canonical writer reproduces the file byte for byte


def test_geopackage_in_utm33(cli, tmp_path):
    src = tmp_path / "areas.gpkg"
    areas_frame(cli.data).to_crs(25833).to_file(src, layer="foerdergebiete")
    result = cli("import", src, "--collection", "funding-areas")
    assert result.exit_code == 0, result.output
    assert "EPSG:25833" in result.output
    back = areas_frame(cli.data)
    assert back.geometry.iloc[0].equals_exact(areas_frame(cli.data).geometry.iloc[0], 1e-7)
    assert list(back["valid_from"].astype(str).str[:10]) == list(
        gpd.read_file(src)["valid_from"].astype(str).str[:10])


# Writing the Shapefile fixture truncates names and long texts (a limit of the format, not ours).
@pytest.mark.filterwarnings("ignore:Column names longer than 10")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_zipped_shapefile_in_gauss_krueger(cli, tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    areas_frame(cli.data).to_crs(31469).to_file(folder / "gebiete.shp")
    archive = tmp_path / "gebiete.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, part.name)
    result = cli("import", archive, "--collection", "funding-areas")
    assert result.exit_code == 0, result.output
    assert "EPSG:31469" in result.output
    assert len(areas_frame(cli.data)) == 6


def test_gml_with_dry_run_writes_nothing(cli, tmp_path):
    src = tmp_path / "areas.gml"
    areas_frame(cli.data).to_crs(25833).to_file(src, driver="GML")
    before = cli.state()
    result = cli("import", src, "--collection", "funding-areas", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run, nothing written" in result.output
    assert cli.state() == before


# Writing the Shapefile fixture truncates names and long texts (a limit of the format, not ours).
@pytest.mark.filterwarnings("ignore:Column names longer than 10")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_shapefile_without_prj_needs_and_accepts_crs(cli, tmp_path):
    folder = tmp_path / "noprj"
    folder.mkdir()
    areas_frame(cli.data).to_crs(31469).to_file(folder / "gebiete.shp")
    (folder / "gebiete.prj").unlink()
    rejected = cli("import", folder / "gebiete.shp", "--collection", "funding-areas")
    assert rejected.exit_code != 0 and "declares no CRS" in rejected.output
    accepted = cli("import", folder / "gebiete.shp", "--collection", "funding-areas", "--crs", "EPSG:31469")
    assert accepted.exit_code == 0, accepted.output


def test_projects_get_area_id_derived_spatially(cli, tmp_path):
    features = json.loads((cli.data / PROJECTS).read_text(encoding="utf-8"))["features"]
    for feature in features:
        feature["properties"]["area_id"] = None
    src = write_json(tmp_path / "projects.geojson", features)
    result = cli("import", src, "--collection", "projects")
    assert result.exit_code == 0, result.output
    original = {f["id"]: f["properties"]["area_id"] for f in features}
    restored = {f["id"]: f["properties"]["area_id"]
                for f in json.loads((cli.data / PROJECTS).read_text(encoding="utf-8"))["features"]}
    assert any(restored.values()) and original != restored


def test_export_geopackage_for_qgis(cli, tmp_path):
    out = tmp_path / "projects.gpkg"
    result = cli("export", out, "--collection", "projects")
    assert result.exit_code == 0, result.output
    frame = pyogrio.read_dataframe(out)
    assert len(frame) == len(json.loads((cli.data / PROJECTS).read_text(encoding="utf-8"))["features"])
    assert {"title", "status", "area_id", "location_accuracy"} <= set(frame.columns)


# --- bad files --------------------------------------------------------------------------------

def _edit(prop: str, value, index: int = 0):
    def change(features):
        features[index]["properties"][prop] = value
        return features
    return change


def _geometry(geometry):
    def change(features):
        features[0]["geometry"] = geometry
        return features
    return change


def _swap_axes(features):
    def swap(coords):
        if isinstance(coords[0], (int, float)):
            return [coords[1], coords[0]]
        return [swap(c) for c in coords]
    features[0]["geometry"]["coordinates"] = swap(features[0]["geometry"]["coordinates"])
    return features


def _overlap(features):
    features[1]["properties"]["valid_from"] = "2003-01-01"  # 2004 version now starts inside 2000's
    return features


def _duplicate(features):
    features[1]["properties"]["id"] = features[0]["properties"]["id"]
    return features


def _drop_referenced_area(features):
    return [f for f in features if f["properties"]["area_id"] != "prohlis"]


BOWTIE = {"type": "Polygon", "coordinates": [[[13.79, 51.0], [13.80, 51.01], [13.80, 51.0], [13.79, 51.01],
                                              [13.79, 51.0]]]}

BAD_AREAS = {
    "point geometry": (_geometry({"type": "Point", "coordinates": [13.8, 51.0]}), "geometry type Point"),
    "self-intersection": (_geometry(BOWTIE), "invalid geometry"),
    "lat/lon swapped": (_swap_axes, "outside Dresden"),
    "missing decision": (_edit("decision", None), "required field 'decision'"),
    "blank decision": (_edit("decision", " \u3000\t"), "required field 'decision'"),
    "german date": (_edit("valid_from", "13.07.2000"), "ISO date"),
    "ends before start": (_edit("valid_to", "1999-01-01"), "is not before valid_to"),
    "overlapping versions": (_overlap, "overlaps"),
    "duplicate id": (_duplicate, "repeats feature 1"),
    "unknown programme": (_edit("programme", "Stadtumbau"), "programme 'Stadtumbau'"),
    "wrong area_ha": (_edit("area_ha", 999.0), "differs from the geometry's area"),
    "area still used by projects": (_drop_referenced_area, "current projects would break"),
    "empty collection": (lambda features: [], "no features"),
}


@pytest.mark.parametrize("case", sorted(BAD_AREAS))
def test_bad_funding_areas_are_rejected(cli, tmp_path, case):
    change, message = BAD_AREAS[case]
    src = write_json(tmp_path / "bad.geojson", change(area_features(cli.data)))
    before = cli.state()
    result = cli("import", src, "--collection", "funding-areas")
    assert result.exit_code != 0
    assert "nothing written" in result.output and message in result.output, result.output
    assert cli.state() == before


def test_every_problem_is_reported_with_its_feature(cli, tmp_path):
    features = area_features(cli.data)
    features[0]["properties"]["programme"] = "X"
    features[2]["properties"]["decision"] = ""
    features[4]["geometry"] = BOWTIE
    result = cli("import", write_json(tmp_path / "bad.geojson", features), "--collection", "funding-areas")
    assert "3 problem(s)" in result.output
    assert "feature 1 " in result.output and "feature 3 " in result.output and "feature 5 " in result.output


@pytest.mark.parametrize(
    ("prop", "value", "message"),
    [("status", "fertig", "status 'fertig'"), ("start_year", 2030, "is after end_year"),
     ("location_accuracy", "exact", "location_accuracy 'exact'"), ("start_year", "zweitausend", "whole years")],
)
def test_bad_projects_are_rejected(cli, tmp_path, prop, value, message):
    features = json.loads((cli.data / PROJECTS).read_text(encoding="utf-8"))["features"]
    target = next(i for i, f in enumerate(features) if f["properties"]["end_year"])
    features[target]["properties"][prop] = value
    before = cli.state()
    result = cli("import", write_json(tmp_path / "p.geojson", features), "--collection", "projects")
    assert result.exit_code != 0 and message in result.output, result.output
    assert cli.state() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"this is not geodata", "cannot be read"), (None, "does not exist")],
)
def test_unreadable_files_are_rejected(cli, tmp_path, content, message):
    src = tmp_path / "broken.geojson"
    if content is not None:
        src.write_bytes(content)
    before = cli.state()
    result = cli("import", src, "--collection", "funding-areas")
    assert result.exit_code != 0 and message in result.output
    assert cli.state() == before


def test_conflicting_crs_is_rejected(cli, tmp_path):
    src = tmp_path / "areas.gpkg"
    areas_frame(cli.data).to_crs(25833).to_file(src)
    before = cli.state()
    result = cli("import", src, "--collection", "funding-areas", "--crs", "EPSG:31469")
    assert result.exit_code != 0 and "but --crs says EPSG:31469" in result.output
    assert cli.state() == before


def test_unknown_crs_option_is_rejected(cli):
    result = cli("import", cli.data / AREAS, "--collection", "funding-areas", "--crs", "EPSG:0")
    assert result.exit_code != 0 and "EPSG:0" in result.output


def test_the_blank_check_of_a_column_is_the_blank_check_of_each_value():
    """domain/schema.py checks required fields column by column (_blank_mask): it must call
    blank exactly what the one-value check does (strip() leaves nothing), Unicode spaces and
    NUL characters included, without numpy's fixed-width copies."""
    from geoservice.domain import schema

    values = ["", " ", "\t\n", "\u3000", "\u00a0x", "\x00", "a\x00", " x ", "ä", None, float("nan"),
              pd.NaT, 0, 0.0, 2020, [], ["a"], {}, np.str_(" "), np.str_("y"), "x" * 5000]
    column = np.array(values + [None], dtype=object)[:-1]
    assert schema._blank_mask(column).tolist() == [schema._is_blank(v) for v in values]
