"""Folium map builders: domain data in, `folium.Map` objects out. Knows nothing of Flask.

Every map loads Leaflet and its plugins from this service's /static/vendor/ (folium's CDN
defaults are replaced), starts without a base map (OpenStreetMap tiles only after consent) and
carries the "schematic reconstruction" notice. The custom Leaflet code lives in static/js/
(layers.js, geoservice.js); leaflet.py's elements call it with the data as HTML-safe JSON, and
map_data.py prepares that data (and the colours). Callers pass `_` (a translate function) so
every UI string stays translatable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import count
from typing import Any

import folium
import shapely
from branca.element import Element

from geoservice.domain.areas import ChangePart
from geoservice.domain.dataset import Dataset
from geoservice.domain.schema import PROJECTS
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
from geoservice.web.map_data import (
    CHANGE_COLOURS,
    OSM_DATA_ATTRIBUTION,
    area_colours,
    areas_geojson,
    category_colours,
    context_geojson,
    embedded_json,
    geometry_json,
    places_context_json,
    projects_geojson,
    public_text,
    safe_json,
    step_svg,
)

# what pages and the editor take from here besides the builders (defined in map_data/leaflet)
__all__ = ["CHANGE_COLOURS", "Tiles", "area_colours", "areas_geojson", "category_colours",
           "context_geojson", "embedded_json", "projects_geojson", "public_text", "step_svg"]
_geometry = geometry_json  # the name web/pages.py (items_map) still uses

Translate = Callable[..., str]


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
                 "geometry": geometry_json(p.geometry)} for p in parts]
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
    row = data.row(PROJECTS.name, fid)
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
