"""Folium map builders: domain data in, `folium.Map` objects out. Knows nothing of Flask.

Every map loads Leaflet and its plugins from this service's /static/vendor/ (folium's CDN
defaults are replaced), starts without a base map (OpenStreetMap tiles only after consent) and
carries the "schematic reconstruction" notice. The custom Leaflet code lives in the
MacroElement templates below; data reaches it as HTML-safe JSON and is shown with textContent.
Callers pass `_` (a translate function) so every UI string stays translatable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from itertools import count
from typing import Any

import folium
import shapely
from branca.element import Element, MacroElement
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps
from shapely.geometry import mapping

from geoservice.domain.areas import ChangePart
from geoservice.domain.schema import FUNDING_AREAS, PROJECTS
from geoservice.storage.base import Dataset

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


def areas_geojson(data: Dataset) -> dict:
    """Return every boundary version as GeoJSON (computed once per dataset)."""
    return data.memo(("maps", "areas"), lambda: _collection(
        data.funding_areas.sort_values(["valid_from", "area_id"], kind="stable"),
        FUNDING_AREAS.fields))


def projects_geojson(data: Dataset) -> dict:
    """Return every project as GeoJSON with a representative point for its marker (memoized)."""
    def point(row) -> dict:
        rep = row.geometry if row.geometry.geom_type == "Point" else row.geometry.representative_point()
        return {"lon": round(rep.x, COORD_DECIMALS), "lat": round(rep.y, COORD_DECIMALS)}
    return data.memo(("maps", "projects"), lambda: _collection(
        data.projects.sort_values(["title"], kind="stable"), PROJECTS.fields, point))


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


# --------------------------------------------------------------------------- map + elements

@dataclass(frozen=True)
class Tiles:
    """Base-map configuration: a first-party URL (loaded directly) or OSM behind consent."""

    url: str = ""
    attribution: str = ""
    consent_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    consent_attribution: str = ""


class LocalMap(folium.Map):
    """A folium Map whose assets come from this service and whose page stays zoomable."""

    _template = Template("""
        {% macro header(this, kwargs) %}
            <style>#{{ this.get_name() }} { position: relative; width: 100%; height: {{ this.css_height }}; }</style>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div class="folium-map gs-map" id={{ this.get_name()|tojson }} role="region"
                 aria-label="{{ this.label|e }}"></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map({{ this.get_name()|tojson }}, {
                center: {{ this.location|tojson }},
                zoomControl: false,
                ...{{ this.options|tojavascript }}
            });
            L.control.zoom({
                zoomInTitle: {{ this.strings.zoom_in|tojson }},
                zoomOutTitle: {{ this.strings.zoom_out|tojson }}
            }).addTo({{ this.get_name() }});
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
            {{ this.get_name() }}.attributionControl.setPrefix(
                '<a href="https://leafletjs.com">Leaflet</a>');
            GS.register({{ this.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, static_url: str, label: str, strings: dict, height: str = "60vh",
                 **kwargs):
        super().__init__(tiles=None, zoom_control=False, control_scale=False, **kwargs)
        # folium gives max_zoom to its tile layer only; markercluster needs it on the map
        self.options.update(max_zoom=19, min_zoom=11)
        self.default_js = [
            ("leaflet", f"{static_url}vendor/leaflet/leaflet.js"),
            ("geoservice_js", f"{static_url}js/geoservice.js"),
        ]
        self.default_css = [
            ("leaflet_css", f"{static_url}vendor/leaflet/leaflet.css"),
            ("geoservice_map_css", f"{static_url}css/map.css"),
        ]
        self.css_height = height
        self.label = label
        self.strings = strings


class _Element(MacroElement):
    """A MacroElement with a plain-value context (`this.<name>`) for its template."""

    _name = "GsElement"

    def __init__(self, **values):
        super().__init__()
        for key, value in values.items():
            setattr(self, key, value)


class Cluster(_Element):
    """Load Leaflet.markercluster from /static/vendor (for ProjectLayer)."""

    _name = "GsCluster"

    def render(self, **kwargs):
        figure = self.get_root()
        figure.header.add_child(folium.JavascriptLink(
            f"{self.static_url}vendor/leaflet.markercluster/leaflet.markercluster.js"),
            name="markercluster")
        figure.header.add_child(folium.CssLink(
            f"{self.static_url}vendor/leaflet.markercluster/MarkerCluster.css"),
            name="markercluster_css")
        super().render(**kwargs)


class ContextLayer(_Element):
    """OSM Stadtteil outlines as a quiet grey background with ODbL attribution."""

    _name = "GsContext"
    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var layer = L.geoJSON({{ this.data_json }}, {
                interactive: false,
                attribution: {{ this.attribution|tojson }},
                style: function () {
                    return {color: "#6b6b6b", weight: 1.2, dashArray: "4 3", fill: true,
                            fillColor: "#f4f4f0", fillOpacity: 0.35};
                }
            }).addTo({{ this._parent.get_name() }});
            GS.of({{ this._parent.get_name() }}).addOverlay(layer, {{ this.label|tojson }}, "context");
        })();
        {% endmacro %}
    """)


class AreaLayer(_Element):
    """Boundary versions; mode 'year' shows those valid in a chosen year, 'all' shows each."""

    _name = "GsAreas"
    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var S = {{ this.strings|tojson }};
            var colours = {{ this.colours|tojson }};
            var data = {{ this.data_json }};
            var layers = {};
            var group = L.featureGroup().addTo(map);
            data.features.forEach(function (f) {
                var p = f.properties;
                var layer = L.geoJSON(f, {
                    style: {
                        color: colours[p.area_id] || "#333333", weight: 3,
                        dashArray: p.accuracy === "reconstructed" ? "8 5" : null,
                        fillColor: colours[p.area_id] || "#333333", fillOpacity: 0.12
                    }
                });
                layer.bindTooltip(GS.areaSummary(p, S), {sticky: true});
                layers[p.id] = layer;
            });
            var api = {
                layers: layers, group: group, visible: [],
                setYear: function (year) {
                    var ids = data.features.filter(function (f) {
                        return GS.versionInYear(f.properties, year);
                    }).map(function (f) { return f.properties.id; });
                    api.show(ids);
                    return ids;
                },
                show: function (ids) {
                    group.clearLayers();
                    ids.forEach(function (id) { if (layers[id]) { group.addLayer(layers[id]); } });
                    api.visible = ids.slice();
                    return ids;
                },
                features: data.features
            };
            {% if this.initial_year %}api.setYear({{ this.initial_year|tojson }});
            {% else %}api.show({{ this.initial_ids|tojson }});{% endif %}
            var entry = GS.of(map);
            entry.areas = api;
            entry.addOverlay(group, {{ this.label|tojson }}, "areas");
        })();
        {% endmacro %}
    """)


class ProjectLayer(_Element):
    """Projects as category-coloured, clustered markers (plus shapes) with filters and popups."""

    _name = "GsProjects"
    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var S = {{ this.strings|tojson }};
            var colours = {{ this.colours|tojson }};
            var data = {{ this.data_json }};
            var cluster = {{ this.cluster|tojson }} && L.markerClusterGroup ? L.markerClusterGroup({
                showCoverageOnHover: false, maxClusterRadius: 40,
                iconCreateFunction: function (c) {
                    var n = c.getChildCount();
                    return L.divIcon({
                        html: "<span>" + n + "</span><span class=\\"gs-sr\\"> " +
                              S.cluster_projects + "</span>",
                        className: "gs-cluster", iconSize: L.point(36, 36)
                    });
                }
            }) : L.featureGroup();
            var shapes = L.featureGroup();
            var markers = {};
            var shapeLayers = {};
            data.features.forEach(function (f) {
                var p = f.properties;
                var colour = colours[p.category] || "#333333";
                var marker = L.marker([p.lat, p.lon], {
                    title: p.title, riseOnHover: true,
                    icon: L.divIcon({className: "gs-pin", html: "", iconSize: [18, 18],
                                     iconAnchor: [9, 9], popupAnchor: [0, -8]})
                });
                marker.on("add", function () {
                    var el = marker.getElement();
                    if (el) { el.style.background = colour; el.setAttribute("aria-label", p.title); }
                });
                marker.bindPopup(function () {
                    return GS.projectPopup(p, S, {{ this.project_url|tojson }});
                }, {maxWidth: 320, maxHeight: 320});
                marker.feature = f;
                markers[p.id] = marker;
                if (f.geometry && f.geometry.type !== "Point") {
                    shapeLayers[p.id] = L.geoJSON(f, {style: {color: colour, weight: 4, fillOpacity: 0.25}})
                        .bindPopup(function () {
                            return GS.projectPopup(p, S, {{ this.project_url|tojson }});
                        }, {maxWidth: 320, maxHeight: 320});
                }
            });
            var api = {
                markers: markers, cluster: cluster, visible: [],
                features: data.features,
                setFilter: function (opts) {
                    var ids = data.features.filter(function (f) {
                        return GS.projectMatches(f.properties, opts);
                    }).map(function (f) { return f.properties.id; });
                    cluster.clearLayers();
                    shapes.clearLayers();
                    cluster.addLayers ? cluster.addLayers(ids.map(function (id) { return markers[id]; }))
                                      : ids.forEach(function (id) { cluster.addLayer(markers[id]); });
                    ids.forEach(function (id) { if (shapeLayers[id]) { shapes.addLayer(shapeLayers[id]); } });
                    api.visible = ids;
                    return ids;
                },
                show: function (id) {
                    var marker = markers[id];
                    if (!marker) { return; }
                    var open = function () { marker.openPopup(); };
                    if (cluster.zoomToShowLayer) { cluster.zoomToShowLayer(marker, open); }
                    else { map.setView(marker.getLatLng(), Math.max(map.getZoom(), 16)); open(); }
                }
            };
            shapes.addTo(map);
            cluster.addTo(map);
            api.setFilter({{ this.initial_filter|tojson }});
            var entry = GS.of(map);
            entry.projects = api;
            entry.addOverlay(cluster, {{ this.label|tojson }}, "projects");
            entry.addOverlay(shapes, {{ this.shapes_label|tojson }}, "project-shapes");
        })();
        {% endmacro %}
    """)


class ChangeLayer(_Element):
    """Added, removed and unchanged parts between two dates, each in its own colour."""

    _name = "GsChanges"
    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var colours = {{ this.colours|tojson }};
            var labels = {{ this.labels|tojson }};
            var data = {{ this.data_json }};
            var entry = GS.of(map);
            data.features.forEach(function (f) {
                var c = f.properties.change;
                var layer = L.geoJSON(f, {style: {
                    color: colours[c], weight: c === "unchanged" ? 1.5 : 2.5, fillColor: colours[c],
                    fillOpacity: c === "unchanged" ? 0.18 : 0.45,
                    dashArray: c === "removed" ? "6 4" : null
                }}).addTo(map);
                layer.bindTooltip(labels[c] + ": " + f.properties.area_label, {sticky: true});
                entry.addOverlay(layer, labels[c], "change-" + c);
            });
        })();
        {% endmacro %}
    """)


class MapCall(_Element):
    """Call one helper of static/js/geoservice.js on the map: GS.<function>(map, *args).

    Used for the controls that need nothing but their arguments: tile consent, "show my
    position", legend, reconstruction notice and layer control.
    """

    _name = "GsCall"
    _template = Template("""
        {% macro script(this, kwargs) %}
        GS[{{ this.function|tojson }}]({{ this._parent.get_name() }}
            {%- for arg in this.args %}, {{ arg|tojson }}{% endfor %});
        {% endmacro %}
    """)

    def __init__(self, function: str, *args: Any):
        super().__init__(function=function, args=args)


class ClickToCheck(_Element):
    """Fact sheet: a click on the map fills the inside-check form and asks /locate."""

    _name = "GsClickCheck"
    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var marker = null;
            map.on("click", function (e) {
                if (marker) { map.removeLayer(marker); }
                marker = L.circleMarker(e.latlng, {radius: 7, color: "#111111", weight: 2,
                                                   fillColor: "#ffd600", fillOpacity: 1})
                    .addTo(map);
                GS.checkPoint(e.latlng.lng, e.latlng.lat, {{ this.form_id|tojson }});
            });
            GS.of(map).checkMarker = function (lon, lat) {
                if (marker) { map.removeLayer(marker); }
                marker = L.circleMarker([lat, lon], {radius: 7, color: "#111111", weight: 2,
                                                     fillColor: "#ffd600", fillOpacity: 1})
                    .addTo(map);
                if (!map.getBounds().contains(marker.getLatLng())) { map.panTo(marker.getLatLng()); }
            };
        })();
        {% endmacro %}
    """)


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
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
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
        "base": _("Kartenhintergrund"),
    }).add_to(m)


def _context(m: folium.Map, data: Dataset, _: Translate) -> None:
    ContextLayer(data_json=embedded_json(data, "context"), attribution=OSM_DATA_ATTRIBUTION,
                 label=_("Stadtteile (OpenStreetMap)")).add_to(m)


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
        "accuracy": _("Genauigkeit"), "valid": _("gültig"),
    }


def area_legend_entries(data: Dataset, _: Translate) -> list[dict]:
    """Return legend entries (one per area_id) with their colours."""
    colours = area_colours(data)
    names = (data.funding_areas.sort_values("valid_from")
             .drop_duplicates("area_id").set_index("area_id")["name"])
    return [{"label": str(names[a]), "colour": c, "kind": "area"} for a, c in colours.items()]


def home_map(data: Dataset, static_url: str, tiles: Tiles, year: int, _: Translate,
             project_url: str, sources_url: str) -> folium.Map:
    """Build the residents' map: areas valid in `year`, projects started by then, filters."""
    m = _base_map(data, static_url, _("Karte der Fördergebiete und Projekte"), _,
                  data.funding_areas.total_bounds, "min(70vh, 640px)")
    _tiles(m, tiles, _)
    _context(m, data, _)
    AreaLayer(data_json=embedded_json(data, "areas"), colours=area_colours(data),
              strings=area_strings(_), initial_year=year, initial_ids=[],
              label=_("Fördergebiete")).add_to(m)
    Cluster(static_url=static_url).add_to(m)
    ProjectLayer(data_json=embedded_json(data, "projects"), colours=category_colours(data),
                 cluster=True, initial_filter={"year": year}, project_url=project_url,
                 label=_("Projekte"), shapes_label=_("Projektflächen und -linien"),
                 strings=project_strings(_)).add_to(m)
    cats = category_colours(data)
    MapCall("legend", _("Legende"),
            area_legend_entries(data, _)
            + [{"label": c, "colour": colour, "kind": "marker"} for c, colour in cats.items()],
            "bottomright").add_to(m)
    _notice(m, _, sources_url)
    MapCall("locateControl", {
        "button": _("Meinen Standort zeigen"), "here": _("Ihr Standort (nur in Ihrem Browser)"),
        "unsupported": _("Ihr Browser kann den Standort nicht bestimmen."),
        "denied": _("Standort nicht verfügbar: {reason}"),
    }).add_to(m)
    return _finish(m, _)


def project_strings(_: Translate) -> dict:
    """Return the translated labels of project popups."""
    return {
        "years": _("Jahre"), "status": _("Status"), "status_note": _("Stand"), "category": _("Kategorie"),
        "funding": _("Förderung"), "accuracy": _("Lagegenauigkeit"), "source": _("Quelle"),
        "details": _("Projektseite öffnen"), "unknown": _("unbekannt"), "since": _("seit"),
        "until": _("bis"),
        "acc_address": _("Adresse"), "acc_street": _("Straße"), "acc_approximate": _("ungefähr"),
        "cluster_projects": _("Projekte, zum Vergrößern auswählen"),
    }


def change_map(data: Dataset, static_url: str, tiles: Tiles, parts: list[ChangePart],
               labels: dict[str, str], area_labels: dict[str, str], _: Translate,
               sources_url: str) -> folium.Map:
    """Build the change map of two dates from domain.areas.changes() parts."""
    geoms = [p.geometry for p in parts] or list(data.funding_areas.geometry)
    bounds = shapely.union_all(geoms).bounds
    m = _base_map(data, static_url, _("Karte der Änderungen"), _, bounds, "min(65vh, 600px)")
    _tiles(m, tiles, _)
    _context(m, data, _)
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
             sources_url: str, form_id: str) -> folium.Map:
    """Build the fact-sheet map: every version of one area (newest shown) and the click check."""
    rows = data.funding_areas[data.funding_areas["area_id"] == area_id]
    m = _base_map(data, static_url, _("Karte des Gebiets mit allen Versionen"), _,
                  rows.total_bounds, "min(60vh, 520px)")
    _tiles(m, tiles, _)
    _context(m, data, _)
    newest = rows.sort_values("valid_from").iloc[-1]["id"]
    feats = areas_geojson(data)
    AreaLayer(data_json=safe_json({"type": "FeatureCollection", "features": [
                  f for f in feats["features"] if f["properties"]["area_id"] == area_id]}),
              colours=area_colours(data), strings=area_strings(_), initial_year=None,
              initial_ids=[newest], label=_("Gebietsversion")).add_to(m)
    _notice(m, _, sources_url)
    ClickToCheck(form_id=form_id).add_to(m)
    return _finish(m, _)


def project_map(data: Dataset, static_url: str, tiles: Tiles, fid: str, _: Translate,
                project_url: str, sources_url: str, area_ids: list[str]) -> folium.Map:
    """Build a small map of one project with the area versions in force during its years."""
    row = data.projects.loc[fid]
    minx, miny, maxx, maxy = row.geometry.buffer(0.004).bounds
    m = _base_map(data, static_url, _("Karte des Projekts"), _, (minx, miny, maxx, maxy),
                  "min(45vh, 380px)")
    _tiles(m, tiles, _)
    _context(m, data, _)
    AreaLayer(data_json=embedded_json(data, "areas"), colours=area_colours(data),
              strings=area_strings(_), initial_year=None, initial_ids=area_ids,
              label=_("Fördergebiete")).add_to(m)
    feature = next(f for f in projects_geojson(data)["features"] if f["id"] == fid)
    ProjectLayer(data_json=safe_json({"type": "FeatureCollection", "features": [feature]}),
                 colours=category_colours(data), cluster=False, initial_filter={},
                 project_url=project_url, label=_("Projekt"),
                 shapes_label=_("Projektflächen und -linien"),
                 strings=project_strings(_)).add_to(m)
    _notice(m, _, sources_url)
    return _finish(m, _)


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
