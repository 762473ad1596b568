"""XPlanung: the funding-area versions as XPlanGML 6.0, validated by xplan-tools, linked from the
API and the pages, and read back by `flask xplan import` into identical boundary versions."""

from __future__ import annotations

import io
import os
import re
import warnings
from pathlib import Path

import pydantic
import pytest
import shapely
from lxml import etree

from geoservice import xplan
from geoservice.domain import crs
from geoservice.domain.schema import FUNDING_AREAS
from geoservice.storage.accounts import Accounts
from geoservice.writes import Author, Writes

NS = {"x": xplan.NS, "gml": xplan.GML}


def xplan_tools_read(path: Path):
    """Read a file with xplan-tools: its pydantic models of XPlanung 6.0 validate every feature
    (types, code lists, multiplicities) and the collection its references."""
    with warnings.catch_warnings():  # xplan-tools' own deprecations, not ours
        warnings.simplefilter("ignore")
        from xplan_tools.interface.gml import GMLRepository  # 2-3 s: imported only when used

        return GMLRepository(str(path)).get_all()


@pytest.fixture(scope="module")
def exported(app, tmp_path_factory) -> Path:
    response = app.test_client().get("/areas/xplan.gml")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/gml+xml; version=3.2"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="foerdergebiete-xplangml-6.0.gml"'
    path = tmp_path_factory.mktemp("xplan") / "areas.gml"
    path.write_bytes(response.data)
    return path


def test_export_validates_with_xplan_tools(app, exported):
    collection = xplan_tools_read(exported)
    assert collection.version == "6.0" and collection.srid == 25833
    kinds = [type(f).__name__ for f in collection.features.values()]
    areas = app.extensions["geoservice"].dataset.funding_areas
    assert sorted(set(kinds)) == ["SOBereich", "SOGebiet", "SOPlan"]
    assert kinds.count("SOGebiet") == kinds.count("SOPlan") == len(areas) == 6
    plans = {f.internalId: f for f in collection.features.values() if type(f).__name__ == "SOPlan"}
    for gebiet in (f for f in collection.features.values() if type(f).__name__ == "SOGebiet"):
        bereich = collection.features[str(gebiet.gehoertZuBereich)]
        plan = collection.features[str(bereich.gehoertZuPlan)]
        row = areas.loc[plan.internalId]
        assert plans[row["id"]] is plan and plan.name == row["name"]
        assert (gebiet.gebietsArt, gebiet.rechtsstandGebiet, gebiet.rechtscharakter) == ("1400", "3000", "2000")
        assert gebiet.startBedingung.datumAbsolut == row["valid_from"]
        assert gebiet.startBedingung.bedingung == row["decision"]
        assert (gebiet.endeBedingung.datumAbsolut if gebiet.endeBedingung else None) == row["valid_to"]
        assert "nicht die rechtsverbindliche Grenze" in gebiet.text  # every bundled one is reconstructed
        generic = {a.name: a.wert for a in gebiet.hatGenerAttribut}
        assert generic["area_id"] == row["area_id"] and generic["accuracy"] == "reconstructed"
        position = shapely.from_wkt(gebiet.position.wkt)
        assert gebiet.position.srid == 25833
        assert shapely.hausdorff_distance(position, row["metric"]) < xplan.TOLERANCE
    # nothing the data does not hold: no decision date, plan number or authority
    text = exported.read_text(encoding="utf-8")
    for absent in ("aufstellungsbeschhlussDatum", "<nummer>", "plangeber", "genehmigungsDatum"):
        assert absent not in text.replace("<nummer>0</nummer>", "")


def test_xplan_tools_refuses_a_broken_export(exported, tmp_path):
    """The validation above can fail: without the plan's required planArt, or with a gebietsArt
    outside the code list, xplan-tools refuses the file."""
    text = exported.read_text(encoding="utf-8")
    for broken in (re.sub(r"<planArt [^>]*>9999</planArt>", "", text, count=1),
                   text.replace("<gebietsArt>1400</gebietsArt>", "<gebietsArt>1401</gebietsArt>", 1)):
        (tmp_path / "broken.gml").write_text(broken, encoding="utf-8")
        with pytest.raises(pydantic.ValidationError):
            xplan_tools_read(tmp_path / "broken.gml")


def test_export_is_repeatable_and_to_the_millimetre(app, exported):
    """The same data gives the same bytes (stable gml:ids: ETags, diffs); coordinates in metres
    with three decimals."""
    assert app.test_client().get("/areas/xplan.gml").data == exported.read_bytes()
    pos_lists = etree.parse(str(exported)).getroot().iterfind(".//gml:posList", NS)
    assert all(re.fullmatch(r"(\d+\.\d{3} ?)+", p.text) for p in pos_lists)


def test_download_is_linked(client):
    collection = client.get("/collections/funding-areas?f=json").get_json()
    found = [ln for ln in collection["links"] if ln["href"].endswith("/areas/xplan.gml")]
    assert found and found[0]["type"] == xplan.MEDIA_TYPE and found[0]["rel"] == "enclosure"
    sheet = client.get("/areas/prohlis?f=json").get_json()
    href = next(ln["href"] for ln in sheet["links"] if ln["type"] == xplan.MEDIA_TYPE)
    one = client.get(href)
    assert one.status_code == 200
    root = etree.fromstring(one.data)
    assert sorted(root.xpath("//x:SO_Plan/x:internalId/text()", namespaces=NS)) == \
        ["prohlis-2016", "prohlis-2020"]
    assert 'href="/areas/prohlis/xplan.gml"' in client.get("/areas/prohlis?f=html").get_data(as_text=True)
    assert 'href="/areas/xplan.gml"' in client.get("/areas?f=html").get_data(as_text=True)
    listing = client.get("/areas?f=json").get_json()
    assert any(ln["href"].endswith("/areas/xplan.gml") for ln in listing["links"])
    assert any(ln["href"].endswith("/areas/prohlis/xplan.gml") for ln in listing["areas"][1]["links"])
    catalogue = client.get("/catalog?f=ttl").get_data(as_text=True)  # a distribution for portals
    assert re.search(r"<http://localhost/areas/xplan.gml> a dcat:Distribution", catalogue)
    assert "<http://publications.europa.eu/resource/authority/file-type/GML>" in catalogue
    assert client.get("/areas/nowhere/xplan.gml").status_code == 404
    assert client.get("/areas/xplan.gml?foo=1").status_code == 400


@pytest.fixture()
def cli(make_app, tmp_path):
    app = make_app(RELOAD_INTERVAL=3600)
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=["xplan", *map(str, args)])

    run.app = app
    run.store = app.extensions["geoservice"].store
    return run


def _version(app, fid: str) -> dict:
    row = app.extensions["geoservice"].dataset.funding_areas.loc[fid]
    return row.drop(["metric", "geometry", "_t0", "_t1", "_ongoing"], errors="ignore").to_dict() | {
        "metric": row["metric"]}


def test_export_import_round_trip(cli, tmp_path):
    out = tmp_path / "areas.gml"
    assert cli("export", out).exit_code == 0
    before = cli.store.signature()
    again = cli("import", out, "--note", "Rückimport des eigenen Exports")
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert cli.store.signature() == before  # the own export read back is the stored data

    original = _version(cli.app, "prohlis-2016")
    holder = cli.app.extensions["geoservice"]
    record = cli.store.history("funding-areas", "prohlis-2016")[-1].record_id
    Writes.of(holder).retire(Author("test", "Test"), "weg", FUNDING_AREAS, "prohlis-2016", expect=record)
    assert "prohlis-2016" not in holder.dataset.funding_areas.index
    result = cli("import", out, "--note", "Grenzstand 2016 aus XPlanGML")
    assert result.exit_code == 0, result.output
    assert "1 new, 0 changed, 5 unchanged" in result.output
    restored = _version(cli.app, "prohlis-2016")
    assert {k: v for k, v in restored.items() if k != "metric"} == \
        {k: v for k, v in original.items() if k != "metric"}
    assert shapely.hausdorff_distance(restored["metric"], original["metric"]) < xplan.TOLERANCE
    last = cli.store.history("funding-areas", "prohlis-2016")[-1]
    assert (last.kind, last.note) == ("import", "Grenzstand 2016 aus XPlanGML")


def _as_foreign_plan(text: str) -> str:
    """What an authority's file holds: no generic attributes, no internalId, no caveat."""
    text = re.sub(r"\s*<hatGenerAttribut>.*?</hatGenerAttribut>", "", text, flags=re.S)
    text = re.sub(r"\s*<internalId>.*?</internalId>", "", text)
    return re.sub(r"\s*<text>.*?</text>", "", text)


def test_official_plan_replaces_the_reconstruction(cli, tmp_path):
    out = tmp_path / "prohlis.gml"
    assert cli("export", out, "--area", "prohlis").exit_code == 0
    root = etree.parse(str(out)).getroot()
    for member in root.findall("gml:featureMember", NS)[3:]:  # keep the 2016 version only
        root.remove(member)
    official = tmp_path / "amtlich.gml"
    official.write_text(_as_foreign_plan(etree.tostring(root, encoding="unicode")), encoding="utf-8")
    xplan_tools_read(official)  # still valid XPlanGML

    refused = cli("import", official, "--note", "x")
    assert refused.exit_code == 1 and "no area_id (--area-id), programme (--programme)" in refused.output
    assert "Missing option '--note'" in cli("import", official).output
    before = cli.store.signature()
    dry = cli("import", official, "--dry-run", "--note", "x", "--area-id", "prohlis-sued",
              "--programme", "Soziale Stadt")
    assert dry.exit_code == 0 and "dry run" in dry.output and cli.store.signature() == before
    new_area = cli("import", official, "--note", "Neues Gebiet", "--area-id", "prohlis-sued",
                   "--programme", "Soziale Stadt")
    assert new_area.exit_code == 0 and "1 new, 0 changed" in new_area.output
    assert cli.app.extensions["geoservice"].dataset.funding_areas.loc[
        "prohlis-sued-2016", "area_id"] == "prohlis-sued"  # no internalId: {area_id}-{year}
    result = cli("import", official, "--note", "Amtliche Grenze aus dem Stadtplanungsamt",
                 "--replaces", "prohlis-2016", "--area-id", "prohlis", "--programme", "Soziale Stadt")
    assert result.exit_code == 0, result.output
    assert "0 new, 1 changed" in result.output
    row = cli.app.extensions["geoservice"].dataset.funding_areas.loc["prohlis-2016"]
    assert row["accuracy"] == "official" and row["source"] == "XPlanGML amtlich.gml (Prohlis)"
    history = cli.store.history("funding-areas", "prohlis-2016")
    assert len(history) == 2 and history[-1].note == "Amtliche Grenze aus dem Stadtplanungsamt"


CHANGES = {"gebietsArt": (b"<gebietsArt>1400", b"<gebietsArt>1300", 1),
           "arc": (b"<gml:LinearRing>", b"<gml:LinearRing><gml:Arc/>"),
           "crs": (b'srsName="EPSG:25833"', b'srsName="EPSG:4326"'),
           "number": (b"<wert>352.0</wert>", b"<wert>ca. 352</wert>")}


@pytest.mark.parametrize(("content", "message"), [
    (b"not xml", "not XML"),
    (b"<a/>", "the root element is a, expected XPlanAuszug"),
    ("gebietsArt", "gebietsArt is 1300, not 1400"),
    ("arc", "arcs (gml:Arc, gml:ArcString, gml:Circle) are not read"),
    ("crs", "srsName 'EPSG:4326': only projected CRSs with easting first"),
    ("number", "generic attribute published_area_ha: 'ca. 352' is not a number"),
])
def test_bad_files_are_refused_and_nothing_is_written(cli, tmp_path, content, message):
    bad = tmp_path / "bad.gml"
    if content in CHANGES:
        assert cli("export", bad).exit_code == 0
        content = bad.read_bytes().replace(*CHANGES[content])
    bad.write_bytes(content)
    before = cli.store.signature()
    result = cli("import", bad, "--note", "x")
    assert result.exit_code == 1 and message in result.output
    assert cli.store.signature() == before



def test_a_plan_written_by_xplan_tools_in_another_crs_is_read(cli, tmp_path):
    """Another writer (xplan-tools' own GML), another CRS (EPSG:25832): the area arrives in place."""
    from xplan_tools.interface.gml import GMLRepository
    from xplan_tools.model import model_factory
    from xplan_tools.model.base import BaseCollection

    def model(name: str, values: dict):
        with warnings.catch_warnings():  # model_factory is deprecated in xplan-tools, not replaced
            warnings.simplefilter("ignore")
            return model_factory(name, "6.0").model_validate(values)

    holder = cli.app.extensions["geoservice"]
    original = holder.dataset.funding_areas.loc["am-koitschgraben-2020", "metric"]
    utm32 = crs.transform_geometry(original, 25833, 25832)
    ids = ["0f6f7c3e-3b1a-4c1e-9d7a-1b2c3d4e5f60", "1f6f7c3e-3b1a-4c1e-9d7a-1b2c3d4e5f61",
           "2f6f7c3e-3b1a-4c1e-9d7a-1b2c3d4e5f62"]
    geometry = {"srid": 25832, "wkt": utm32.wkt}
    features = {
        ids[0]: model("SO_Plan", {
            "id": ids[0], "name": "Fördergebiet Am Koitschgraben", "raeumlicherGeltungsbereich": geometry,
            "planArt": "https://registry.gdi-de.org/codelist/de.xleitstelle.xplanung/SO_PlanArt/9999",
            "bereich": [ids[1]]}),
        ids[1]: model("SO_Bereich", {
            "id": ids[1], "nummer": "0", "gehoertZuPlan": ids[0], "planinhalt": [ids[2]]}),
        ids[2]: model("SO_Gebiet", {
            "id": ids[2], "gehoertZuBereich": ids[1], "position": geometry, "flaechenschluss": False,
            "gebietsArt": "1400", "rechtscharakter": "2000",
            "startBedingung": {"datumAbsolut": "2020-10-01", "bedingung": "Beschluss laut Plan"}})}
    path = tmp_path / "fremd.gml"
    GMLRepository(str(path)).save_all(BaseCollection(features=features, srid=25832, version="6.0",
                                                     appschema="xplan"))
    result = cli("import", path, "--note", "Plan eines anderen Werkzeugs", "--replaces",
                 "am-koitschgraben-2020", "--area-id", "am-koitschgraben",
                 "--programme", "Sozialer Zusammenhalt")
    assert result.exit_code == 0, result.output
    row = holder.dataset.funding_areas.loc["am-koitschgraben-2020"]
    assert row["name"] == "Fördergebiet Am Koitschgraben" and row["decision"] == "Beschluss laut Plan"
    assert shapely.hausdorff_distance(row["metric"], original) < 0.01  # metres, after two projections


def test_an_external_entity_is_not_resolved(cli, tmp_path):
    """XXE: an entity naming a local file stays unexpanded; its text never reaches the store."""
    out = tmp_path / "areas.gml"
    assert cli("export", out, "--area", "prohlis").exit_code == 0
    text = out.read_text(encoding="utf-8").replace(
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>', 1)
    text = re.sub(r"<bedingung>.*?</bedingung>", "<bedingung>&secret;</bedingung>", text, count=1)
    out.write_text(text, encoding="utf-8")
    result = cli("import", out, "--note", "x")
    assert result.exit_code == 1 and "no decision" in result.output and "root:" not in result.output


HTML = {"Accept": "text/html", "Accept-Language": "de"}


def _token(body: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)


def _login(client, name: str, password: str):
    token = _token(client.get("/edit/login", headers=HTML).get_data(as_text=True))
    return client.post("/edit/login", data={"csrf_token": token, "name": name, "password": password},
                       headers=HTML)


def _one_version(gml: bytes, keep: int) -> bytes:
    """The file with only its `keep`-th version (plan, bereich, gebiet: three members each)."""
    root = etree.fromstring(gml)
    members = root.findall("gml:featureMember", NS)
    for member in members[:3 * keep] + members[3 * keep + 3:]:
        root.remove(member)
    return etree.tostring(root)


def test_administrators_upload_a_plan_in_the_editor(make_app, monkeypatch):
    app = make_app(WTF_CSRF_ENABLED=True, RELOAD_INTERVAL=3600)
    store = app.extensions["geoservice"].store
    accounts = Accounts(store)
    password = accounts.add("carla", "admin", "Stadtplanungsamt", "test")[1]
    editor_password = accounts.add("anna", "editor", "Quartiersmanagement", "test")[1]
    anna = app.test_client()
    _login(anna, "anna", editor_password)
    assert anna.get("/edit/xplan", headers=HTML).status_code == 403  # editors keep projects only
    carla = app.test_client()
    assert _login(carla, "carla", password).status_code == 303
    page = carla.get("/edit/xplan", headers=HTML).get_data(as_text=True)
    assert 'href="/edit/xplan"' in page and 'enctype="multipart/form-data"' in page
    plan = _as_foreign_plan(_one_version(carla.get("/areas/prohlis/xplan.gml").data, 0).decode()).encode()
    form = {"csrf_token": _token(page), "note": "Amtliche Grenze 2016", "replaces": "prohlis-2016",
            "area_id": "prohlis", "programme": "Soziale Stadt"}

    def send(content: bytes, **values):
        fields = {**form, **values, "file": (io.BytesIO(content), "amtlich.gml")}
        return carla.post("/edit/xplan", data=fields, headers=HTML, content_type="multipart/form-data")

    before = store.signature()
    assert send(plan, csrf_token="").status_code == 400  # no CSRF token
    assert "Bitte kurz notieren" in send(plan, note=" ").get_data(as_text=True)
    assert "Bitte ein Programm aus der Liste wählen." in send(plan, programme="X").get_data(as_text=True)
    refused = send(plan.replace(b"<gebietsArt>1400", b"<gebietsArt>1300"))
    assert refused.status_code == 400 and "gebietsArt is 1300, not 1400" in refused.get_data(as_text=True)
    with monkeypatch.context() as patch:  # a body over the limit is refused before it is read
        patch.setattr(xplan, "MAX_BYTES", 1000)
        patch.setattr("geoservice.web.editor_xplan.FORM_OVERHEAD", 0)
        too_big = send(plan)
        assert too_big.status_code == 400 and "may have at most 1000" in too_big.get_data(as_text=True)
    assert store.signature() == before  # nothing written by any of them

    done = send(plan)
    assert done.status_code == 303
    result = carla.get(done.location, headers=HTML).get_data(as_text=True)
    assert "Importiert: 0 neu, 1 geändert, 0 unverändert." in result
    last = store.history("funding-areas", "prohlis-2016")[-1]
    assert (last.note, last.author, last.author_role) == ("Amtliche Grenze 2016", "carla", "Stadtplanungsamt")
    assert app.extensions["geoservice"].dataset.funding_areas.loc["prohlis-2016", "accuracy"] == "official"


# The official XPlanGML 6.0.2 schema (tests/schemas/xplangml-6.0/SOURCE.md), or the
# XPlanung-Operationen.xsd that GEOSERVICE_XPLANGML_XSD names (its GML profile and xlink beside it)
XSD = os.environ.get("GEOSERVICE_XPLANGML_XSD") or str(
    Path(__file__).parent / "schemas/xplangml-6.0/XPlanGML_6_0/XPlanung-Operationen.xsd")


def test_export_validates_against_the_official_xsd(exported):
    document = etree.parse(XSD)
    assert document.getroot().get("version") == "6.0.2"
    for element in document.getroot().findall("{http://www.w3.org/2001/XMLSchema}import"):
        if element.get("namespace") == "http://www.opengis.net/wfs/2.0":  # remote, unused here
            element.getparent().remove(element)
    schema = etree.XMLSchema(document)
    assert schema.validate(etree.parse(str(exported))), schema.error_log
    broken = exported.read_text(encoding="utf-8").replace("<rechtscharakter>2000</rechtscharakter>", "")
    assert not schema.validate(etree.fromstring(broken.encode()))
