"""The open-data catalogue: DCAT-AP.de 2.0 (DCAT-AP 2.1.1 with the German additions) as RDF.

GET /catalog answers Turtle (default), JSON-LD or RDF/XML (`f=ttl|jsonld|rdf` or `Accept`), for
harvesters such as GovData and city portals. Everything in it comes from the metadata the OGC
API documents use: the collections' specs (title, description, keywords, licences,
attribution), their extents (api/ogc.py), the format registry (one distribution per format)
and the operator's settings (publisher and contact point; an empty setting is published as
"to be filled in", like on the imprint). The service is a dcat:DataService, each collection a
dcat:Dataset it serves.

DCAT-AP allows one `dct:license` per distribution: it is the collection's first licence (the
spec lists the one covering the whole collection first); every licence with what it covers is
in `dct:rights` (a statement with an IRI of its own, `{dataset}#rights`: GovData's conventions
ask for an IRI or a literal there), the attribution in `dcatde:licenseAttributionByText`.

Each dataset's `dct:identifier` is its IRI (GovData's duplicate check reads it). GovData's
conventions also ask for `dcatde:contributorID`, the system that delivers to GovData: only the
operator knows it (setting GOVDATA_CONTRIBUTOR_ID); empty, it is left out. `dct:issued` is left
out: no first publication date is recorded.
"""

from __future__ import annotations

from flask import Blueprint, current_app
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from geoservice import cache, i18n, xplan
from geoservice.api import formats
from geoservice.api.links import url
from geoservice.domain.schema import COLLECTIONS, CollectionSpec
from geoservice.http import check_params_for, dataset, output_format, request_etag, respond
from geoservice.negotiation import MEDIA_TYPES

bp = Blueprint("catalog", __name__)

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
MEDIA = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml"}
RDFLIB_FORMAT = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}
# EU file-type vocabulary per registered format (others are described by their media type only)
FILE_TYPES = {"json": "GEOJSON", "jsonfg": "JSON", "gpkg": "GPKG", "csv": "CSV"}
FREQUENCY = EU + "frequency/IRREG"  # boundaries and projects change when decisions are made
THEME = EU + "data-theme/REGI"  # regions and cities
GERMAN = EU + "language/DEU"
TO_FILL = "[vom Betreiber einzutragen: {what}]"
for _name, _media in MEDIA.items():  # `f=` values and `Accept` types of /catalog (http.output_format)
    MEDIA_TYPES.setdefault(_name, (_media,))


def _text(graph: Graph, node, prop, german: str) -> None:
    """Add a German text and its English translation (when there is one)."""
    graph.add((node, prop, Literal(german, lang="de")))
    english = i18n.EN.get(german)
    if english and english != german:
        graph.add((node, prop, Literal(english, lang="en")))


def _operator(graph: Graph, config) -> tuple[URIRef | BNode, BNode]:
    """Return the publisher (foaf:Agent) and the contact point (vcard:Organization)."""
    name = (config.get("OPERATOR_NAME") or "").strip() or TO_FILL.format(what="Name der Stelle")
    publisher = BNode("publisher")
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, Literal(name, lang="de")))
    contact = BNode("contact")
    graph.add((contact, RDF.type, VCARD.Kind))  # (the class the shapes ask for; no inference)
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(name, lang="de")))
    email = (config.get("OPERATOR_EMAIL") or "").strip()
    if email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{email}")))
    address = (config.get("OPERATOR_ADDRESS") or "").strip()
    if address:
        graph.add((contact, VCARD["note"], Literal(address.replace("|", ", "), lang="de")))
    graph.add((contact, VCARD.hasURL, URIRef(url("impressum"))))
    return publisher, contact


def _extent(graph: Graph, node, spec: CollectionSpec) -> None:
    from geoservice.api.ogc import temporal_interval  # the same extent /collections shows

    gdf = dataset().collection(spec.name)
    west, south, east, north = (round(float(v), 6) for v in gdf.total_bounds)
    place = BNode(f"spatial-{spec.name}")
    graph.add((node, DCTERMS.spatial, place))
    graph.add((place, RDF.type, DCTERMS.Location))
    polygon = (f"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},"
               f"{west} {south}))")
    graph.add((place, DCAT.bbox, Literal(polygon, datatype=GSP.wktLiteral)))
    start, end = temporal_interval(gdf)
    if start:
        period = BNode(f"temporal-{spec.name}")
        graph.add((node, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        graph.add((period, DCAT.startDate, Literal(start[:10], datatype=XSD.date)))
        if end:
            graph.add((period, DCAT.endDate, Literal(end[:10], datatype=XSD.date)))


def _terms(graph: Graph, href, spec: CollectionSpec, rights) -> None:
    """A distribution's licence (DCAT-AP allows one: the collection's first), rights, attribution."""
    if spec.licences:
        graph.add((href, DCTERMS.license, URIRef(spec.licences[0].dcat_ap_de)))
    graph.add((href, DCTERMS.rights, rights))
    if spec.attribution:
        graph.add((href, DCATDE.licenseAttributionByText, Literal(spec.attribution, lang="de")))


def _distributions(graph: Graph, node, spec: CollectionSpec, service) -> None:
    rights = URIRef(str(node) + "#rights")
    graph.add((rights, RDF.type, DCTERMS.RightsStatement))
    graph.add((rights, DCTERMS.description, Literal(
        "; ".join(f"{lic.name} ({lic.url}): {lic.covers}" for lic in spec.licences), lang="de")))
    for renderer in [*formats.views("items"), *formats.downloads()]:
        if renderer.name == "html":
            continue  # the landing page, not a distribution
        href = URIRef(url(f"collections/{spec.name}/items", f=renderer.name))
        graph.add((node, DCAT.distribution, href))
        graph.add((href, RDF.type, DCAT.Distribution))
        _text(graph, href, DCTERMS.title, renderer.collection_title or renderer.name)
        graph.add((href, DCAT.accessURL, href))
        if renderer.download:
            graph.add((href, DCAT.downloadURL, href))
        graph.add((href, DCAT.mediaType, URIRef(IANA + renderer.media_type.split(";")[0])))
        if renderer.name in FILE_TYPES:
            graph.add((href, DCTERMS["format"], URIRef(EU + "file-type/" + FILE_TYPES[renderer.name])))
        _terms(graph, href, spec, rights)
        graph.add((href, DCAT.accessService, service))
    if spec.versioned:  # the boundary versions as XPlanGML (api/planners.py), a download of its own
        href = URIRef(url("areas/xplan.gml"))
        graph.add((node, DCAT.distribution, href))
        graph.add((href, RDF.type, DCAT.Distribution))
        title = "Alle Grenzstände als XPlanGML {version}"
        graph.add((href, DCTERMS.title, Literal(title.format(version=xplan.VERSION), lang="de")))
        graph.add((href, DCTERMS.title, Literal(i18n.EN.get(title, title).format(
            version=xplan.VERSION), lang="en")))
        graph.add((href, DCAT.accessURL, href))
        graph.add((href, DCAT.downloadURL, href))
        graph.add((href, DCAT.mediaType, URIRef(IANA + xplan.MEDIA_TYPE.split(";")[0])))
        graph.add((href, DCTERMS["format"], URIRef(EU + "file-type/GML")))
        _terms(graph, href, spec, rights)


def catalogue() -> Graph:
    """Return the catalogue of this service as an RDF graph (absolute URLs of this request)."""
    config = current_app.config
    graph = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD),
                       ("dcatde", DCATDE), ("locn", LOCN), ("gsp", GSP)):
        graph.bind(prefix, ns)
    data = dataset()
    modified = Literal(data.last_modified.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime)
    catalog = URIRef(url("catalog"))
    service = URIRef(url(""))
    publisher, contact = _operator(graph, config)
    contributor = (config.get("GOVDATA_CONTRIBUTOR_ID") or "").strip()
    graph.add((catalog, RDF.type, DCAT.Catalog))
    _text(graph, catalog, DCTERMS.title, "Fördergebiete Prohlis / Am Koitschgraben")
    _text(graph, catalog, DCTERMS.description, "Fördergebiete (Soziale Stadt / Sozialer Zusammenhalt) "
          "in Dresden-Prohlis und Am Koitschgraben mit ihren Grenzständen und Projekten als "
          "OGC API – Features.")
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, FOAF.homepage, URIRef(url(""))))
    graph.add((catalog, DCTERMS.language, URIRef(GERMAN)))
    graph.add((catalog, DCTERMS.modified, modified))
    graph.add((catalog, DCAT.service, service))
    graph.add((service, RDF.type, DCAT.DataService))
    _text(graph, service, DCTERMS.title, "Fördergebiete Prohlis / Am Koitschgraben")
    graph.add((service, DCAT.endpointURL, service))
    graph.add((service, DCAT.endpointDescription, URIRef(url("openapi", f="json"))))
    graph.add((service, DCTERMS.conformsTo, URIRef("http://www.opengis.net/spec/ogcapi-features-1/1.0")))
    graph.add((service, DCTERMS.publisher, publisher))
    graph.add((service, DCAT.contactPoint, contact))
    for spec in COLLECTIONS.values():
        node = URIRef(url(f"collections/{spec.name}"))
        graph.add((catalog, DCAT.dataset, node))
        graph.add((service, DCAT.servesDataset, node))
        graph.add((node, RDF.type, DCAT.Dataset))
        _text(graph, node, DCTERMS.title, spec.title)
        _text(graph, node, DCTERMS.description, spec.description)
        for word in spec.keywords:
            graph.add((node, DCAT.keyword, Literal(word, lang="de")))
        graph.add((node, DCTERMS.publisher, publisher))
        graph.add((node, DCAT.contactPoint, contact))
        graph.add((node, DCAT.landingPage, URIRef(url(f"collections/{spec.name}", f="html"))))
        graph.add((node, DCTERMS.accrualPeriodicity, URIRef(FREQUENCY)))
        graph.add((node, DCAT.theme, URIRef(THEME)))
        graph.add((node, DCTERMS.language, URIRef(GERMAN)))
        graph.add((node, DCTERMS.modified, modified))
        graph.add((node, DCTERMS.identifier, Literal(str(node))))
        if contributor:
            graph.add((node, DCATDE.contributorID, URIRef(contributor)))
        _extent(graph, node, spec)
        _distributions(graph, node, spec, service)
    return graph


@bp.get("/catalog")
def catalog():
    """The DCAT-AP.de catalogue of the service, in Turtle, JSON-LD or RDF/XML."""
    check_params_for(())
    fmt = output_format(tuple(MEDIA))
    body = cache.memo(dataset(), ("catalog", fmt),
                      lambda: catalogue().serialize(format=RDFLIB_FORMAT[fmt]).encode(), query=False)
    return respond(body, MEDIA[fmt], request_etag(fmt))
