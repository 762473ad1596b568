#!/usr/bin/env python
"""Build the geoservice data files from the copied source files in geodata/sources/.

Run:  .venv/bin/python scripts/build_geodata.py [--out DIR]

Reads ONLY geodata/sources/ (relative to the repository) and writes, deterministically:
  funding_areas.geojson, focus_areas.geojson, projects.geojson, timeline.json,
  checkpoints.csv, context/stadtteile.geojson
All areas are computed in EPSG:25833 (ETRS89 / UTM 33N). Output GeoJSON is RFC 7946
(WGS84 lon/lat, exterior rings counter-clockwise, 7 decimals), pretty-printed with indent=1.
The reconstruction method is described in geodata/README.md.
"""

# ruff: noqa: E501  (long German text literals, citations and URLs are kept on one line)

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping
from shapely.geometry.polygon import orient
from shapely.ops import linemerge, nearest_points, split, unary_union

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "geodata" / "sources"
METRIC = 25833
TO_M = pyproj.Transformer.from_crs(4326, METRIC, always_xy=True)
TO_LL = pyproj.Transformer.from_crs(METRIC, 4326, always_xy=True)
MIN_RING_M2 = 100.0  # 0.01 ha: smaller parts and holes are dropped as slivers

# ---------------------------------------------------------------- sources / citations
SSDE = "http://sozialestadt.de/gebiete/dokumente/026-010201.phtml"
DD_SS = "https://www.dresden.de/de/stadtraum/planen/stadtentwicklung/stadterneuerung/soziale_stadt/Prohlis_Am_Koitschgraben.php"
QM_ENTW = "http://www.qm-prohlis.de/Entwicklung-zur-Sozialen-Stadt.23.html"
QM_HIST = "http://www.qm-prohlis.de/Historische-Wurzeln.22.html"
QM_WASIST = "http://qm-prohlis.de/Was-ist-Quartiersmanagement.11.html"
QM_BH = "http://qm-prohlis.de/Buergerhaus-Prohlis.166.html"
QM_HOME = "http://qm-prohlis.de/Home.1.html"
QM_NEU = "https://qm-prohlis.de/wir-sind-prohlis/willkommen-im-stadtteilbuero-quartiersmanagement-qm"
STESAD = "https://www.stesad.de/stadtentwicklung/gebietsbetreuung/soziale_stadt_prohlis/"
KEM_2010 = "http://www.ke-mitteldeutschland.de/Quartiersmanagement-Dresden-Prohlis-bezieht-neues-Buero-012010.60.html"
KEM_2016 = "http://www.ke-mitteldeutschland.de/Fuehrungswechsel-im-Quartiersmanagement-Dresden-Prohlis-082016.143.html"
SB_AK = "https://stadtteilbuero-am-koitschgraben.de/index2.php"
SB_AK_QM = "https://stadtteilbuero-am-koitschgraben.de/printable/quartiersmanagement/index.html"
DSZ_2016 = "https://www.dresdner-stadtteilzeitungen.de/stichwort/soziales-quartiermanagement/"
DSZ_2017 = "https://dresdner-stadtteilzeitungen.de/foerdermittel-gebiet-am-koitschgraben"
STWIKI = "https://www.stadtwikidd.de/wiki/Prohlis"
KAMPUS = "https://kampuspedia.com/de/Prohlis"
SZ_RING = "https://www.saechsische.de/plus/prohliser-ring-schliesst-sich-2636413.html"
WAYBACK_STWENG = (
    "http://wayback.archive.org/web/20150610213507/http://www.dresden.de/de/08/01/archiv/plattenabu/c_02.php"
)
DEWIKI_STR = "https://dewiki.de/Lexikon/Liste_der_Stra%c3%9fen_und_Pl%c3%a4tze_in_Prohlis"

# research trail of these four: geodata/README.md ("Research trail")
GEOM_SRC_WB = (
    "Geometrie: Wahlbezirke der Kommunalwahl 2019 der Landeshauptstadt Dresden (Informationssystem kommisdd der Stadt; "
    "Lizenz vermutlich dl-de/by-2-0, zu prüfen)"
)
GEOM_SRC_WB24 = "Wahlbezirke der Landtagswahl 2024 (gleiche Quelle), nur für die Abgrenzung des Karl-Laux-Quartiers"
GEOM_SRC_OSM = (
    "Schnittlinien: Straßenlinien aus OpenStreetMap (Auszug des Projekts EqualStreetNames Dresden), "
    "(c) OpenStreetMap contributors, ODbL 1.0"
)
GEOM_SRC_ADDR = (
    "Adresspunkte Karl-Laux-Str. 5 (geokodiert, " + "Datensammlung Afeefa Dresden (dresdenfueralle.de), Stand April 2017"
    + ") und Haltestelle Karl-Laux-Straße (OpenStreetMap-Haltestellendaten, Stand August 2014, ODbL)"
)


# ---------------------------------------------------------------- public wording of provenance
# Public attributes say where a fact comes from in words a citizen understands; the research trail
# (repositories, commits, file paths) is listed in geodata/README.md ("Research trail"). Every URL
# is kept. Applied to method, source, note and location_method; the build fails if a trail
# marker is left over (INTERNAL).
AFEEFA_2017 = "Datensammlung Afeefa Dresden (dresdenfueralle.de), Stand April 2017"
AFEEFA = "Datensammlung Afeefa Dresden (dresdenfueralle.de), Stand 2015–2017"
OSM_STOPS = "OpenStreetMap-Haltestellendaten, Stand August 2014"
PUBLIC_WORDING = [
    (r"AfeefaDe/afeefa-neos@[0-9a-f]{40}:backups/db_dumps/live/2017-04-23/ddfa_main_domain_model_location\.sql",
     AFEEFA_2017),
    (r"AfeefaDe/afeefa-neos@[0-9a-f]{40}", AFEEFA_2017),
    (r"AfeefaDe/afeefa-backend-api@[0-9a-f]{40}:db/afeefa_neos_live\.sql", AFEEFA),
    (r"offenesdresden/trammap@[0-9a-f]{40}:static/lines/\*\.json", OSM_STOPS),
    (r"offenesdresden/trammap@[0-9a-f]{40}, OSM ODbL", OSM_STOPS + ", ODbL"),
    (r" \(via (?:shared/)?geodata-sources/[\w.]+\)", ""),
    (r" via (?:shared/)?geodata-sources/[\w.]+", ""),
    (r"Wikipedia-derived, CC BY-SA", "aus Wikipedia abgeleitet, CC BY-SA 3.0"),
    (r"\(OSM way (\d+), vertex (\d+) of (\d+)\)", r"(OpenStreetMap-Weg \1, Stützpunkt \2 von \3)"),
    (r"representative point des", "ein innerer Punkt des"),
    (r"Koordinate aus projects\.csv \(geokodierte Adresse\): Koordinate: ",
     "Laut Projektrecherche (geokodierte Adresse): "),
    (r"Koordinate aus projects\.csv \(dort als Näherung/Referenzpunkt gekennzeichnet\): Koordinate = ",
     "Laut Projektrecherche: "),
    (r" \(history\.md Abschnitt 2/5\)", " (in den recherchierten Quellen)"),
]
INTERNAL = re.compile(r"@[0-9a-f]{7}|shared/|geodata-sources|geodata/sources|\.sql\b|projects\.csv|"
                      r"addresses\.csv|history\.md|OSM way|representative point|Wikipedia-derived")


def public(text):
    """Return a provenance text in plain German (URLs kept); fail on an unknown trail marker."""
    if text is None:
        return None
    for pattern, replacement in PUBLIC_WORDING:
        text = re.sub(pattern, replacement, text)
    left = INTERNAL.search(text)
    if left:
        raise ValueError(f"internal provenance left in a public attribute: ...{text[max(0, left.start() - 60):left.end() + 60]}...")
    return text


# ---------------------------------------------------------------- helpers
def _tf(tr):
    def f(c):
        x, y = tr.transform(c[:, 0], c[:, 1])
        return np.column_stack([x, y])

    return f


def to_m(g):
    return shapely.transform(g, _tf(TO_M))


def to_ll(g):
    return shapely.transform(g, _tf(TO_LL))


def pt(lon: float, lat: float) -> Point:
    return Point(*TO_M.transform(lon, lat))


def polys_only(g) -> MultiPolygon:
    """Polygonal part of g, without parts and holes smaller than 0.01 ha."""
    out = []
    for p in getattr(g, "geoms", [g]):
        if p.geom_type == "GeometryCollection":
            out.extend(polys_only(p).geoms)
            continue
        if p.geom_type == "MultiPolygon":
            out.extend(polys_only(p).geoms)
            continue
        if p.geom_type != "Polygon" or p.area < MIN_RING_M2:
            continue
        holes = [h for h in p.interiors if Polygon(h).area >= MIN_RING_M2]
        out.append(Polygon(p.exterior, holes))
    return MultiPolygon(out)


def clean(g):
    g = polys_only(shapely.make_valid(g))
    g = shapely.make_valid(g)
    g = polys_only(g)
    return g if len(g.geoms) != 1 else g.geoms[0]


def ha(g) -> float:
    return round(g.area / 1e4, 2)


def extend(line: LineString, d: float = 1000.0) -> LineString:
    """Prolong both end segments of a street line straight by d metres (to cut a polygon completely)."""
    c = list(line.coords)
    a, b = np.array(c[0]), np.array(c[1])
    y, z = np.array(c[-2]), np.array(c[-1])
    s = a + (a - b) / np.linalg.norm(a - b) * d
    e = z + (z - y) / np.linalg.norm(z - y) * d
    return LineString([tuple(s)] + c + [tuple(e)])


def side(poly, line, ref: Point):
    """The part(s) of poly, cut by line, that contain the reference point ref."""
    parts = split(poly, line).geoms
    keep = [p for p in parts if p.buffer(0.01).contains(ref)]
    if not keep:
        raise RuntimeError("reference point not in any part")
    return unary_union(keep)


def rnd(obj):
    """Round all coordinates of a GeoJSON geometry mapping to 7 decimals, dropping repeated vertices."""
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), 7) for v in obj]
        out = [rnd(o) for o in obj]
        if out and isinstance(out[0], list) and out[0] and isinstance(out[0][0], float):
            out = [c for i, c in enumerate(out) if i == 0 or c != out[i - 1]]
        return out
    return obj


def geom_ll(g_m, multi: bool = False):
    """Metric geometry -> RFC 7946 mapping (lon/lat, CCW exteriors, 7 decimals).

    multi=True writes a Polygon as a MultiPolygon of one part (funding and focus areas are
    MultiPolygon throughout, so GIS clients see one geometry type per layer)."""
    g = to_ll(g_m)
    if g.geom_type in ("Polygon", "MultiPolygon"):
        if g.geom_type == "Polygon" and not multi:
            g = orient(g, 1.0)
        else:
            parts = [g] if g.geom_type == "Polygon" else list(g.geoms)
            g = MultiPolygon([orient(p, 1.0) for p in parts])
    m = mapping(g)
    return {"type": m["type"], "coordinates": rnd(m["coordinates"])}


def dump(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")


def fc(features, name):
    return {"type": "FeatureCollection", "name": name, "features": features}


def slug(text: str, maxlen: int = 48) -> str:
    t = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        t = t.replace(a, b)
    t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode()
    t = re.sub(r"[^a-z0-9]+", "-", t).strip("-")
    if len(t) > maxlen:
        t = t[:maxlen].rsplit("-", 1)[0]
    return t


# ---------------------------------------------------------------- load sources
def load():
    wb = gpd.read_file(SRC / "dresden_wahlbezirke_2019_2024_prohlis_bbox.geojson").to_crs(METRIC)
    k19 = wb[wb["layer"].str.startswith("Kommunalwahl 2019")].set_index("wb").geometry
    l24 = wb[wb["layer"].str.startswith("Landtagswahl 2024")].set_index("wb").geometry
    st = gpd.read_file(SRC / "dresden_stadtteile_prohlis_umfeld_osm.geojson")
    streets = gpd.read_file(SRC / "osm_streets_prohlis_esn.geojson").to_crs(METRIC)
    with open(SRC / "addresses.csv", encoding="utf-8") as f:
        addresses = list(csv.DictReader(f))
    with open(SRC / "projects.csv", encoding="utf-8") as f:
        projects = list(csv.DictReader(f))
    return k19, l24, st, streets, addresses, projects


class Streets:
    def __init__(self, gdf):
        self.gdf = gdf.sort_values(["name", "osm_way_id"]).reset_index(drop=True)

    def union(self, name):
        geoms = list(self.gdf[self.gdf["name"] == name].geometry)
        if not geoms:
            raise KeyError(name)
        return unary_union(geoms)

    def longest(self, name) -> LineString:
        m = self.union(name)
        if m.geom_type == "MultiLineString":
            m = linemerge(m)
        return max(getattr(m, "geoms", [m]), key=lambda x: (round(x.length, 3), x.wkt))


class Addr:
    def __init__(self, rows):
        self.rows = rows

    def get(self, prefix):
        hits = [r for r in self.rows if r["name"].startswith(prefix)]
        if len(hits) != 1:
            raise KeyError(f"{prefix!r}: {len(hits)} hits")
        r = hits[0]
        return r, float(r["lon"]), float(r["lat"])


# ---------------------------------------------------------------- reconstruction
def reconstruct(k19, l24, streets: Streets, addr: Addr):
    """Build the focus areas and the Karl-Laux extension in EPSG:25833. Returns dict of geometries + notes."""
    ref = {}
    for key, prefix in {
        "vetschauer14": "Vetschauer Straße 14",
        "windmuehlen": "Windmühlenstraße (OSM way 4315225",
        "langerweg4": "Langer Weg 4",
        "kl5a": "Karl-Laux-Straße 5, 01219 Dresden (SPIKE",
        "kl5b": "Karl-Laux-Straße 5, 01219 Dresden (school",
        "klstop": "DVB stop 'Karl-Laux-Straße'",
        "lohrmann20": "Lohrmannstraße 20",
    }.items():
        _, lon, lat = addr.get(prefix)
        ref[key] = pt(lon, lat)

    # --- Schwerpunkt Prohlis
    d7172 = unary_union([g for wb, g in k19.items() if wb.startswith(("71", "72"))])
    niedersedlitzer = extend(streets.longest("Niedersedlitzer Straße"), 800)
    reick_w = side(k19["77300"], niedersedlitzer, ref["vetschauer14"])  # 77300 west of Niedersedlitzer Str.
    reick_e = k19["77300"].difference(reick_w)
    allee = extend(streets.longest("Prohliser Allee"), 1500)
    reick_e_south = side(reick_e, allee, ref["langerweg4"])  # Langer Weg corner, south-east of the Allee axis
    windm_line = streets.longest("Windmühlenstraße")
    windm = extend(windm_line, 800)
    # keep the part(s) of 73300 nearest to Prohlis-Süd (district 72300), i.e. north of Windmühlenstraße
    stern_ref = k19["72300"].representative_point()
    parts = split(k19["73300"], windm).geoms
    north = [p for p in parts if p.distance(stern_ref) == min(q.distance(stern_ref) for q in parts)]
    sternhaus = unary_union(north).union(k19["73300"].intersection(windm_line.buffer(20)))
    prohlis = clean(unary_union([d7172, reick_w, reick_e_south, sternhaus]))

    # --- Wohngebiet Am Koitschgraben (2000 part) and Karl-Laux extension (2004)
    ak2000 = clean(unary_union([k19["76700"], k19["76600"], k19["75300"]]).difference(prohlis))
    kl_block = polys_only(k19["75100"].intersection(l24["75300"]))
    kl_core = unary_union([ref["kl5a"], ref["kl5b"], ref["klstop"]]).convex_hull.buffer(KL_RADIUS)
    kl_ext = clean(kl_block.intersection(kl_core).difference(prohlis).difference(ak2000))
    ak_focus = clean(unary_union([ak2000, kl_ext]))

    # --- Zwischengebiet: Altreick / Reick between the two
    zw = clean(unary_union([k19["77200"], k19["77100"]]).difference(prohlis).difference(ak_focus))

    # --- Am Koitschgraben after 2016: focus area + Plattenbau part of 77100 north of Lehmannstraße
    lehmann = extend(streets.longest("Lehmannstraße"), 1000)
    reick_plattenbau = side(k19["77100"], lehmann, ref["lohrmann20"])
    ak2016 = clean(unary_union([ak_focus, reick_plattenbau]).difference(prohlis))

    return {
        "prohlis": prohlis,
        "ak2000": ak2000,
        "kl_ext": kl_ext,
        "ak_focus": ak_focus,
        "zw": zw,
        "ak2016": ak2016,
        "parts_ha": {
            "Wahlbezirke 71xxx+72xxx": ha(d7172),
            "77300 westlich Niedersedlitzer Str.": ha(reick_w),
            "77300 oestlich Niedersedlitzer Str., suedoestlich Achse Prohliser Allee": ha(reick_e_south),
            "73300 noerdlich Windmuehlenstr. (+20 m Strassenkorridor)": ha(polys_only(sternhaus)),
            "Karl-Laux-Block (K2019 75100 ∩ L2024 75300)": ha(kl_block),
            "77100 noerdlich Lehmannstr.": ha(reick_plattenbau),
        },
    }


KL_RADIUS = 115.0  # m, chosen so that the extension matches the published 5.5 ha (see README)


# ---------------------------------------------------------------- funding areas
def funding_features(geo):
    p, zw, akf, ak00, ak16, kl = (geo[k] for k in ("prohlis", "zw", "ak_focus", "ak2000", "ak2016", "kl_ext"))
    joint2000 = clean(unary_union([p, zw, ak00]))
    joint2004 = clean(unary_union([p, zw, akf]))
    wb_methods = {
        "prohlis": (
            "Vereinigung der Wahlbezirke Kommunalwahl 2019 71100-72700 (Prohlis-Nord/-Süd), "
            "des Teils von Wahlbezirk 77300 (Reick, Lübbenauer Str.) westlich der Niedersedlitzer Straße "
            "(Wohnblock Vetschauer/Lübbenauer Str., Gemarkung Prohlis) und des Zwickels 77300 östlich davon "
            "südöstlich der geradlinig verlängerten Achse Prohliser Allee (Langer Weg), sowie des Teils von "
            "Wahlbezirk 73300 (Niedersedlitz, Windmühlenstr.) nördlich der Windmühlenstraße inkl. 20-m-Straßenkorridor "
            "(Sternhaus-Areal). Schnitte entlang OSM-Straßenlinien, an den Enden geradlinig verlängert."
        ),
        "ak2000": (
            "Vereinigung der Wahlbezirke Kommunalwahl 2019 76700 (Wilhelm-Lachnit-Str.: Rudolf-Bergander-Ring, "
            "Walter-Arnold-Str., Wilhelm-Rudolph-Str.), 76600 (H.-Lohmar-Str.: Otto-Dix-Ring/Otto-Dix-Center) "
            "und 75300 (Leubnitz, Karl-Laux-Str.)."
        ),
        "kl": (
            "Karl-Laux-Block = Schnitt Wahlbezirk K2019 75100 mit LTW-2024-Wahlbezirk 75300 'Karl-Laux-Str.' "
            f"(10,8 ha); davon der Teil innerhalb {KL_RADIUS:.0f} m um die konvexe Hülle der Adresspunkte "
            "Karl-Laux-Str. 5 (2 Geokodierungen) und der Haltestelle Karl-Laux-Straße (Radius auf die publizierten 5,5 ha abgestimmt)."
        ),
        "zw": (
            "Vereinigung der Wahlbezirke Kommunalwahl 2019 77200 (Reick, Perronstr.: Altreick/Siedlung Reick) und "
            "77100 (Reick, Gudehusstr.)."
        ),
        "ak2016": (
            "Schwerpunkt Am Koitschgraben (inkl. Karl-Laux-Str.) plus der Teil von Wahlbezirk K2019 77100 nördlich der "
            "geradlinig verlängerten Lehmannstraße (Plattenbau Lohrmannstraße an der Reicker Straße)."
        ),
    }
    src_common = [GEOM_SRC_WB, GEOM_SRC_OSM]
    note_2016_p = (
        "Fläche des Fördergebiets Prohlis nach der Teilung 2016 nicht gefunden (history.md Abschnitt 2/5); "
        "rekonstruiert als bisheriger Schwerpunktbereich Prohlis (203 ha lt. SSDE ca. 2005). "
        "Stadtratsbeschluss 29.09.2016 belegt für das Entwicklungskonzept Prohlis ([QM-WasIst])."
    )
    note_2016_ak = (
        "Publiziert 'ca. 102 ha' (aktuelle Website-Fassung [SB-AK], undatiert, nach 2020). Dass das Konzept Am Koitschgraben "
        "ebenfalls am 29.09.2016 beschlossen wurde, ist nicht belegt (belegt nur für Prohlis); Datum der Teilung "
        "übernommen. Der Zuschnitt (welcher Teil des früheren Zwischengebiets hinzukam) ist eine Annahme."
    )
    note_2020 = (
        "Überführung in 'Sozialer Zusammenhalt' 2020 belegt (Jahr, [SB-AK]; qm-prohlis.de); der genaue Umstellungstag "
        "in Dresden ist nicht veröffentlicht - 01.10.2020 angenommen (Programmgeschichte: Oktober 2020). "
    )
    items = [
        dict(
            id="prohlis-am-koitschgraben-2000",
            area_id="prohlis-am-koitschgraben",
            name="Prohlis / Am Koitschgraben",
            programme="Soziale Stadt",
            valid_from="2000-07-13",
            valid_to="2004-07-01",
            published_area_ha=352.0,
            decision="Stadtratsbeschluss vom 13.07.2000 über das Fördergebiet Prohlis/Wohngebiet Am Koitschgraben (352 ha)",
            geom=joint2000,
            method="Gesamtgebiet = Schwerpunkt Prohlis + Zwischengebiet + Wohngebiet Am Koitschgraben ohne Karl-Laux-Erweiterung. "
            + wb_methods["prohlis"]
            + " "
            + wb_methods["zw"]
            + " "
            + wb_methods["ak2000"],
            source=[SSDE, STESAD, QM_WASIST] + src_common,
            note="Genaues Datum der Programmaufnahme 2000 nicht gefunden; gültig ab Stadtratsbeschluss. "
            "Zuschnitt rekonstruiert, keine amtliche Gebietsgeometrie verfügbar.",
        ),
        dict(
            id="prohlis-am-koitschgraben-2004",
            area_id="prohlis-am-koitschgraben",
            name="Prohlis / Am Koitschgraben",
            programme="Soziale Stadt",
            valid_from="2004-07-01",
            valid_to="2016-09-29",
            published_area_ha=357.5,
            decision="Stadtratsbeschluss vom 01.07.2004 zum Integrierten Handlungskonzept; Gebietserweiterung um 5,5 ha (Teilbereich Karl-Laux-Straße)",
            geom=joint2004,
            method="Version 2000 plus Teilbereich Karl-Laux-Straße. " + wb_methods["kl"],
            source=[SSDE] + src_common + [GEOM_SRC_WB24, GEOM_SRC_ADDR],
            note="Lage und Zuschnitt der 5,5-ha-Erweiterung sind nur textlich belegt ('Teilbereich Karl-Laux-Straße'); "
            "Karl-Laux-Straße selbst ist in den Straßendaten nicht enthalten. Ende = Teilung in zwei Fördergebiete (29.09.2016).",
        ),
        dict(
            id="prohlis-2016",
            area_id="prohlis",
            name="Prohlis",
            programme="Soziale Stadt",
            valid_from="2016-09-29",
            valid_to="2020-10-01",
            published_area_ha=None,
            decision="Stadtratsbeschluss vom 29.09.2016: Entwicklungskonzept Soziale Stadt Prohlis bis 2025 (Teilung des Gesamtgebiets)",
            geom=p,
            method="Wie Schwerpunktbereich Prohlis 2004: " + wb_methods["prohlis"],
            source=[QM_WASIST, DSZ_2016, DSZ_2017, SSDE] + src_common,
            note=note_2016_p,
        ),
        dict(
            id="am-koitschgraben-2016",
            area_id="am-koitschgraben",
            name="Am Koitschgraben",
            programme="Soziale Stadt",
            valid_from="2016-09-29",
            valid_to="2020-10-01",
            published_area_ha=102.0,
            decision="Teilung des Gesamtgebiets in die Fördergebiete Prohlis und Am Koitschgraben (Ortsbeirat 22.08.2016, Stadtrat 29.09.2016 für Prohlis belegt); Entwicklungskonzept bis 2025",
            geom=ak16,
            method=wb_methods["ak2016"] + " " + wb_methods["ak2000"] + " " + wb_methods["kl"],
            source=[SB_AK, DSZ_2016, DSZ_2017, QM_WASIST] + src_common + [GEOM_SRC_WB24, GEOM_SRC_ADDR],
            note=note_2016_ak,
        ),
        dict(
            id="prohlis-2020",
            area_id="prohlis",
            name="Prohlis",
            programme="Sozialer Zusammenhalt",
            valid_from="2020-10-01",
            valid_to=None,
            published_area_ha=None,
            decision="Überführung in das Nachfolgeprogramm 'Sozialer Zusammenhalt' (2020)",
            geom=p,
            method="Geometrie unverändert aus prohlis-2016. " + wb_methods["prohlis"],
            source=[QM_NEU, SB_AK, QM_WASIST] + src_common,
            note=note_2020 + note_2016_p,
        ),
        dict(
            id="am-koitschgraben-2020",
            area_id="am-koitschgraben",
            name="Am Koitschgraben",
            programme="Sozialer Zusammenhalt",
            valid_from="2020-10-01",
            valid_to=None,
            published_area_ha=102.0,
            decision="Überführung in das Nachfolgeprogramm 'Sozialer Zusammenhalt' (2020)",
            geom=ak16,
            method="Geometrie unverändert aus am-koitschgraben-2016. " + wb_methods["ak2016"],
            source=[SB_AK, QM_NEU] + src_common + [GEOM_SRC_WB24, GEOM_SRC_ADDR],
            note=note_2020 + note_2016_ak,
        ),
    ]
    focus = [
        dict(
            id="schwerpunkt-prohlis",
            name="Schwerpunktbereich Prohlis",
            published_area_ha=203.0,
            geom=p,
            method=wb_methods["prohlis"],
            note="Größen der drei Teilbereiche lt. SSDE (Stand ca. 2005).",
        ),
        dict(
            id="schwerpunkt-am-koitschgraben",
            name="Wohngebiet Am Koitschgraben inkl. Karl-Laux-Straße",
            published_area_ha=87.5,
            geom=akf,
            method=wb_methods["ak2000"] + " " + wb_methods["kl"],
            note="Größen der drei Teilbereiche lt. SSDE (Stand ca. 2005).",
        ),
        dict(
            id="zwischengebiet",
            name="Zwischengebiet (Altbau, Wohnquartiere nach 1990, Gewerbe, Brachen)",
            published_area_ha=67.0,
            geom=zw,
            method=wb_methods["zw"],
            note="Größen der drei Teilbereiche lt. SSDE (Stand ca. 2005). Zuordnung von Altreick/Reick zum Zwischengebiet ist eine Annahme.",
        ),
    ]
    for f in focus:
        f.update(
            area_id="prohlis-am-koitschgraben",
            programme="Soziale Stadt",
            valid_from="2004-07-01",
            valid_to="2016-09-29",
            decision="Gliederung des Gesamtgebiets in Handlungsschwerpunkte (Integriertes Handlungskonzept, Stadtratsbeschluss 01.07.2004; Flächen lt. SSDE ca. 2005)",
            source=[SSDE, SB_AK] + src_common + ([GEOM_SRC_WB24, GEOM_SRC_ADDR] if "koitschgraben" in f["id"] else []),
            part_of="prohlis-am-koitschgraben-2004",
        )
    return items, focus


def to_feature(d, extra=()):
    props = {
        "id": d["id"],
        "area_id": d["area_id"],
        "name": d["name"],
        "programme": d["programme"],
        "valid_from": d["valid_from"],
        "valid_to": d["valid_to"],
        "area_ha": ha(d["geom"]),
        "published_area_ha": d["published_area_ha"],
        "decision": d["decision"],
        "accuracy": "reconstructed",
        "method": public(d["method"]),
        "source": public(" ; ".join(d["source"])),
        "note": public(d.get("note")),
    }
    for k in extra:
        props[k] = d[k]
    return {"type": "Feature", "id": d["id"], "properties": props, "geometry": geom_ll(d["geom"], multi=True)}


# ---------------------------------------------------------------- checkpoints
P_VERSIONS = "prohlis-am-koitschgraben-2000|prohlis-am-koitschgraben-2004|prohlis-2016|prohlis-2020|schwerpunkt-prohlis"
AK_VERSIONS = "prohlis-am-koitschgraben-2000|prohlis-am-koitschgraben-2004|am-koitschgraben-2016|am-koitschgraben-2020|schwerpunkt-am-koitschgraben"
KL_VERSIONS = "prohlis-am-koitschgraben-2004|am-koitschgraben-2016|am-koitschgraben-2020|schwerpunkt-am-koitschgraben"
CHECKPOINTS = [
    # (addresses.csv name prefix, must_be_in)
    ("Prohliser Allee 10", P_VERSIONS),
    ("Prohliser Allee 33", P_VERSIONS),
    ("DVB stop 'Albert-Wolf-Platz'", P_VERSIONS),
    ('placename "Prohlis, Nähe Albert-Wolf-Platz"', P_VERSIONS),
    ("DVB stop 'Jacob-Winter-Platz'", P_VERSIONS),
    ("Jacob-Winter-Platz 2", P_VERSIONS),
    ("Gamigstraße 24", P_VERSIONS),
    ("DVB stop 'Georg-Palitzsch-Straße'", P_VERSIONS),
    ("Vetschauer Straße 14", P_VERSIONS),
    ("Elsterwerdaer Straße (OSM way 27110032", P_VERSIONS),
    ("Elsterwerdaer Straße (OSM way 4907590", P_VERSIONS),
    ("Senftenberger Straße 38", P_VERSIONS),
    ("Niedersedlitzer Straße 50", P_VERSIONS),
    ("Herzberger Straße 14", P_VERSIONS),
    ("Windmühlenstraße (OSM way 4315225", P_VERSIONS),
    ("Schloss Prohlis site", P_VERSIONS),
    ("Walter-Arnold-Straße 17", AK_VERSIONS),
    ("Otto-Dix-Ring 61, 01219 Dresden", AK_VERSIONS),
    ("Otto-Dix-Ring 61 (Stadtteilbibliothek", AK_VERSIONS),
    ("DVB stop 'Otto-Dix-Ring'", AK_VERSIONS),
    ("Rudolf-Bergander-Ring 3", AK_VERSIONS),
    ("Wilhelm-Rudolph-Straße (OSM way 47585681", AK_VERSIONS),
    ("Karl-Laux-Straße 5, 01219 Dresden (SPIKE", KL_VERSIONS),
    ("Karl-Laux-Straße 5, 01219 Dresden (school", KL_VERSIONS),
    ("DVB stop 'Karl-Laux-Straße'", KL_VERSIONS),
]


def checkpoints_csv(addr: Addr) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["name", "lat", "lon", "must_be_in", "source"])
    for prefix, must in CHECKPOINTS:
        r, lon, lat = addr.get(prefix)
        w.writerow([r["name"], f"{lat:.7f}", f"{lon:.7f}", must, r["source"]])
    return buf.getvalue()


# ---------------------------------------------------------------- projects
def norm_status(text: str) -> str:
    t = text.lower()
    if t.startswith(("geplant", "planung", "für 2017 geplant", "für ende 2001 angekündigt", "befragung")):
        return "geplant"
    if t.startswith(("laufend", "in betrieb", "jährlich")):
        return "laufend"
    if t.startswith(
        ("abgeschlossen", "eröffnet", "eingeweiht", "vor 2010 errichtet", "realisiert", "stadtrat 28.09.2023")
    ):
        return "abgeschlossen"
    if t.startswith("abbruch ab april 2019"):  # Kombibad: 2024 in Betrieb erwähnt
        return "abgeschlossen"
    if t.startswith("seit havarie"):  # Brunnen 2009 wieder aufgebaut, Projekt abgeschlossen, derzeit außer Betrieb
        return "abgeschlossen"
    if t.startswith("grundkonzeption"):  # LOS-Pflegeeinsätze 09/2004-06/2005
        return "abgeschlossen"
    if t.startswith("1. abschnitt ab sept. 2010"):
        return "laufend"
    if t.startswith("spätestens 2016 als festplatz genutzt"):
        return "abgeschlossen"
    if t.startswith("baustart 19. august"):
        return "abgeschlossen"
    raise ValueError(f"unmapped status: {text!r}")


def locate_projects(projects, streets: Streets, addr: Addr, areas):
    """Return list of (row, geometry_m, accuracy, method). Rules per project title keyword (see README)."""

    def a(prefix):
        r, lon, lat = addr.get(prefix)
        return pt(lon, lat), r

    def street_pt(prefix):
        p, r = a(prefix)
        return p, r["name"]

    def corner(n1, n2):
        p1, p2 = nearest_points(streets.union(n1), streets.union(n2))
        return LineString([p1, p2]).interpolate(0.5, normalized=True), p1.distance(p2)

    rep = {k: g.representative_point() for k, g in areas.items()}
    out = []
    for row in projects:
        title = row["name"]
        lat, lon = row["lat"].strip(), row["lon"].strip()
        acc = meth = geom = None
        csv_src = row["source"]
        if lat and lon:
            geom = pt(float(lon), float(lat))
            if "NÄHERUNG" in csv_src or "REFERENZPUNKT" in csv_src:
                acc = "approximate"
                meth = (
                    "Koordinate aus projects.csv (dort als Näherung/Referenzpunkt gekennzeichnet): "
                    + csv_src.split("|")[-1].strip()
                )
            else:
                acc = "address"
                meth = "Koordinate aus projects.csv (geokodierte Adresse): " + csv_src.split("|")[-1].strip()
        elif title.startswith("Bürgerhaus Prohlis"):
            geom, r = a("Gamigstraße 24")
            acc, meth = (
                "address",
                "Geokodierte Nachbaradresse Gamigstraße 24 (gleicher Dreiseithof Palitzschhof; für Nr. 26 keine Geokodierung): "
                + r["source"],
            )
        elif title.startswith("BMX-Anlage"):
            geom, n = street_pt("Gamigstraße (OSM way 1122156683")
            acc, meth = "street", f"Punkt auf der Straßenlinie Gamigstraße ({n}); Hausnummer 32 nicht geokodiert"
        elif title.startswith("Neugestaltung Wohnhof Vetschauer"):
            geom, n = street_pt("Vetschauer Straße (OSM way 28176899")
            acc, meth = "street", f"Punkt auf der Straßenlinie ({n}); Lage des Hofs nicht genannt"
        elif title.startswith("Ersatzneubau Kinder- und Jugendhaus PIXEL"):
            geom, n = street_pt("Elsterwerdaer Straße (OSM way 27110032")
            acc, meth = "street", f"Punkt auf der Straßenlinie ({n}); Hausnummer 21 nicht geokodiert"
        elif title.startswith("Kinder- und Familientreff Mareicke"):
            geom, r = a("Vetschauer Straße 14")
            acc, meth = "address", "Geokodierte Adresse Vetschauer Straße 14: " + r["source"]
        elif title.startswith("Neubau Sporthalle 120."):
            geom, n = street_pt("Trattendorfer Straße (OSM way 227994539")
            acc, meth = "street", f"Punkt auf der Straßenlinie ({n}); Schulstandort nicht geokodiert"
        elif title.startswith("Umbau Niedersedlitzer"):
            geom, n = street_pt("Niedersedlitzer Straße (OSM way 837828036")
            acc, meth = (
                "street",
                f"Punkt auf der Straßenlinie ({n}), Abschnitt zwischen Albert-Wolf-Platz und Senftenberger Straße; Baumaßnahme betrifft auch die Senftenberger Straße",
            )
        elif title.startswith("Prohliser Ring"):
            geom, n = street_pt("Georg-Palitzsch-Straße (OSM way 4943944")
            acc, meth = "street", f"Punkt auf der Straßenlinie ({n}); Abschnitt Senftenberger/Georg-Palitzsch-Straße"
        elif title.startswith("Grünflächen Prohliser Allee"):
            geom, n = street_pt("Prohliser Allee (OSM way 113045899")
            acc, meth = "street", f"Punkt auf der Straßenlinie ({n}); Grünstreifen entlang der ganzen Allee"
        elif title.startswith("Rückbau Sternhäuser"):
            geom, n = street_pt("Windmühlenstraße (OSM way 4315225")
            acc, meth = "street", f"Punkt auf der Straßenlinie ({n}); Fläche ca. 20 ha nicht abgegrenzt"
        elif title.startswith("Interkultureller Gemeinschaftsgarten"):
            geom, d = corner("Georg-Palitzsch-Straße", "Dohnaer Straße")
            acc, meth = (
                "street",
                f"Ecke aus den OSM-Linien Georg-Palitzsch-Straße und Dohnaer Straße (Abstand {d:.0f} m), Mittelpunkt",
            )
            if d > 30:  # the lines do not meet in the partial street extract
                p1, _ = nearest_points(streets.union("Georg-Palitzsch-Straße"), streets.union("Dohnaer Straße"))
                geom, acc = p1, "approximate"
                meth = (
                    f"Näherung: Punkt der OSM-Linie Georg-Palitzsch-Straße, der der Dohnaer Straße am nächsten liegt "
                    f"(die Linien treffen sich im Teilauszug nicht, Lücke {d:.0f} m); Ecke selbst nicht verortet"
                )
        elif title.startswith("Aufwertung und Pflege Prohliser Wäldchen") or title.startswith(
            "Informationstafel Prohliser Schloss"
        ):
            geom, r = a("Schloss Prohlis site")
            acc, meth = (
                "approximate",
                "Wikipedia-Koordinate des abgerissenen Schlosses Prohlis (nahe Schlosspark/Wäldchen): " + r["source"],
            )
        elif title.startswith("Herrichtung der Innenhöfe an der Spreewalder"):
            geom, n = street_pt("Spreewalder Straße (OSM way 8479509")
            acc, meth = "street", f"Punkt auf der Straßenlinie ({n})"
        elif title.startswith("Quartiersmanagement Am Koitschgraben"):
            geom, r = a("Walter-Arnold-Straße 17")
            acc, meth = (
                "address",
                "Geokodierte Nachbaradresse Walter-Arnold-Straße 17 (für Nr. 19 keine Geokodierung): " + r["source"],
            )
        elif title.startswith("Instandsetzung Mehrzweckballspielplatz"):
            geom, n = street_pt("Rudolf-Bergander-Ring (OSM way 46827752")
            acc, meth = "street", f"Punkt auf der Straßenlinie ({n}); Lage des Platzes am Ring nicht genannt"
        elif title.startswith(("Koitschgrabenfest", "Stadtteilplatz Walter-Arnold")):
            geom, d = corner("Walter-Arnold-Straße", "Otto-Dix-Ring")
            acc, meth = (
                "street",
                f"Ecke Walter-Arnold-Straße / Otto-Dix-Ring aus den OSM-Linien (Abstand {d:.0f} m), Mittelpunkt",
            )
            if d > 30:  # small gap between the two lines in the extract
                p1, _ = nearest_points(streets.union("Walter-Arnold-Straße"), streets.union("Otto-Dix-Ring"))
                geom = p1
                meth = (
                    f"Punkt der OSM-Linie Walter-Arnold-Straße, der dem Otto-Dix-Ring am nächsten liegt "
                    f"(Lücke zwischen den Linien im Auszug {d:.0f} m)"
                )
        elif title.startswith("Kinder- und Jugendplatz Wilhelm-Rudolph"):
            geom, n = street_pt("Wilhelm-Rudolph-Straße (OSM way 47585681")
            acc, meth = "street", f"Punkt auf der Straßenlinie ({n}); Hans-Jüchser-Straße nicht in den Straßendaten"
        elif title.startswith(
            (
                "Freizeitflächen nördlich Rudolf-Bergander",
                "Rückbau Plattenbauten Rudolf-Bergander",
                "Geplanter Sportplatz am Rudolf-Bergander",
            )
        ):
            geom, n = street_pt("Rudolf-Bergander-Ring (OSM way 371763493")
            acc, meth = (
                "approximate",
                f"Näherung: Punkt auf der Straßenlinie ({n}); die Fläche selbst ist nicht abgegrenzt",
            )
        elif title.startswith("Erholungs- und Spielbereich am Koitschgraben"):
            geom, n = street_pt("Otto-Dix-Ring (OSM way 63108891")
            acc, meth = (
                "approximate",
                f"Näherung: Punkt auf der Straßenlinie ({n}); Koitschgraben nicht in den Daten (keine Gewässer)",
            )
        elif title.startswith(
            (
                "Verfügungsfonds Prohlis",
                "Masterplan Prohlis",
                "FAIRMACHER",
                "Rückbau leerstehender Wohngebäude in Prohlis",
                "Blaues Band Geberbach",
            )
        ):
            geom = rep["prohlis"]
            acc, meth = (
                "approximate",
                "Gebietsweites Vorhaben: representative point des rekonstruierten Fördergebiets Prohlis (kein eigener Standort)",
            )
            if title.startswith("Blaues Band"):
                meth += (
                    "; Geberbach-Verlauf nicht in den Daten (keine Gewässer), Vorhaben reicht über das Gebiet hinaus"
                )
        elif title.startswith(("Verfügungsfonds Am Koitschgraben", "Grünzug mit Spielorten", "Naturnahe Umgestaltung")):
            geom = rep["ak"]
            acc, meth = (
                "approximate",
                "Gebietsweites Vorhaben bzw. Koitschgraben (nicht in den Daten): representative point des rekonstruierten Fördergebiets Am Koitschgraben",
            )
        elif title.startswith(("LOS - Lokales Kapital", "ESF Plus")):
            geom = rep["joint"]
            acc, meth = (
                "approximate",
                "Vorhaben für beide Teilgebiete: representative point des rekonstruierten Gesamtgebiets 2004",
            )
        else:
            raise ValueError(f"no location rule for {title!r}")
        out.append((row, geom, acc, meth))
    return out


def derive_area(geom_m, versions):
    """area_id of the newest version containing the point; else the joint area if inside that; else None."""
    for v in sorted(versions, key=lambda v: (v["valid_from"], v["id"]), reverse=True):
        if v["area_id"] == "prohlis-am-koitschgraben":
            continue
        if v["geom"].buffer(0.01).contains(geom_m):
            return v["area_id"]
    for v in versions:
        if v["area_id"] == "prohlis-am-koitschgraben" and v["geom"].buffer(0.01).contains(geom_m):
            return v["area_id"]
    return None


def intval(s):
    s = s.strip()
    return int(s) if s else None


# ---------------------------------------------------------------- timeline (transcribed from history.md section 1)
TIMELINE = [
    (
        "1288-01-01",
        "year",
        "Erste Erwähnung von Prohlis",
        "Erste Erwähnung des Dorfes als 'Prolos' (altsorbisch für Aue/Wiesenland).",
        "history",
        None,
        [STWIKI, "http://reiseweltatlas.de/Prohlis.html"],
    ),
    (
        "1921-06-01",
        "day",
        "Eingemeindung nach Dresden",
        "Prohlis wird nach Dresden eingemeindet.",
        "history",
        None,
        ["http://reiseweltatlas.de/Prohlis.html", STWIKI],
    ),
    (
        "1976-02-26",
        "day",
        "Grundsteinlegung Neubaugebiet Prohlis",
        "Grundsteinlegung für das Neubaugebiet an der Trattendorfer Straße.",
        "history",
        "prohlis",
        [STWIKI],
    ),
    (
        "1976-10-01",
        "month",
        "Erste Mieter in Neu-Prohlis",
        "Erste Mieter ziehen in die Trattendorfer Str. 2-10 ein; die 118. POS beginnt den Unterricht.",
        "history",
        "prohlis",
        [STWIKI, QM_HIST],
    ),
    (
        "1981-01-01",
        "year",
        "Bau der Sternhäuser",
        "Bau der fünf Y-förmigen Zehngeschosser ('Sternstädtchen') an der Windmühlenstraße, Gemarkung Niedersedlitz.",
        "history",
        "prohlis",
        ["http://www.stadtwikidd.de/wiki/Sternh%25C3%25A4user"],
    ),
    (
        "1984-08-01",
        "month",
        "Benennung Rudolf-Bergander-Ring",
        "Die Bebauung nördlich der Reicker Straße (späteres Wohngebiet Am Koitschgraben) erhält den Straßennamen Rudolf-Bergander-Ring.",
        "history",
        "am-koitschgraben",
        ["https://stadtwikidd.de/wiki/Rudolf-Bergander-Ring"],
    ),
    (
        "1993-01-01",
        "year",
        "Programm StWENG in Prohlis",
        "Programm 'Städtebauliche Weiterentwicklung großer Neubaugebiete' in Prohlis (qm-prohlis: 1993-2003; dresden.de-Archiv: seit 1994).",
        "programme",
        "prohlis",
        [QM_ENTW, WAYBACK_STWENG],
    ),
    (
        "2000-01-01",
        "year",
        "Aufnahme in das Programm 'Soziale Stadt'",
        "Aufnahme ins Bund-Länder-Programm 'Soziale Stadt'; Start der Quartiersmanagements Prohlis und Am Koitschgraben; erstes Integriertes Handlungskonzept. Das genaue Aufnahmedatum wurde nicht gefunden (nur das Jahr ist belegt).",
        "programme",
        "prohlis-am-koitschgraben",
        [
            STESAD,
            QM_WASIST,
            QM_HOME,
            "https://www.dresden.de/de/rathaus/aktuelles/pressemitteilungen/2003/06/c_517.php",
        ],
    ),
    (
        "2000-07-13",
        "day",
        "Stadtratsbeschluss Fördergebiet (352 ha)",
        "Der Stadtrat beschließt das Fördergebiet Prohlis/Wohngebiet Am Koitschgraben mit 352 ha.",
        "decision",
        "prohlis-am-koitschgraben",
        [SSDE],
    ),
    (
        "2001-09-01",
        "month",
        "Gebietsname 'Am Koitschgraben'",
        "Die neue AG Soziale Stadt einigt sich auf den Namen 'Am Koitschgraben' für das Plattenbaugebiet an der Reicker Straße.",
        "programme",
        "am-koitschgraben",
        ["https://dresden.de/de/rathaus/aktuelles/pressemitteilungen/2001/09/c_2580.php"],
    ),
    (
        "2003-01-01",
        "year",
        "Stadtumbau Ost in Prohlis",
        "Beginn Stadtumbau Ost (Aufwertung und Rückbau 2003-2009; Rückbau im Reicker Karree ab 2003).",
        "programme",
        "prohlis-am-koitschgraben",
        [QM_ENTW, "http://www.sz-online.de/nachrichten/reicker-plattenbauten-werden-abgerissen-2109454.html"],
    ),
    (
        "2003-06-30",
        "day",
        "Wechsel im QM Am Koitschgraben",
        "Wechsel im Quartiersmanagement Am Koitschgraben; Stadtteilbüro Otto-Dix-Ring 90 vorübergehend geschlossen.",
        "office",
        "am-koitschgraben",
        ["https://www.dresden.de/de/rathaus/aktuelles/pressemitteilungen/2003/06/c_517.php"],
    ),
    (
        "2004-01-01",
        "year",
        "Stadtteilbüro Am Koitschgraben",
        "Eröffnung des Stadtteilbüros Am Koitschgraben in der Walter-Arnold-Straße 19 (genaues Datum nicht belegt).",
        "office",
        "am-koitschgraben",
        [SB_AK_QM],
    ),
    (
        "2004-07-01",
        "day",
        "Stadtratsbeschluss IHK und Gebietserweiterung",
        "Stadtratsbeschluss zum Integrierten Handlungskonzept; Erweiterung des Fördergebiets um 5,5 ha (Teilbereich Karl-Laux-Straße) auf 357,5 ha.",
        "decision",
        "prohlis-am-koitschgraben",
        [SSDE],
    ),
    (
        "2005-01-01",
        "month",
        "Wiedereröffnung Palitzschhof",
        "Wiedereröffnung des mit Soziale-Stadt-Mitteln sanierten Palitzschhofs (Gamigstr. 24), Bau seit Juli 2003.",
        "project",
        "prohlis",
        ["https://dresden.de/de/rathaus/aktuelles/pressemitteilungen/2005/01/c_031.php"],
    ),
    (
        "2009-01-01",
        "year",
        "Fortschreibung Handlungskonzept 2009; KEM neuer QM-Träger",
        "Fortschreibung des Integrierten Handlungskonzepts; die KEM GmbH wird nach Ausschreibung Träger des QM Prohlis (Monat nicht belegt).",
        "programme",
        "prohlis-am-koitschgraben",
        [STESAD, QM_WASIST, KEM_2010, KEM_2016],
    ),
    (
        "2010-01-15",
        "day",
        "Stadtteilbüro Prohlis zieht um",
        "Umzug des Stadtteilbüros Prohlis in die Ladenpassage Prohliser Allee 33.",
        "office",
        "prohlis",
        [KEM_2010],
    ),
    (
        "2010-05-05",
        "day",
        "Stadtratsbeschluss Fortschreibung IHK",
        "Stadtratsbeschluss zur Fortschreibung des Integrierten Handlungskonzepts 2009 (Zeithorizont bis 2020).",
        "decision",
        "prohlis-am-koitschgraben",
        [STESAD, QM_WASIST],
    ),
    (
        "2010-06-26",
        "day",
        "Einweihung BMX-Anlage",
        "Einweihung der BMX-Anlage Gamigstraße 32 (480.000 EUR Soziale Stadt).",
        "project",
        "prohlis",
        ["https://dresden.de/de/rathaus/aktuelles/pressemitteilungen/2010/06/pm_101.php"],
    ),
    (
        "2012-01-01",
        "year",
        "Sozialstrukturanalysen",
        "Sozialstrukturanalysen für Prohlis und das Wohngebiet Am Koitschgraben.",
        "programme",
        "prohlis-am-koitschgraben",
        [DD_SS],
    ),
    (
        "2012-07-12",
        "day",
        "Ankaufbeschluss Gamigstraße 26",
        "Stadtratsbeschluss SR/043/2012: Mittel für den Ankauf der Gamigstraße 26 und Nutzungskonzept Bürgerhaus.",
        "decision",
        "prohlis",
        [QM_BH],
    ),
    (
        "2014-01-01",
        "year",
        "Fortschreibung Handlungskonzept 2014",
        "Fortschreibung des Integrierten Handlungskonzepts ('Fortschreibung 2014').",
        "programme",
        "prohlis-am-koitschgraben",
        [DD_SS],
    ),
    (
        "2016-08-22",
        "day",
        "Ortsbeirat befürwortet Teilung",
        "Der Ortsbeirat Prohlis befürwortet zwei Entwicklungskonzepte bis 2025; das Gesamtgebiet wird in die Fördergebiete 'Prohlis' und 'Am Koitschgraben' geteilt.",
        "decision",
        "prohlis-am-koitschgraben",
        [DSZ_2016, DSZ_2017],
    ),
    (
        "2016-09-01",
        "day",
        "Leitungswechsel QM Prohlis",
        "Katrin Lindner folgt Veronika Gottmann in der Leitung des QM Prohlis.",
        "office",
        "prohlis",
        [KEM_2016],
    ),
    (
        "2016-09-29",
        "day",
        "Entwicklungskonzept Prohlis bis 2025",
        "Der Stadtrat beschließt das 'Entwicklungskonzept Soziale Stadt Prohlis bis 2025'. Für Am Koitschgraben ist dasselbe Beschlussdatum nicht belegt.",
        "decision",
        "prohlis",
        [QM_WASIST],
    ),
    (
        "2017-01-01",
        "year",
        "Verfügungsfonds verdoppelt",
        "Verfügungsfonds auf 20.000 EUR verdoppelt; Start 'ZU HAUSE IN PROHLIS' und Gemeinschaftsgarten.",
        "programme",
        None,
        [DSZ_2017, "https://zuhause-in-prohlis.de/ueber-das-projekt/"],
    ),
    (
        "2018-06-28",
        "day",
        "Betreiberbeschluss Bürgerhaus",
        "Stadtratsbeschluss zum Betrieb der Gamigstraße 26 als 'Bürgerhaus Prohlis'.",
        "decision",
        "prohlis",
        [QM_BH],
    ),
    (
        "2018-06-29",
        "day",
        "Eröffnung Kinder- und Jugendhaus PIXEL",
        "Eröffnung des Ersatzneubaus Kinder- und Jugendhaus PIXEL.",
        "project",
        "prohlis",
        ["https://www.iproconsult.com/de/neues/kinder-und-jugendhaus-pixel-in-dresden-wird-eroeffnet"],
    ),
    (
        "2019-08-01",
        "month",
        "Grundsteinlegung Kombibad Prohlis",
        "Grundsteinlegung für das Kombibad Prohlis.",
        "project",
        "prohlis",
        ["https://dresdner-stadtteilzeitungen.de/grundsteinlegung-fuer-badeparadies"],
    ),
    (
        "2020-01-01",
        "year",
        "Programm 'Sozialer Zusammenhalt'",
        "Überführung in das Nachfolgeprogramm 'Sozialer Zusammenhalt'; das genaue Datum der Umstellung in Dresden wurde nicht gefunden (nur das Jahr ist belegt).",
        "programme",
        None,
        [SB_AK, QM_NEU],
    ),
    (
        "2021-12-01",
        "month",
        "Start Masterplan Prohlis 2030+",
        "Prozessbeginn Masterplan Prohlis 2030+ mit der STESAD.",
        "programme",
        "prohlis",
        ["https://dresden.de/de/rathaus/stadtbezirksaemter/prohlis/masterplan/fragen-antworten.php"],
    ),
    (
        "2022-02-04",
        "day",
        "Befragung ESF Plus",
        "Befragung zur ESF-Plus-Förderung 'Nachhaltige soziale Stadtentwicklung' Prohlis/Am Koitschgraben (04.02.-04.03.2022).",
        "programme",
        None,
        [
            "https://www.dresden.de/de/stadtraum/planen/stadtentwicklung/stadterneuerung/foerderprogramme-eu/esf/esf-plus-2021-2027/soziale-stadtentwicklung-prohlis.php"
        ],
    ),
    (
        "2022-06-23",
        "day",
        "Nutzungskonzept Bürgerhaus, Baustart",
        "Der Stadtrat beschließt das Nutzungskonzept Bürgerhaus; Baustart Sommer 2022.",
        "decision",
        "prohlis",
        ["https://www.dresdner-stadtteilzeitungen.de/baustart-fuer-buergerhaus-prohlis/"],
    ),
    (
        "2023-03-01",
        "month",
        "Ausstellung Masterplan-Ergebnisse",
        "Ausstellung der Masterplan-Ergebnisse im Prohliszentrum; Vorlage an den Ältestenrat am 22.05.2023.",
        "programme",
        "prohlis",
        ["https://meidresden.de/dresden/masterplan-prohlis-2030-nun-entscheidet-der-stadtrat"],
    ),
    (
        "2023-09-27",
        "day",
        "Rahmenplan Otto-Dix-Quartier",
        "Der Rahmenplan Otto-Dix-Quartier wird öffentlich vorgestellt.",
        "project",
        "am-koitschgraben",
        [
            "https://www.dresden.de/de/stadtraum/planen/stadtentwicklung/aktuelle-buergerbeteiligungen/otto-dix-quartier.php"
        ],
    ),
    (
        "2023-09-28",
        "day",
        "Masterplan Prohlis 2030+ beschlossen",
        "Der Stadtrat beschließt den 'Masterplan Prohlis 2030+' einstimmig (knapp 100 Maßnahmen).",
        "decision",
        "prohlis",
        ["https://dresden.de/de/rathaus/stadtbezirksaemter/prohlis/masterplan/fragen-antworten.php"],
    ),
    (
        "2024-05-31",
        "day",
        "Entwurf Albert-Wolf-Platz",
        "Ein Gutachtergremium empfiehlt den Entwurf QUERFELDEINS für den Albert-Wolf-Platz.",
        "project",
        "prohlis",
        [
            "https://meidresden.de/dresden/prohlis-gestaltungsideen-fuer-den-albert-wolf-platz-entwuerfe-sind-ab-5-august-im-prohliszentrum-zu-sehen"
        ],
    ),
    (
        "2024-11-10",
        "day",
        "Eröffnung Bürgerhaus Prohlis",
        "Eröffnung des Bürgerhauses Prohlis im Palitzschhof (Gamigstraße 26).",
        "project",
        "prohlis",
        [
            "https://striesen-oiger.de/2024/11/05/nach-50-jahren-ein-stadtteilzentrum-fuer-prohlis",
            "https://wochenkurier.info/dresden/artikel/ein-haus-fuer-alle-in-prohlis",
        ],
    ),
    (
        "2025-01-01",
        "year",
        "QM Prohlis nur für 2025 verlängert",
        "Das Quartiersmanagement Prohlis wird nur für 2025 verlängert; Finanzierungslücke 2026/27 gemeldet.",
        "office",
        "prohlis",
        [
            "https://gruene-fraktion-dresden.de/?p=19664",
            "https://tag24.de/dresden/politik-wirtschaft/dresden-masterplan-prohlis-wird-zum-plaenchen-3348329",
        ],
    ),
]


# ---------------------------------------------------------------- main
def build(out: Path) -> dict:
    k19, l24, st, streets_gdf, addresses, projects = load()
    streets, addr = Streets(streets_gdf), Addr(addresses)
    geo = reconstruct(k19, l24, streets, addr)
    versions, focus = funding_features(geo)

    dump(out / "funding_areas.geojson", fc([to_feature(v) for v in versions], "funding_areas"))
    dump(out / "focus_areas.geojson", fc([to_feature(f, extra=("part_of",)) for f in focus], "focus_areas"))
    (out / "checkpoints.csv").write_text(checkpoints_csv(addr), encoding="utf-8")

    # projects
    areas = {
        "prohlis": geo["prohlis"],
        "ak": geo["ak2016"],
        "joint": unary_union([geo["prohlis"], geo["zw"], geo["ak_focus"]]),
    }
    located = locate_projects(projects, streets, addr, areas)
    feats, seen = [], set()
    for row, g, acc, meth in located:
        pid = slug(row["name"])
        if pid in seen:
            raise ValueError(f"duplicate project id {pid}")
        seen.add(pid)
        props = {
            "id": pid,
            "title": row["name"],
            "description": row["description"],
            "category": row["category"],
            "start_year": intval(row["start_year"]),
            "end_year": intval(row["end_year"]),
            "status": norm_status(row["status"]),
            "status_note": row["status"],
            "address": row["address"],
            "funding": row["funding"].strip() or None,
            "area_id": derive_area(g, versions),
            "location_accuracy": acc,
            "location_method": public(meth),
            "source": public(row["source"]),
        }
        feats.append({"type": "Feature", "id": pid, "properties": props, "geometry": geom_ll(g)})
    dump(out / "projects.geojson", fc(feats, "projects"))

    # timeline
    tl = [
        {
            "date": d,
            "date_precision": p,
            "title": t,
            "description": desc,
            "kind": k,
            "area_id": a,
            "source": " ; ".join(s),
        }
        for d, p, t, desc, k, a, s in sorted(TIMELINE, key=lambda x: (x[0], x[2]))
    ]
    dump(out / "timeline.json", tl)

    # context: OSM Stadtteile 71-77
    ctx = []
    for _, r in st.sort_values("ref").iterrows():
        g = clean(to_m(r.geometry).simplify(5.0, preserve_topology=True))
        ctx.append(
            {
                "type": "Feature",
                "id": f"stadtteil-{r['ref']}",
                "properties": {
                    "name": r["name"],
                    "ref": str(r["ref"]),
                    "source": f"OpenStreetMap {r['@id']} (offenesdresden/GeoData@ab6f7154bf493f099cd4a0fd0accf515d4831a20 Stadtteile-Dresden.geojson, Stand 2015)",
                    "attribution": "© OpenStreetMap contributors, ODbL 1.0",
                },
                "geometry": geom_ll(g),
            }
        )
    dump(out / "context" / "stadtteile.geojson", fc(ctx, "stadtteile"))
    return geo


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "geodata"), help="output directory (default: geodata/)")
    ap.add_argument("--report", action="store_true", help="print the area table")
    args = ap.parse_args()
    geo = build(Path(args.out))
    if args.report:
        for k, v in geo["parts_ha"].items():
            print(f"  part {k}: {v} ha")
        for name in ("funding_areas", "focus_areas"):
            for f in json.loads((Path(args.out) / f"{name}.geojson").read_text())["features"]:
                p = f["properties"]
                pub = p["published_area_ha"]
                dev = f"{(p['area_ha'] - pub) / pub * 100:+.1f} %" if pub else "-"
                print(f"{p['id']:32s} published {pub!s:>6} reconstructed {p['area_ha']:7.2f}  {dev}")


if __name__ == "__main__":
    main()
