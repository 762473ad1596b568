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
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS

from geoservice.api import catalog, formats
from geoservice.domain.schema import COLLECTIONS

# rdflib's own JSON-LD parser still builds a ConjunctiveGraph (deprecated inside rdflib 7)
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
ROOT = Path(__file__).resolve().parents[1]
DERIVED = ROOT / "tests/shapes/dcat-ap-de-2.0-derived.ttl"
# The official shapes are not in the repository (docs/PUBLISHING.md says where they come from):
# GEOSERVICE_DCAT_SHAPES, or ../shared/dcat-ap-de-2.0-shapes beside the clone or its worktree.
OFFICIAL = next((p for p in (Path(os.environ.get("GEOSERVICE_DCAT_SHAPES", "/nonexistent")),
                             ROOT.parent / "shared/dcat-ap-de-2.0-shapes",
                             ROOT.parent.parent / "shared/dcat-ap-de-2.0-shapes")
                 if (p / "dcat-ap_2.1.1_shacl_shapes.ttl").exists()), None)
# The codes the catalogue uses, each checked against its vocabulary by hand: EU file types,
# data themes, frequencies, languages (publications.europa.eu) and the DCAT-AP.de licences
KNOWN_CODES = {
    "http://publications.europa.eu/resource/authority/file-type": {"GEOJSON", "JSON", "GPKG", "CSV",
                                                                   "GML"},
    "http://publications.europa.eu/resource/authority/data-theme": {"REGI"},
    "http://publications.europa.eu/resource/authority/frequency": {"IRREG"},
    "http://publications.europa.eu/resource/authority/language": {"DEU"},
    "http://dcat-ap.de/def/licenses": {"odbl", "dl-by-de/2.0", "cc-by-sa"},
}


def _graph(client, fmt: str) -> Graph:
    response = client.get("/catalog", headers={"Accept": catalog.MEDIA[fmt]})
    assert response.status_code == 200 and response.mimetype == catalog.MEDIA[fmt]
    return Graph().parse(data=response.data, format={"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}[fmt])


def _vocabulary_excerpt(data: Graph) -> Graph:
    """The skos:inScheme facts the official validator imports from the controlled vocabularies
    (over the network), for exactly the codes the catalogue uses; each must be a known code."""
    excerpt = Graph()
    for obj in set(data.objects()):
        for scheme, codes in KNOWN_CODES.items():
            if isinstance(obj, URIRef) and str(obj).startswith(scheme + "/"):
                assert str(obj)[len(scheme) + 1:] in codes, obj
                excerpt.add((obj, SKOS.inScheme, URIRef(scheme)))
    return excerpt


def test_turtle_jsonld_and_rdfxml_parse_to_the_same_graph(client):
    turtle = _graph(client, "ttl")
    assert len(turtle) > 100
    assert isomorphic(turtle, _graph(client, "jsonld"))
    assert isomorphic(turtle, _graph(client, "rdf"))
    assert client.get("/catalog?f=jsonld").mimetype == "application/ld+json"
    assert client.get("/catalog?f=xml").status_code == 406


def _violations(data: Graph, shapes: Graph) -> list[str]:
    conforms, _results, text = validate(data + _vocabulary_excerpt(data), shacl_graph=shapes,
                                        inference="none", allow_warnings=True)
    return [] if conforms else [text]


def test_catalogue_conforms_to_the_derived_shapes(client):
    data = _graph(client, "ttl")
    assert _violations(data, Graph().parse(DERIVED)) == []


@pytest.mark.skipif(OFFICIAL is None, reason="official DCAT-AP.de 2.0 shapes not found (set "
                    "GEOSERVICE_DCAT_SHAPES or put them in ../shared/dcat-ap-de-2.0-shapes; "
                    "docs/PUBLISHING.md)")
def test_catalogue_conforms_to_the_official_dcat_ap_de_shapes(client):
    shapes = Graph()
    for path in sorted(OFFICIAL.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    assert _violations(_graph(client, "ttl"), shapes) == []


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
