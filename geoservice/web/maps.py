"""Folium map builders: domain data in, `folium.Map` objects out. Knows nothing of Flask.

Every map loads Leaflet and its plugins from this service's /static/vendor/ (folium's CDN
defaults are replaced), starts without a base map (OpenStreetMap tiles only after consent) and
carries the "schematic reconstruction" notice. The custom Leaflet code lives in the
MacroElement templates of leaflet.py; data reaches it as HTML-safe JSON.
Callers pass `_` (a translate function) so every UI string stays translatable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import date
from itertools import count
from typing import Any

import folium
import shapely
from branca.element import Element
from jinja2.utils import htmlsafe_json_dumps
from shapely.geometry import mapping

from geoservice.domain.areas import ChangePart
from geoservice.domain.dataset import Dataset
from geoservice.domain.schema import FUNDING_AREAS, PROJECTS
from geoservice.web.leaflet import (
    AreaLayer,
    ChangeLayer,
    ClickToCheck,
    Cluster,
    ContextLayer,
    ItemsLayer,
    LocalMap,
    MapCall,
    PlaceContext,
    ProjectLayer,
    Tiles,
)

Translate = Callable[..., str]

# Colours: each passes 3:1 against white and the light map background (WCAG 1.4.11).
AREA_COLOURS = {
    "prohlis-am-koitschgraben": "#6a3d9a",
    "prohlis": "#1f5fa8",
    "am-koitschgraben": "#b3541e",
}
FALLBACK_AREA_COLOURS = ("#2f6b3a", "#8a2b5e", "#5b5b00")
CATEGORY_PALETTE = (
    "#1b6ca8", "#c0392b", "#2e7d32", "#8e44ad", "#b35c00", "#00796b", "#6d4c41", "#ad1457",
    "#37474f", "#5d6d00",
)
CHANGE_COLOURS = {"added": "#1e7b34", "removed": "#b71c1c", "unchanged": "#546e7a"}
COORD_DECIMALS = 6
OSM_DATA_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors, ODbL'
)


# Research references that belong in the repository, not on a public page
_REPO_REF = re.compile(r"\b([A-Za-z0-9_.-]+)/[A-Za-z0-9_.-]+@[0-9a-fA-F]{7,40}(?::\S*[^\s;,)])?")
_COMMIT = re.compile(r"@?\b[0-9a-f]{40}\b|@[0-9a-f]{7,39}\b")
_PATH = re.compile(r"\b(?:geodata|shared|geodata-sources|backups|static|db|data|sources)/[^\s;,)]*")
_FILE = re.compile(r"\b[\w.-]+\.(?:csv|geojson|sql|json|gpkg|py|md)\b")
_OSM_ID = re.compile(r",?\s*\(?\bOSM[- ](?:way|node|Knoten|relation)\s*\d+(?:,\s*vertex \d+ of \d+)?\)?")
_VIA_EMPTY = re.compile(r"\(\s*(?:via|aus)?\s*\)|\bvia\s*(?=[);])")


def public_text(text: Any) -> str:
    """Return a source or method note for a public page: no commit ids, repository references
    or file paths (those stay in the data and its history); what is left reads as plain words."""
    if text is None:
        return ""
    out = _REPO_REF.sub(lambda m: f"Daten von {m.group(1)}", str(text))
    out = _COMMIT.sub("", out)
    out = _PATH.sub("", out)
    out = _FILE.sub("", out)
    out = re.sub(r"\(OSM[- ](?:way|node|Knoten|relation)\s*\d+,\s*", "(", out)
    out = _OSM_ID.sub("", out)
    out = re.sub(r"\s*\(OpenStreetMap-Weg \d+, Stützpunkt \d+ von \d+\)", "", out)  # geodata's wording
    out = re.sub(r"\bvia (?=Daten von)", "", out)
    out = out.replace("representative point", "Punkt im Inneren")
    for _round in range(3):
        out = _VIA_EMPTY.sub("", out)
        out = re.sub(r"\(\s*\)", "", out)
        out = re.sub(r"\s+([,;:)])", r"\1", out)
        out = re.sub(r"\(\s+", "(", out)
        out = re.sub(r"\baus\s*(?=[(:;,]|$)", "", out)
        out = re.sub(r"\s{2,}", " ", out)
    out = re.sub(r";\s*,", ";", out)
    out = re.sub(r"^(?:Koordinate\s*)?\(dort als [^)]*\):\s*Koordinate\s*=\s*", "", out.strip())
    out = re.sub(r"^Koordinate\s*:?\s*", "", out)
    out = re.sub(r"(?i)^\(?geokodierte Adresse\)?:\s*Koordinate:\s*", "Geokodierte Adresse: ", out)
    return out.strip(" ;:,")


def safe_json(value: Any) -> str:
    """Serialize for embedding inside <script>: <, >, & and ' are escaped as \\uXXXX."""
    return str(htmlsafe_json_dumps(value, separators=(",", ":")))


# --------------------------------------------------------------------------- GeoJSON (memoized)

def _round(coords):
    if isinstance(coords, float):
        return round(coords, COORD_DECIMALS)
    return [_round(c) for c in coords]


def _geometry(geom) -> dict:
    geo = mapping(geom)
    return {"type": geo["type"], "coordinates": _round(json.loads(json.dumps(geo["coordinates"])))}


def _plain(value):
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _collection(gdf, fields: Iterable[str], extra: Callable[[Any], dict] | None = None) -> dict:
    features = []
    for fid, row in gdf.iterrows():
        props = {name: _plain(row.get(name)) for name in fields}
        if extra:
            props.update(extra(row))
        features.append({"type": "Feature", "id": str(fid), "properties": props,
                         "geometry": _geometry(row.geometry)})
    return {"type": "FeatureCollection", "features": features}


# research notes stay out of the map data (the pages show them cleaned, under "Quellen")
_AREA_MAP_FIELDS = ("id", "area_id", "name", "programme", "valid_from", "valid_to", "accuracy",
                    "area_ha")


def areas_geojson(data: Dataset) -> dict:
    """Return every boundary version as GeoJSON (computed once per dataset)."""
    fields = [f for f in FUNDING_AREAS.fields if f in _AREA_MAP_FIELDS]
    return data.memo(("maps", "areas"), lambda: _collection(
        data.funding_areas.sort_values(["valid_from", "area_id"], kind="stable"), fields))


def projects_geojson(data: Dataset) -> dict:
    """Return every project as GeoJSON with a representative point for its marker (memoized)."""
    def point(row) -> dict:
        rep = row.geometry if row.geometry.geom_type == "Point" else row.geometry.representative_point()
        funding = row.get("funding")
        if funding and funding == row.get("location_method"):
            funding = None
        return {"lon": round(rep.x, COORD_DECIMALS), "lat": round(rep.y, COORD_DECIMALS),
                "source": public_text(row.get("source")) or None,
                "status_note": public_text(row.get("status_note")) or None,
                "funding": public_text(funding) or None}
    fields = [f for f in PROJECTS.fields if f != "location_method"]
    return data.memo(("maps", "projects"), lambda: _collection(
        data.projects.sort_values(["title"], kind="stable"), fields, point))


def context_geojson(data: Dataset) -> dict:
    """Return the OSM Stadtteil outlines (name only, lightly simplified; memoized)."""
    def build() -> dict:
        ctx = data.context
        features = []
        for pos in range(len(ctx)):
            geom = ctx.geometry.iloc[pos]
            if geom is None or geom.is_empty:
                continue
            name = ctx["name"].iloc[pos] if "name" in ctx.columns else None
            features.append({"type": "Feature", "properties": {"name": _plain(name)},
                             "geometry": _geometry(geom.simplify(0.00002, preserve_topology=True))})
        return {"type": "FeatureCollection", "features": features}
    return data.memo(("maps", "context"), build)


def places_context_json(data: Dataset, features: list[dict]) -> str:
    """Return street lines (with a label point) and stop points for the context layer (memoized)."""
    def build() -> str:
        out = []
        for f in features:
            p, geom = f.get("properties") or {}, f.get("geometry")
            if geom is None or p.get("kind") not in ("street", "stop"):
                continue
            shape = shapely.geometry.shape(geom)
            props = {"kind": p["kind"], "name": p.get("name")}
            if p["kind"] == "street":
                longest = max(getattr(shape, "geoms", [shape]), key=lambda g: g.length)
                mid = longest.interpolate(0.5, normalized=True)
                props["label"] = [round(mid.x, COORD_DECIMALS), round(mid.y, COORD_DECIMALS)]
                out.append({"type": "Feature", "properties": props, "geometry": _geometry(
                    shape.simplify(0.00001, preserve_topology=False))})
            else:
                rep = shape.centroid
                props["point"] = [round(rep.x, COORD_DECIMALS), round(rep.y, COORD_DECIMALS)]
                out.append({"type": "Feature", "properties": props, "geometry": None})
        return safe_json({"type": "FeatureCollection", "features": out})
    return data.memo(("maps", "places-context", len(features)), build)


def embedded_json(data: Dataset, name: str) -> str:
    """Return a collection ('areas', 'projects', 'context') as script-safe JSON, once per dataset."""
    build = {"areas": areas_geojson, "projects": projects_geojson, "context": context_geojson}[name]
    return data.memo(("maps", f"{name}-json"), lambda: safe_json(build(data)))


def category_colours(data: Dataset) -> dict[str, str]:
    """Return a stable colour per project category (sorted categories get palette colours)."""
    def build() -> dict[str, str]:
        cats = sorted({str(c) for c in data.projects["category"] if c})
        return {c: CATEGORY_PALETTE[i % len(CATEGORY_PALETTE)] for i, c in enumerate(cats)}
    return data.memo(("maps", "category-colours"), build)


def area_colours(data: Dataset) -> dict[str, str]:
    """Return a colour per area_id."""
    def build() -> dict[str, str]:
        out, spare = {}, iter(FALLBACK_AREA_COLOURS * 4)
        for area_id in dict.fromkeys(data.funding_areas.sort_values("valid_from")["area_id"]):
            out[area_id] = AREA_COLOURS.get(area_id) or next(spare)
        return out
    return data.memo(("maps", "area-colours"), build)


# --------------------------------------------------------------------------- builders

def _stable_ids(m: folium.Map) -> None:
    """Give the map and its children deterministic names, so identical pages hash identically."""
    numbers = count()

    def walk(element: Element) -> None:
        element._id = f"gs{next(numbers)}"
        for child in element._children.values():
            walk(child)
    walk(m)


def _common_strings(_: Translate) -> dict:
    return {"zoom_in": _("Vergrößern"), "zoom_out": _("Verkleinern")}


def _base_map(data: Dataset, static_url: str, label: str, _: Translate, bounds,
              height: str) -> LocalMap:
    m = LocalMap(static_url, label, _common_strings(_), height=height,
                 location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
                 zoom_start=14)
    m.fit = [[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]]
    return m


def _tiles(m: folium.Map, tiles: Tiles, _: Translate) -> None:
    MapCall("tiles", {
        "url": tiles.url, "attribution": tiles.attribution,
        "consentUrl": tiles.consent_url, "consentAttribution": tiles.consent_attribution,
    }, {
        "load": _("Kartenhintergrund laden"),
        "explain": _("Der Kartenhintergrund kommt von OpenStreetMap. Beim Laden überträgt Ihr "
                     "Browser Ihre IP-Adresse an tile.openstreetmap.org."),
        "agree": _("Ja, OpenStreetMap laden"),
        "cancel": _("Abbrechen"),
        "revoke": _("Kartenhintergrund entfernen"),
        "failed": _("Der Kartenhintergrund von OpenStreetMap lässt sich gerade nicht laden (keine "
                    "Verbindung?). Die Karte zeigt weiter die eigenen Daten dieses Dienstes."),
        "back": _("Zurück zur Karte ohne Hintergrund"),
        "base": _("Kartenhintergrund"),
    }).add_to(m)


def _context(m: folium.Map, data: Dataset, _: Translate, places: list[dict] | None = None) -> None:
    ContextLayer(data_json=embedded_json(data, "context"), attribution=OSM_DATA_ATTRIBUTION,
                 label=_("Stadtteile (OpenStreetMap)")).add_to(m)
    if places:
        PlaceContext(data_json=places_context_json(data, places), attribution=OSM_DATA_ATTRIBUTION,
                     street_label=_("Straßennamen (OpenStreetMap)"),
                     stop_label=_("Haltestellen (OpenStreetMap, 2014)")).add_to(m)


def _notice(m: folium.Map, _: Translate, sources_url: str) -> None:
    MapCall("notice", _("Schematische Rekonstruktion, nicht die rechtsverbindliche Grenze."),
            _("Quellen und Genauigkeit"), sources_url).add_to(m)


def _finish(m: folium.Map, _: Translate) -> folium.Map:
    MapCall("layerControl", {"title": _("Ebenen")}).add_to(m)
    _stable_ids(m)
    return m


def area_strings(_: Translate) -> dict:
    """Return the translated labels the area tooltips use."""
    return {
        "since": _("seit"), "until": _("bis"), "open": _("offen"),
        "reconstructed": _("schematische Rekonstruktion"), "official": _("amtliche Grenze"),
        "accuracy": _("Genauigkeit"), "valid": _("gültig"), "from": _("ab"),
        "outgoing": _("alte Grenze, gestrichelt"), "incoming": _("neue Grenze"),
    }


def area_legend_entries(data: Dataset, _: Translate) -> list[dict]:
    """Return legend entries (one per area_id) with their colours."""
    colours = area_colours(data)
    names = (data.funding_areas.sort_values("valid_from")
             .drop_duplicates("area_id").set_index("area_id")["name"])
    return [{"label": str(names[a]), "colour": c, "kind": "area"} for a, c in colours.items()]


def home_map(data: Dataset, static_url: str, tiles: Tiles, year: int, _: Translate,
             project_url: str, sources_url: str, places: list[dict] | None = None,
             check_form_id: str | None = None) -> folium.Map:
    """Build the residents' map: areas valid in `year`, projects started by then, filters."""
    m = _base_map(data, static_url, _("Karte der Fördergebiete und Projekte"), _,
                  data.funding_areas.total_bounds, "min(70vh, 640px)")
    _tiles(m, tiles, _)
    _context(m, data, _, places)
    AreaLayer(data_json=embedded_json(data, "areas"), colours=area_colours(data),
              strings=area_strings(_), initial_year=year, initial_ids=[],
              label=_("Fördergebiete")).add_to(m)
    Cluster(static_url=static_url).add_to(m)
    ProjectLayer(data_json=embedded_json(data, "projects"), colours=category_colours(data),
                 cluster=True, initial_filter={"year": year}, project_url=project_url,
                 label=_("Projekte"), shapes_label=_("Projektflächen und -linien"),
                 strings=project_strings(_, data)).add_to(m)
    cats = category_colours(data)
    MapCall("legend", _("Legende"),
            area_legend_entries(data, _)
            + [{"label": _(c), "colour": colour, "kind": "marker"} for c, colour in cats.items()],
            "bottomright").add_to(m)
    _notice(m, _, sources_url)
    MapCall("locateControl", {
        "button": _("Meinen Standort zeigen"), "here": _("Ihr Standort (nur in Ihrem Browser)"),
        "unsupported": _("Ihr Browser kann den Standort nicht bestimmen."),
        "denied": _("Standort nicht verfügbar: {reason}"),
    }).add_to(m)
    if check_form_id:
        ClickToCheck(form_id=check_form_id).add_to(m)
    return _finish(m, _)


def value_labels(data: Dataset, _: Translate) -> dict[str, str]:
    """Return status and category labels in the page's language (only those that differ)."""
    values = {str(v) for col in ("status", "category") for v in data.projects[col] if v}
    values |= {"geplant", "laufend", "abgeschlossen"}
    return {v: _(v) for v in sorted(values) if _(v) != v}


def project_strings(_: Translate, data: Dataset | None = None) -> dict:
    """Return the translated labels of project popups (with the data's status/category labels)."""
    return {
        "values": value_labels(data, _) if data is not None else {},
        "years": _("Jahre"), "status": _("Status"), "status_note": _("Stand"), "category": _("Kategorie"),
        "funding": _("Förderung"), "accuracy": _("Lagegenauigkeit"), "source": _("Quelle"),
        "details": _("Projektseite öffnen"), "unknown": _("unbekannt"), "since": _("seit"),
        "until": _("bis"),
        "acc_address": _("Adresse"), "acc_street": _("Straße"), "acc_approximate": _("ungefähr"),
        "cluster_projects": _("Projekte, zum Vergrößern auswählen"),
        "here_list": _("{n} Projekte an derselben Stelle (meist gebietsweite Vorhaben ohne eigenen Standort)"),
        "more_here": _("Weitere Projekte an derselben Stelle"),
        "this_year": _("im gewählten Jahr"), "planned": _("geplant"), "running": _("laufend"),
    }


def change_map(data: Dataset, static_url: str, tiles: Tiles, parts: list[ChangePart],
               labels: dict[str, str], area_labels: dict[str, str], _: Translate,
               sources_url: str, places: list[dict] | None = None) -> folium.Map:
    """Build the change map of two dates from domain.areas.changes() parts."""
    geoms = [p.geometry for p in parts] or list(data.funding_areas.geometry)
    bounds = shapely.union_all(geoms).bounds
    m = _base_map(data, static_url, _("Karte der Änderungen"), _, bounds, "min(65vh, 600px)")
    _tiles(m, tiles, _)
    _context(m, data, _, places)
    features = [{"type": "Feature", "properties": {"change": p.change, "area_ha": p.area_ha,
                                                  "area_label": area_labels[p.change]},
                 "geometry": _geometry(p.geometry)} for p in parts]
    ChangeLayer(data_json=safe_json({"type": "FeatureCollection", "features": features}),
                colours=CHANGE_COLOURS, labels=labels).add_to(m)
    MapCall("legend", _("Legende"), [
        {"label": f"{labels[p.change]}: {area_labels[p.change]}", "colour": CHANGE_COLOURS[p.change],
         "kind": "fill"} for p in parts], "bottomright").add_to(m)
    _notice(m, _, sources_url)
    return _finish(m, _)


def area_map(data: Dataset, static_url: str, tiles: Tiles, area_id: str, _: Translate,
             sources_url: str, form_id: str, places: list[dict] | None = None,
             shown_ids: list[str] | None = None, shown_range: list | None = None) -> folium.Map:
    """Build the fact-sheet map: every version of one area (newest shown, or `shown_ids` in
    force during `shown_range`) and the click check."""
    rows = data.funding_areas[data.funding_areas["area_id"] == area_id]
    m = _base_map(data, static_url, _("Karte des Gebiets mit allen Versionen"), _,
                  rows.total_bounds, "min(60vh, 520px)")
    _tiles(m, tiles, _)
    _context(m, data, _, places)
    newest = rows.sort_values("valid_from").iloc[-1]["id"]
    feats = areas_geojson(data)
    AreaLayer(data_json=safe_json({"type": "FeatureCollection", "features": [
                  f for f in feats["features"] if f["properties"]["area_id"] == area_id]}),
              colours=area_colours(data), strings=area_strings(_), initial_year=None,
              initial_ids=shown_ids if shown_ids is not None else [newest], initial_range=shown_range,
              label=_("Gebietsversion")).add_to(m)
    _notice(m, _, sources_url)
    ClickToCheck(form_id=form_id).add_to(m)
    return _finish(m, _)


def project_map(data: Dataset, static_url: str, tiles: Tiles, fid: str, _: Translate,
                project_url: str, sources_url: str, area_ids: list[str],
                places: list[dict] | None = None) -> folium.Map:
    """Build a small map of one project with the area versions in force during its years."""
    row = data.projects.loc[fid]
    minx, miny, maxx, maxy = row.geometry.buffer(0.004).bounds
    m = _base_map(data, static_url, _("Karte des Projekts"), _, (minx, miny, maxx, maxy),
                  "min(45vh, 380px)")
    _tiles(m, tiles, _)
    _context(m, data, _, places)
    start, end = row["start_year"], row["end_year"]
    AreaLayer(data_json=embedded_json(data, "areas"), colours=area_colours(data),
              strings=area_strings(_), initial_year=None, initial_ids=area_ids,
              initial_range=[f"{start}-01-01" if start else None,
                             f"{end + 1}-01-01" if end else None],
              label=_("Fördergebiete")).add_to(m)
    feature = next(f for f in projects_geojson(data)["features"] if f["id"] == fid)
    ProjectLayer(data_json=safe_json({"type": "FeatureCollection", "features": [feature]}),
                 colours=category_colours(data), cluster=False, initial_filter={},
                 project_url=project_url, label=_("Projekt"),
                 shapes_label=_("Projektflächen und -linien"),
                 strings=project_strings(_, data)).add_to(m)
    MapCall("legend", _("Legende"), [], "bottomright").add_to(m)
    _notice(m, _, sources_url)
    return _finish(m, _)


# A value filled in per request: builders put "__gs_hole_<name>__" where it goes (as JSON).
_HOLE = "__gs_hole_{}__"
_HOLES = re.compile(r'"__gs_hole_(\w+)__"')


class MapShell:
    """A rendered map whose per-request values are filled into holes.

    Built once per snapshot, language and base URL instead of once per request: a folium map
    costs a few milliseconds to build and render, filling it a few microseconds. The values are
    inserted as HTML-safe JSON in one pass (a value is never searched for holes again).
    """

    def __init__(self, m: folium.Map):
        self.parts = {name: tuple(_HOLES.split(text)) for name, text in components(m).items()}

    def fill(self, **values: Any) -> dict[str, str]:
        """Return the map's header/html/script with each hole replaced by safe_json(its value)."""
        encoded = {name: safe_json(value) for name, value in values.items()}
        # split() alternates literal text and a hole's name
        return {part: "".join(encoded[piece] if i % 2 else piece for i, piece in enumerate(pieces))
                for part, pieces in self.parts.items()}


def items_map_shell(data: Dataset, static_url, tiles: Tiles, reconstructed: bool, _: Translate,
                    sources_url: str, strings: dict, places: list[dict] | None = None) -> MapShell:
    """Build the map of one page of a collection's items, with holes for what varies per page.

    Holes (MapShell.fill): `items`, a FeatureCollection whose features' properties carry `id`,
    `title`, `url`, `colour`, `kind` ("area" polygons or "marker" points) and `rows` ([label,
    value] pairs for the popup), prepared (and translated) by the HTTP layer; `legend`, its
    entries; `center` and `fit`, the view from items_view().
    """
    m = _base_map(data, static_url, _("Karte der Objekte dieser Seite"), _, (0, 0, 0, 0),
                  "min(60vh, 520px)")
    m.location, m.fit = _HOLE.format("center"), _HOLE.format("fit")
    _tiles(m, tiles, _)
    _context(m, data, _, places)
    ItemsLayer(data_json=f'"{_HOLE.format("items")}"', strings=strings,
               label=_("Objekte dieser Seite")).add_to(m)
    MapCall("legend", _("Legende"), _HOLE.format("legend"), "bottomright").add_to(m)
    if reconstructed:
        _notice(m, _, sources_url)
    return MapShell(_finish(m, _))


def items_view(bounds) -> dict[str, list[float]]:
    """Return the `center` and `fit` holes of items_map_shell() for the page's bounds
    (minx, miny, maxx, maxy); a page of one point gets a street's view."""
    if bounds[2] - bounds[0] < 0.002 and bounds[3] - bounds[1] < 0.002:
        cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
        bounds = (cx - 0.002, cy - 0.0015, cx + 0.002, cy + 0.0015)
    bounds = [float(v) for v in bounds]
    return {"center": [(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
            "fit": [[bounds[1], bounds[0]], [bounds[3], bounds[2]]]}


def components(m: folium.Map) -> dict[str, str]:
    """Render a map into its header, body and script parts for our own page template."""
    root = m.get_root()
    root.render()
    return {"header": root.header.render(), "html": root.html.render(),
            "script": root.script.render()}


# --------------------------------------------------------------------------- step drawings

def _svg_path(geom, scale_x: float) -> str:
    parts = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type != "Polygon":
            continue
        for ring in [poly.exterior, *poly.interiors]:
            pts = " L".join(f"{x * scale_x:.6f},{-y:.6f}" for x, y in ring.coords)
            parts.append(f"M{pts} Z")
    return " ".join(parts)


def step_svg(parts: list[ChangePart], title: str, labels: dict[str, str]) -> str:
    """Draw one step (added / removed / unchanged parts, CRS84) as a small inline SVG map."""
    if not parts:
        return ""
    scale_x = 0.629  # cos(51.0°): keeps shapes true to form at Dresden's latitude
    minx, miny, maxx, maxy = shapely.union_all([p.geometry for p in parts]).bounds
    pad = max(maxx - minx, maxy - miny) * 0.05
    x0, y0 = (minx - pad) * scale_x, -(maxy + pad)
    w, h = (maxx - minx + 2 * pad) * scale_x, (maxy - miny + 2 * pad)
    body = []
    for p in parts:
        colour = CHANGE_COLOURS[p.change]
        dash = ' stroke-dasharray="4 3"' if p.change == "removed" else ""
        body.append(
            f'<path d="{_svg_path(p.geometry, scale_x)}" fill="{colour}" fill-opacity="0.35" '
            f'stroke="{colour}" stroke-width="2" vector-effect="non-scaling-stroke"{dash} '
            f'fill-rule="evenodd"><title>{_esc(labels[p.change])}</title></path>')
    return (f'<svg class="gs-step-map" viewBox="{x0:.6f} {y0:.6f} {w:.6f} {h:.6f}" '
            f'role="img" aria-label="{_esc(title)}" preserveAspectRatio="xMidYMid meet">'
            + "".join(body) + "</svg>")


def _esc(text: str) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
