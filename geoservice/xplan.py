"""XPlanung: the funding-area versions as XPlanGML 6.0 `SO_Gebiet`, and such files read back.

Each boundary version is one `SO_Plan` (name, internalId = the version's id) with one `SO_Bereich`
(nummer 0) holding one `SO_Gebiet`: gebietsArt 1400 (Soziale Stadt, § 171e BauGB), the validity as
its start and end condition (`datumAbsolut`: the day it takes and loses effect, as `valid_from` /
`valid_to`), the decision as the start condition's text, rechtsstandGebiet 3000 (Festlegung),
rechtscharakter 2000 (Nachrichtliche Übernahme: the register reproduces the council's decisions)
and, for a reconstructed boundary, the caveat in `text`. What XPlanung has no attribute for
travels as generic attributes (`hatGenerAttribut`). Coordinates in EPSG:25833, to the millimetre.
docs/PUBLISHING.md has the mapping table. Written and read with lxml: xplan-tools, which validates
the output in the tests, needs GDAL's Python bindings, which the service does not.
"""

from __future__ import annotations

import math
import uuid
from datetime import date

import geopandas as gpd
import shapely
from lxml import etree
from pyproj import CRS
from pyproj.exceptions import CRSError

from geoservice.domain import crs as crs_domain
from geoservice.errors import DataError

VERSION = "6.0"
NS = "http://www.xplanung.de/xplangml/6/0"
GML = "http://www.opengis.net/gml/3.2"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{NS} https://repository.gdi-de.org/schemas/de.xleitstelle.xplanung/6.0/XPlanung-Operationen.xsd"
MEDIA_TYPE = "application/gml+xml; version=3.2"  # GML 3.2 (XPlanGML 6.0 is a GML 3.2 application schema)
EPSG = crs_domain.METRIC_EPSG
DECIMALS = 3  # metres: the coordinates are written to the millimetre
TOLERANCE = 0.001  # metres: a boundary read back within this is the same boundary
MAX_BYTES = 20 * 1024 * 1024  # an XPlanGML file read by the import (the bundled areas: ~0.3 MB)

SOZIALE_STADT = "1400"  # SO_GebietsArt: Gebiet nach § 171e BauGB
FESTLEGUNG = "3000"  # SO_RechtsstandGebietTyp
NACHRICHTLICH = "2000"  # XP_Rechtscharakter: Nachrichtliche Übernahme
PLAN_ART = ("https://registry.gdi-de.org/codelist/de.xleitstelle.xplanung/SO_PlanArt", "9999")
CAVEAT = ("Schematische Rekonstruktion aus öffentlichen Daten auf Blockebene, nicht die "
          "rechtsverbindliche Grenze des Fördergebiets.")
# fields without an XPlanung attribute, as generic attributes (name -> XP_*Attribut type)
GENERIC = {"area_id": "XP_StringAttribut", "programme": "XP_StringAttribut",
           "accuracy": "XP_StringAttribut", "published_area_ha": "XP_DoubleAttribut",
           "method": "XP_StringAttribut", "source": "XP_StringAttribut", "note": "XP_StringAttribut"}
_ID_SPACE = uuid.UUID("5f0c1a52-4d0e-4c57-9a43-7c1b2a8e6d10")  # makes the gml:ids repeatable


def _q(name: str, ns: str = NS) -> str:
    return f"{{{ns}}}{name}"


def _gml_id(version_id: str, part: str) -> str:
    """A gml:id that stays the same for the same version (the same data, the same bytes)."""
    # in the form of a random (version 4) UUID, which readers such as xplan-tools expect
    return f"GML_{uuid.UUID(bytes=uuid.uuid5(_ID_SPACE, f'{version_id}#{part}').bytes, version=4)}"


def _sub(parent, name: str, text: object | None = None, ns: str = NS, **attrib):
    element = etree.SubElement(parent, _q(name, ns), attrib)
    if text is not None:
        element.text = str(text)
    return element


def _ring(parent, name: str, coords) -> None:
    ring = _sub(_sub(parent, name, ns=GML), "LinearRing", ns=GML)
    _sub(ring, "posList", " ".join(f"{x:.{DECIMALS}f} {y:.{DECIMALS}f}" for x, y in coords), ns=GML,
         srsDimension="2")


def _multisurface(parent, name: str, geom, gml_id: str) -> None:
    surface = _sub(_sub(parent, name), "MultiSurface", ns=GML,
                   **{_q("id", GML): gml_id, "srsName": f"EPSG:{EPSG}"})
    for number, polygon in enumerate(geom.geoms):
        member = _sub(_sub(surface, "surfaceMember", ns=GML), "Polygon", ns=GML,
                      **{_q("id", GML): f"{gml_id}.{number}"})
        _ring(member, "exterior", polygon.exterior.coords)
        for hole in polygon.interiors:
            _ring(member, "interior", hole.coords)


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _generic(parent, name: str, value) -> None:
    kind = GENERIC[name]
    attribute = _sub(_sub(parent, "hatGenerAttribut"), kind)
    _sub(attribute, "name", name)
    _sub(attribute, "wert", repr(float(value)) if kind == "XP_DoubleAttribut" else value)


def _condition(parent, name: str, day: date, text: str | None = None) -> None:
    condition = _sub(_sub(parent, name), "XP_WirksamkeitBedingung")
    if text:
        _sub(condition, "bedingung", text)
    _sub(condition, "datumAbsolut", day.isoformat())


def _member(root, tag: str, gml_id: str):
    feature = _sub(_sub(root, "featureMember", ns=GML), tag, **{_q("id", GML): gml_id})
    _sub(feature, "identifier", gml_id.removeprefix("GML_"), ns=GML, codeSpace="urn:uuid")
    return feature


def _version(root, row: dict, geom) -> None:
    """Append one version as SO_Plan, SO_Bereich and SO_Gebiet (in the schema's element order)."""
    vid = row["id"]
    plan_id, area_id, gebiet_id = (_gml_id(vid, part) for part in ("plan", "bereich", "gebiet"))
    plan = _member(root, "SO_Plan", plan_id)
    _sub(plan, "name", row["name"])
    _sub(plan, "internalId", vid)
    _multisurface(plan, "raeumlicherGeltungsbereich", geom, _gml_id(vid, "plan-geometry"))
    gemeinde = _sub(_sub(plan, "gemeinde"), "XP_Gemeinde")
    _sub(gemeinde, "gemeindeName", "Dresden")
    _sub(plan, "planArt", PLAN_ART[1], codeSpace=PLAN_ART[0])
    _sub(plan, "bereich", **{_q("href", XLINK): f"#{area_id}"})

    bereich = _member(root, "SO_Bereich", area_id)
    _sub(bereich, "nummer", 0)
    _multisurface(bereich, "geltungsbereich", geom, _gml_id(vid, "bereich-geometry"))
    _sub(bereich, "planinhalt", **{_q("href", XLINK): f"#{gebiet_id}"})
    _sub(bereich, "gehoertZuPlan", **{_q("href", XLINK): f"#{plan_id}"})

    gebiet = _member(root, "SO_Gebiet", gebiet_id)
    if row.get("accuracy") != "official":
        _sub(gebiet, "text", CAVEAT)
    basis = _sub(_sub(gebiet, "gesetzlicheGrundlage"), "XP_GesetzlicheGrundlage")
    _sub(basis, "name", "Baugesetzbuch (BauGB)")
    _sub(basis, "detail", "§ 171e")
    for name in GENERIC:
        if not _blank(row.get(name)):
            _generic(gebiet, name, row[name])
    _sub(gebiet, "gehoertZuBereich", **{_q("href", XLINK): f"#{area_id}"})
    _condition(gebiet, "startBedingung", row["valid_from"], row.get("decision"))
    if not _blank(row.get("valid_to")):
        _condition(gebiet, "endeBedingung", row["valid_to"])
    _sub(gebiet, "aufschrift", row["name"])
    _sub(gebiet, "rechtscharakter", NACHRICHTLICH)
    _multisurface(gebiet, "position", geom, _gml_id(vid, "gebiet-geometry"))
    _sub(gebiet, "flaechenschluss", "false")
    gemeinde = _sub(_sub(gebiet, "gemeinde"), "XP_Gemeinde")
    _sub(gemeinde, "gemeindeName", "Dresden")
    _sub(gebiet, "gebietsArt", SOZIALE_STADT)
    _sub(gebiet, "rechtsstandGebiet", FESTLEGUNG)


def to_gml(areas: gpd.GeoDataFrame) -> bytes:
    """Return funding-area versions (a frame with `metric` geometries in EPSG:25833) as XPlanGML."""
    root = etree.Element(_q("XPlanAuszug"), nsmap={None: NS, "gml": GML, "xlink": XLINK, "xsi": XSI})
    root.set(_q("schemaLocation", XSI), SCHEMA_LOCATION)
    root.set(_q("id", GML), _gml_id("|".join(map(str, areas["id"])), "auszug"))
    metric = list(areas["metric"])
    x0, y0, x1, y1 = shapely.total_bounds(metric)
    envelope = _sub(_sub(root, "boundedBy", ns=GML), "Envelope", ns=GML, srsName=f"EPSG:{EPSG}")
    _sub(envelope, "lowerCorner", f"{x0:.{DECIMALS}f} {y0:.{DECIMALS}f}", ns=GML)
    _sub(envelope, "upperCorner", f"{x1:.{DECIMALS}f} {y1:.{DECIMALS}f}", ns=GML)
    columns = [c for c in areas.columns if c not in ("metric", areas.geometry.name)]
    for record, geom in zip(areas[columns].to_dict("records"), metric, strict=True):
        _version(root, record, shapely.MultiPolygon([geom]) if geom.geom_type == "Polygon" else geom)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --------------------------------------------------------------------------- reading

def _srs(name: str | None, label: str) -> CRS:
    if not name:
        raise DataError(label, ["a geometry has no srsName and the file has no gml:boundedBy with one"])
    try:
        found = CRS.from_user_input(name)
    except CRSError:
        raise DataError(label, [f"srsName '{name}' is not a CRS pyproj knows (e.g. EPSG:25833)"]) from None
    if not found.is_projected or found.axis_info[0].direction != "east":
        raise DataError(label, [f"srsName '{name}': only projected CRSs with easting first are read "
                                "(XPlanGML uses e.g. EPSG:25832/25833)"])
    return found


def _coords(ring, label: str) -> list[tuple[float, float]]:
    """A ring's positions: gml:LinearRing (posList or pos) or a gml:Ring of several curve members
    (their positions in document order)."""
    lists = list(ring.iter(_q("posList", GML)))
    if any(p.get("srsDimension", "2") != "2" for p in lists):
        raise DataError(label, ["only 2D coordinates are read (srsDimension 2)"])
    try:
        values = ([float(v) for p in lists for v in (p.text or "").split()] if lists else
                  [float(v) for p in ring.iter(_q("pos", GML)) for v in (p.text or "").split()[:2]])
    except ValueError:
        raise DataError(label, ["a coordinate is not a number"]) from None
    if len(values) < 8 or len(values) % 2:
        raise DataError(label, ["a ring needs at least 4 positions of 2 coordinates"])
    return list(zip(values[0::2], values[1::2], strict=True))


def _polygons(element, label: str) -> list[shapely.Polygon]:
    found = []
    for polygon in (e for e in element.iter() if e.tag in (_q("Polygon", GML), _q("PolygonPatch", GML))):
        if any(e.tag in (_q("Arc", GML), _q("ArcString", GML), _q("Circle", GML)) for e in polygon.iter()):
            raise DataError(label, ["arcs (gml:Arc, gml:ArcString, gml:Circle) are not read; "
                                    "export the boundary with straight segments"])
        exterior = polygon.find(_q("exterior", GML))
        if exterior is None:
            raise DataError(label, ["a polygon has no gml:exterior"])
        holes = [_coords(ring, label) for ring in polygon.findall(_q("interior", GML))]
        found.append(shapely.Polygon(_coords(exterior, label), holes))
    return found


def _geometry(position, default_srs: str | None, label: str):
    shapes = [child for child in position if isinstance(child.tag, str)]
    if len(shapes) != 1:
        raise DataError(label, ["SO_Gebiet/position holds no geometry"])
    source = _srs(shapes[0].get("srsName") or default_srs, label)
    polygons = _polygons(shapes[0], label)
    if not polygons:
        raise DataError(label, ["SO_Gebiet/position is not a polygon or multi-surface"])
    metric = shapely.MultiPolygon(polygons)
    if not source.equals(crs_domain.pyproj_crs(EPSG)):
        metric = crs_domain.transform_geometry(metric, source.to_string(), EPSG)
    return metric


def _text(element, path: str) -> str | None:
    found = element.find(path, {"x": NS})
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


def _day(element, path: str, label: str) -> date | None:
    value = _text(element, path)
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise DataError(label, [f"{path.replace('x:', '')}: '{value}' is not a date (YYYY-MM-DD)"]) from None


def _generic_values(gebiet, label: str) -> dict:
    values = {}
    for attribute in gebiet.findall("x:hatGenerAttribut/*", {"x": NS}):
        name, value = _text(attribute, "x:name"), _text(attribute, "x:wert")
        if name not in GENERIC or value is None:
            continue  # another writer's generic attributes are not ours
        if GENERIC[name] == "XP_DoubleAttribut":
            try:
                value = float(value)
            except ValueError:
                raise DataError(label, [f"generic attribute {name}: '{value}' is not a number"]) from None
        values[name] = value
    return values


def _ref(element, name: str, ids: dict):
    """The feature a property of `element` points to (xlink:href="#id"; XPlanGML 6.0 requires
    SO_Gebiet/gehoertZuBereich and SO_Bereich/gehoertZuPlan), None if none."""
    found = element.find(f"x:{name}", {"x": NS})
    return ids.get((found.get(_q("href", XLINK)) or "").lstrip("#")) if found is not None else None


def parse(data: bytes, label: str) -> list[dict]:
    """Return each SO_Gebiet of an XPlanGML 6.0 file as a funding-area row (fields + `metric`).

    Values the file does not hold are left out (the import says which it still needs). Refuses
    other versions, areas that are not gebietsArt 1400, unreadable geometry, each by a DataError."""
    if len(data) > MAX_BYTES:
        raise DataError(label, [f"larger than {MAX_BYTES // (1024 * 1024)} MB"])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DataError(label, [f"not XML: {exc}"]) from None
    if root.tag != _q("XPlanAuszug"):
        raise DataError(label, [f"not XPlanGML {VERSION}: the root element is {root.tag}, expected "
                                f"XPlanAuszug in {NS}"])
    envelope = root.find(f"{_q('boundedBy', GML)}/{_q('Envelope', GML)}")
    default_srs = envelope.get("srsName") if envelope is not None else None
    ids = {e.get(_q("id", GML)): e for e in root.iter() if e.get(_q("id", GML))}
    rows = []
    gebiete = root.findall(f"{_q('featureMember', GML)}/{_q('SO_Gebiet')}")
    gebiete += root.findall(f"{_q('featureMembers', GML)}/{_q('SO_Gebiet')}")
    if not gebiete:
        raise DataError(label, ["holds no SO_Gebiet"])
    for number, gebiet in enumerate(gebiete, 1):
        where = f"{label}: SO_Gebiet {number}"
        art = _text(gebiet, "x:gebietsArt")
        if art != SOZIALE_STADT:
            raise DataError(where, [f"gebietsArt is {art or 'missing'}, not {SOZIALE_STADT} (SozialeStadt)"])
        position = gebiet.find("x:position", {"x": NS})
        if position is None:
            raise DataError(where, ["has no position"])
        row = {"metric": _geometry(position, default_srs, where), **_generic_values(gebiet, where)}
        row["valid_from"] = _day(gebiet, "x:startBedingung/x:XP_WirksamkeitBedingung/x:datumAbsolut", where)
        row["valid_to"] = _day(gebiet, "x:endeBedingung/x:XP_WirksamkeitBedingung/x:datumAbsolut", where)
        row["decision"] = _text(gebiet, "x:startBedingung/x:XP_WirksamkeitBedingung/x:bedingung")
        row["name"] = _text(gebiet, "x:aufschrift")
        bereich = _ref(gebiet, "gehoertZuBereich", ids)
        plan = _ref(bereich, "gehoertZuPlan", ids) if bereich is not None else None
        if plan is not None:
            row["id"] = _text(plan, "x:internalId")
            row["name"] = row["name"] or _text(plan, "x:name")
            row["plan"] = _text(plan, "x:name")
        rows.append({key: value for key, value in row.items() if value is not None})
    return rows
