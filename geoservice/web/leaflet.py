"""Our Leaflet building blocks for folium: a Map that loads only local assets, and MacroElements
whose templates hold the custom Leaflet JavaScript (layers, controls, the inside check).

Data reaches the JavaScript as HTML-safe JSON and is shown with textContent only. The helpers the
templates call live in static/js/geoservice.js (`window.GS`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.template import Template

StaticUrl = str | Callable[[str], str]


def asset_url(static_url: StaticUrl, name: str) -> str:
    """Return the URL of a static file: `static_url(name)` (fingerprinted) or prefix + name."""
    return static_url(name) if callable(static_url) else f"{static_url}{name}"


@dataclass(frozen=True)
class Tiles:
    """Base-map configuration: a first-party URL (loaded directly) or OSM behind consent."""

    url: str = ""
    attribution: str = ""
    consent_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    consent_attribution: str = ""


class _Markup(Element):
    """Markup that is already rendered, added to the page as it is."""

    def __init__(self, markup: str):
        super().__init__()
        self.markup = markup

    def render(self, **kwargs) -> str:
        return self.markup


class _RenderOnce:
    """Render an element's header/html/script macros once and add their output as markup.

    branca's MacroElement.render wraps each macro's output in `Element(output)`, which compiles
    the output as a Jinja template and renders it a second time: data inside it (a project title
    "{{ … }}" or "{% … %}") would be evaluated on the server, and every map paid about ten
    template compilations. This replaces that render (and folium's JSCSSMixin part) for all of
    our elements.
    """

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        for name, url in getattr(self, "default_js", ()):
            figure.header.add_child(folium.JavascriptLink(url), name=name)
        for name, url in getattr(self, "default_css", ()):
            figure.header.add_child(folium.CssLink(url), name=name)
        module = self._template.module
        for part in ("header", "html", "script"):
            macro = getattr(module, part, None)
            if macro is not None:
                getattr(figure, part).add_child(_Markup(macro(self, kwargs)), name=self.get_name())
        for element in list(self._children.values()):
            element.render(**kwargs)


class LocalMap(_RenderOnce, folium.Map):
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
            {%- if this.fit %}
            /* the first view, not animated: an animation still running when a shared link's
               view is restored would end on this view instead */
            {{ this.get_name() }}.fitBounds({{ this.fit|tojson }}, {animate: false});
            {%- endif %}
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

    def __init__(self, static_url: StaticUrl, label: str, strings: dict, height: str = "60vh",
                 **kwargs):
        super().__init__(tiles=None, zoom_control=False, control_scale=False, **kwargs)
        # folium gives max_zoom to its tile layer only; markercluster needs it on the map
        self.options.update(max_zoom=19, min_zoom=11)
        self.default_js = [
            ("leaflet", asset_url(static_url, "vendor/leaflet/leaflet.js")),
            ("geoservice_js", asset_url(static_url, "js/geoservice.js")),
        ]
        self.default_css = [
            ("leaflet_css", asset_url(static_url, "vendor/leaflet/leaflet.css")),
            ("geoservice_map_css", asset_url(static_url, "css/map.css")),
        ]
        self.css_height = height
        self.fit = None  # [[south, west], [north, east]]: the first view
        self.label = label
        self.strings = strings


class _Element(_RenderOnce, MacroElement):
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
            asset_url(self.static_url, "vendor/leaflet.markercluster/leaflet.markercluster.js")),
            name="markercluster")
        figure.header.add_child(folium.CssLink(
            asset_url(self.static_url, "vendor/leaflet.markercluster/MarkerCluster.css")),
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
            /* Stadtteil names: first-party orientation without the base map (hidden at street zoom) */
            layer.eachLayer(function (l) {
                var name = l.feature && l.feature.properties && l.feature.properties.name;
                if (name) {
                    l.bindTooltip(name, {permanent: true, direction: "center",
                                         className: "gs-district-label", interactive: false});
                }
            });
            GS.of({{ this._parent.get_name() }}).addOverlay(layer, {{ this.label|tojson }}, "context");
        })();
        {% endmacro %}
    """)


class PlaceContext(_Element):
    """First-party orientation from geodata/context/places.geojson: street lines with their names
    (readable from street zoom on) and stop symbols; ODbL attribution stays with the layer."""

    _name = "GsPlaces"
    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var data = {{ this.data_json }};
            var streets = L.featureGroup(), stops = L.featureGroup();
            data.features.forEach(function (f) {
                var p = f.properties;
                if (p.kind === "street") {
                    var line = L.geoJSON(f, {interactive: false, attribution: {{ this.attribution|tojson }},
                                             style: {color: "#8c8c8c", weight: 2.5, opacity: 0.9}});
                    streets.addLayer(line);
                    if (p.label) {
                        streets.addLayer(L.tooltip({permanent: true, direction: "center",
                            className: "gs-street-label", interactive: false})
                            .setLatLng([p.label[1], p.label[0]]).setContent(p.name));
                    }
                } else if (p.kind === "stop") {
                    var m = L.marker([p.point[1], p.point[0]], {
                        interactive: false, keyboard: false,
                        icon: L.divIcon({className: "gs-stop", html: "H", iconSize: [16, 16], iconAnchor: [8, 8]})
                    }).bindTooltip(p.name, {permanent: true, direction: "right", offset: [8, 0],
                                            className: "gs-stop-label", interactive: false});
                    stops.addLayer(m);
                }
            });
            streets.addTo(map);
            stops.addTo(map);
            var entry = GS.of(map);
            entry.addOverlay(streets, {{ this.street_label|tojson }}, "streets");
            entry.addOverlay(stops, {{ this.stop_label|tojson }}, "stops");
            GS.zoomClasses(map);
        })();
        {% endmacro %}
    """)


class AreaLayer(_Element):
    """Boundary versions; mode 'year' shows those valid in a chosen year, 'all' shows each.

    In a period with a boundary change (a change year on the home map, a project's years) the
    outgoing version is drawn dashed and the incoming one solid, and the legend gives their dates.
    """

    _name = "GsAreas"
    initial_range = None
    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var S = {{ this.strings|tojson }};
            var colours = {{ this.colours|tojson }};
            var data = {{ this.data_json }};
            var layers = {};
            var group = L.featureGroup().addTo(map);
            var byId = {};
            data.features.forEach(function (f) {
                var p = f.properties;
                byId[p.id] = p;
                var layer = L.geoJSON(f, {style: GS.areaStyle(p, colours, null)});
                layer.bindTooltip(GS.areaSummary(p, S), {sticky: true});
                layers[p.id] = layer;
            });
            var api = {
                layers: layers, group: group, visible: [], range: null,
                setYear: function (year) {
                    var ids = data.features.filter(function (f) {
                        return GS.versionInYear(f.properties, year);
                    }).map(function (f) { return f.properties.id; });
                    api.show(ids, [year + "-01-01", (year + 1) + "-01-01"]);
                    return ids;
                },
                show: function (ids, range) {
                    group.clearLayers();
                    api.range = range || null;
                    ids.forEach(function (id) {
                        if (!layers[id]) { return; }
                        layers[id].setStyle(GS.areaStyle(byId[id], colours, api.range));
                        group.addLayer(layers[id]);
                    });
                    /* the incoming (solid) line on top of the outgoing (dashed) one */
                    ids.forEach(function (id) {
                        if (layers[id] && GS.areaRole(byId[id], api.range) === "incoming") {
                            layers[id].bringToFront();
                        }
                    });
                    api.visible = ids.slice();
                    var entry = GS.of(map);
                    if (entry.legendControl) { entry.legendControl.setAreas(api.legendItems()); }
                    return ids;
                },
                legendItems: function () {
                    return api.visible.map(function (id) {
                        return GS.areaLegendItem(byId[id], colours, api.range, S);
                    });
                },
                features: data.features
            };
            {% if this.initial_year %}api.setYear({{ this.initial_year|tojson }});
            {% else %}api.show({{ this.initial_ids|tojson }}, {{ this.initial_range|tojson }});{% endif %}
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
                showCoverageOnHover: false, maxClusterRadius: 40, zoomToBoundsOnClick: false,
                /* the click handler below decides; the plugin's own would spiderfy at max zoom */
                spiderfyOnMaxZoom: false,
                iconCreateFunction: function (c) { return GS.clusterIcon(c, colours, S, map); }
            }) : L.featureGroup();
            if (cluster.on && L.markerClusterGroup) {
                /* projects at one position (district-wide measures) open as one list, not a spider */
                cluster.on("clusterclick", function (e) {
                    if (GS.sameSpot(e.layer, map)) {
                        L.popup({maxWidth: GS.popupWidth(map), maxHeight: GS.popupHeight(map),
                                 autoPanPadding: [12, 12]})
                            .setLatLng(e.layer.getLatLng())
                            .setContent(GS.listPopup(e.layer.getAllChildMarkers().map(function (m) {
                                return m.feature.properties; }), S, {{ this.project_url|tojson }}, colours,
                                null, api.year))
                            .openOn(map);
                    } else if (map.getZoom() >= map.getMaxZoom()) { e.layer.spiderfy(); }
                    else { e.layer.zoomToBounds({padding: [24, 24]}); }
                });
            }
            var shapes = L.featureGroup();
            var markers = {};
            var shapeLayers = {};
            var spots = {};
            data.features.forEach(function (f) {
                var k = f.properties.lat + "," + f.properties.lon;
                (spots[k] = spots[k] || []).push(f.properties);
            });
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
                    var others = (spots[p.lat + "," + p.lon] || []).filter(function (q) { return q.id !== p.id; });
                    var url = {{ this.project_url|tojson }};
                    return others.length ? GS.listPopup([p].concat(others), S, url, colours, p.id, api.year)
                                         : GS.projectPopup(p, S, url, api.year);
                }, {maxWidth: GS.popupWidth(map), maxHeight: GS.popupHeight(map)});
                marker.feature = f;
                markers[p.id] = marker;
                if (f.geometry && f.geometry.type !== "Point") {
                    shapeLayers[p.id] = L.geoJSON(f, {style: {color: colour, weight: 4, fillOpacity: 0.25}})
                        .bindPopup(function () {
                            return GS.projectPopup(p, S, {{ this.project_url|tojson }}, api.year);
                        }, {maxWidth: GS.popupWidth(map), maxHeight: GS.popupHeight(map)});
                }
            });
            var api = {
                markers: markers, cluster: cluster, visible: [], year: null,
                features: data.features,
                setFilter: function (opts) {
                    api.year = opts && opts.year != null ? opts.year : null;
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
                show: function (id, keepView) {
                    var marker = markers[id];
                    if (!marker) { return; }
                    var open = function () { marker.openPopup(); };
                    var parent = cluster.getVisibleParent ? cluster.getVisibleParent(marker) : marker;
                    if (keepView && (parent === marker || !cluster.getVisibleParent)) {
                        /* a shared view: open the popup where it is, without panning the map */
                        var popup = marker.getPopup(), pan = popup.options.autoPan;
                        popup.options.autoPan = false;
                        marker.openPopup();
                        popup.options.autoPan = pan;
                        return;
                    }
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


class ItemsLayer(_Element):
    """The features of one page of a collection (areas as outlines, points as pins), each with a
    popup linking to its item page; `GS.of(map).items.ids` lists what is drawn (tests compare it
    with the table)."""

    _name = "GsItems"
    _template = Template("""
        {% macro script(this, kwargs) %}
        GS.items({{ this._parent.get_name() }}, {{ this.data_json }}, {{ this.strings|tojson }},
                 {{ this.label|tojson }});
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


