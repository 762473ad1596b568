"""The DCAT-AP.de 2.0 catalogue: both serialisations parse with rdflib and describe the same
graph; it conforms to the DCAT-AP.de SHACL shapes (pyshacl, 0 violations); it says what the OGC
API documents say (datasets, distributions per format, licences, extents)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, SH, SKOS

from geoservice.api import catalog, formats
from geoservice.domain.schema import COLLECTIONS

# rdflib's own JSON-LD parser still builds a ConjunctiveGraph (deprecated inside rdflib 7)
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
ROOT = Path(__file__).resolve().parents[1]
DERIVED = ROOT / "tests/shapes/dcat-ap-de-2.0-derived.ttl"
# The official DCAT-AP.de 2.0 shapes (tests/shapes/official/SOURCE.md: GovData's release, CC BY
# 4.0); GEOSERVICE_DCAT_SHAPES names another folder with the same files (e.g. a newer copy)
OFFICIAL = Path(os.environ.get("GEOSERVICE_DCAT_SHAPES") or ROOT / "tests/shapes/official")
CONVENTIONS = "dcat-ap-konventionen.ttl"  # GovData's conventions: a profile of its own
# The vocabulary facts the official validator imports, for the codes the catalogue uses
VOCABULARIES = ROOT / "tests/shapes/vocabularies.ttl"
SCHEMES = ("http://publications.europa.eu/resource/authority/", "http://dcat-ap.de/def/")


def _graph(client, fmt: str) -> Graph:
    response = client.get("/catalog", headers={"Accept": catalog.MEDIA[fmt]})
    assert response.status_code == 200 and response.mimetype == catalog.MEDIA[fmt]
    return Graph().parse(data=response.data, format={"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}[fmt])


def _vocabularies(data: Graph) -> Graph:
    """The vocabulary excerpt; every controlled-vocabulary IRI the catalogue uses is in it."""
    vocabularies = Graph().parse(VOCABULARIES)
    known = set(vocabularies.subjects(SKOS.inScheme, None))
    used = {o for o in data.objects() if isinstance(o, URIRef) and str(o).startswith(SCHEMES)}
    assert used <= known, used - known
    return vocabularies


def _official(conventions: bool) -> Graph:
    """GovData's profile "DCAT-AP.de 2.0 – Spezifikation" (+ "Konventionen")."""
    shapes = Graph()
    for path in sorted(OFFICIAL.glob("*.ttl")):
        if conventions or path.name != CONVENTIONS:
            shapes.parse(path, format="turtle")
    return shapes


def _results(data: Graph, shapes: Graph) -> list[tuple[str, str, str]]:
    """Every result of any severity: (severity, shape (its IRI, else the path), message)."""
    # the vocabulary facts go into the data graph, as the imports do in GovData's validator
    # (pyshacl's ont_graph would copy only RDFS/OWL axioms, not skos:inScheme)
    _conforms, report, _text = validate(data + _vocabularies(data), shacl_graph=shapes,
                                        inference="none", allow_warnings=False)
    results = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        shape = report.value(result, SH.sourceShape)
        results.append((str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[1],
                        str(shape if isinstance(shape, URIRef) else report.value(result, SH.resultPath)),
                        str(report.value(result, SH.resultMessage))))
    return sorted(results)


def test_turtle_jsonld_and_rdfxml_parse_to_the_same_graph(client):
    turtle = _graph(client, "ttl")
    assert len(turtle) > 100
    assert isomorphic(turtle, _graph(client, "jsonld"))
    assert isomorphic(turtle, _graph(client, "rdf"))
    assert client.get("/catalog?f=jsonld").mimetype == "application/ld+json"
    assert client.get("/catalog?f=xml").status_code == 406


def test_catalogue_conforms_to_the_derived_shapes(client):
    data = _graph(client, "ttl")
    assert _results(data, Graph().parse(DERIVED)) == []


def test_catalogue_conforms_to_the_official_dcat_ap_de_shapes(client):
    """GovData's profile "DCAT-AP.de 2.0 – Spezifikation": no violation, warning or info."""
    assert (OFFICIAL / "dcat-ap_2.1.1_shacl_shapes.ttl").exists(), OFFICIAL
    assert _results(_graph(client, "ttl"), _official(conventions=False)) == []
    assert _results(_graph(client, "jsonld"), _official(conventions=False)) == []


def test_catalogue_and_govdata_conventions(client, make_app):
    """Profile "Spezifikation + Konventionen": what is left needs the operator. Without
    GOVDATA_CONTRIBUTOR_ID each dataset lacks dcatde:contributorID (K12/13, a violation); with it
    none is left. dct:issued (recommended, a warning) is not published: no date is recorded."""
    datasets = len(COLLECTIONS)
    results = _results(_graph(client, "ttl"), _official(conventions=True))
    issued = [r for r in results if r[1].endswith("/KonvXX_dct_issued_w_Min")]
    assert len(issued) == datasets and all(r[0] == "Warning" for r in issued)
    rest = [r for r in results if r not in issued]
    assert [r[1].rsplit("/", 1)[1] for r in rest] == ["Konv12_13_contributorID_v_List"] * datasets
    assert all(r[0] == "Violation" for r in rest)

    app = make_app(GOVDATA_CONTRIBUTOR_ID="http://dcat-ap.de/def/contributors/freistaatSachsen")
    results = _results(_graph(app.test_client(), "ttl"), _official(conventions=True))
    assert results == issued  # the same warnings, nothing else


def test_catalogue_says_what_the_ogc_api_says(client):
    data = _graph(client, "ttl")
    collections = {c["id"]: c for c in client.get("/collections").get_json()["collections"]}
    offered = [r for r in [*formats.views("items"), *formats.downloads()] if r.name != "html"]
    for spec in COLLECTIONS.values():
        node = URIRef(f"http://localhost/collections/{spec.name}")
        assert (node, RDF.type, DCAT.Dataset) in data
        distributions = set(data.objects(node, DCAT.distribution))
        assert len(distributions) == len(offered) + spec.versioned  # + XPlanGML (test_xplan.py)
        licences = {str(o) for d in distributions for o in data.objects(d, DCTERMS.license)}
        assert licences == {spec.licences[0].dcat_ap_de}
        rights = " ".join(str(o) for d in distributions for r in data.objects(d, DCTERMS.rights)
                          for o in data.objects(r, DCTERMS.description))
        assert all(lic.url in rights for lic in spec.licences)  # every `license` link's licence
        start = collections[spec.name]["extent"]["temporal"]["interval"][0][0][:10]
        period = next(data.objects(node, DCTERMS.temporal))
        assert str(next(data.objects(period, DCAT.startDate))) == start
