"""Our Leaflet building blocks for folium: a Map that loads only local assets, and elements that
each write one call of the custom Leaflet JavaScript in static/js/ (layers.js, geoservice.js:
`window.GS`) with their data as arguments.

Data reaches the JavaScript as HTML-safe JSON (safe_json) and is shown with textContent only.
No markup here is ever rendered as a Jinja template (see _RenderOnce).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.utilities import camelize
from markupsafe import escape

from geoservice.web.map_data import safe_json

StaticUrl = str | Callable[[str], str]
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def asset_url(static_url: StaticUrl, name: str) -> str:
    """Return the URL of a static file: `static_url(name)` (fingerprinted) or prefix + name."""
    return static_url(name) if callable(static_url) else f"{static_url}{name}"


class Json(str):
    """Text already serialized by safe_json (e.g. memoized GeoJSON), passed on as it is."""


def js_call(function: str, target: str, args: tuple) -> str:
    """Return `GS.function(target, arg, …);` with each argument as HTML-safe JSON."""
    if not _IDENTIFIER.fullmatch(function):
        raise ValueError(f"not a GS function name: {function!r}")
    encoded = "".join(", " + (arg if isinstance(arg, Json) else safe_json(arg)) for arg in args)
    return f"GS.{function}({target}{encoded});\n"


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
    """Add an element's header/html/script parts (`parts()`) to the page once, as markup.

    branca's MacroElement.render wraps each macro's output in `Element(output)`, which compiles
    the output as a Jinja template and renders it a second time: data inside it (a project title
    "{{ … }}" or "{% … %}") would be evaluated on the server, and every map paid about ten
    template compilations. This replaces that render (and folium's JSCSSMixin part) for all of
    our elements; their parts are plain strings built in Python, no template at all.
    """

    default_js: list[tuple[str, str]] | tuple = ()
    default_css: list[tuple[str, str]] | tuple = ()

    def parts(self) -> dict[str, str]:
        return {}

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(folium.JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(folium.CssLink(url), name=name)
        for part, markup in self.parts().items():
            getattr(figure, part).add_child(_Markup(markup), name=self.get_name())
        for element in list(self._children.values()):
            element.render(**kwargs)


class LocalMap(_RenderOnce, folium.Map):
    """A folium Map whose assets come from this service and whose page stays zoomable."""

    def __init__(self, static_url: StaticUrl, label: str, strings: dict, height: str = "60vh",
                 **kwargs):
        super().__init__(tiles=None, zoom_control=False, control_scale=False, **kwargs)
        # folium gives max_zoom to its tile layer only; markercluster needs it on the map
        self.options.update(max_zoom=19, min_zoom=11)
        self.default_js = [
            ("leaflet", asset_url(static_url, "vendor/leaflet/leaflet.js")),
            # geoservice.js first (window.GS), the files that add to it, then the layers
            ("geoservice_js", asset_url(static_url, "js/geoservice.js")),
            ("geoservice_popups_js", asset_url(static_url, "js/popups.js")),
            ("geoservice_controls_js", asset_url(static_url, "js/controls.js")),
            ("geoservice_search_js", asset_url(static_url, "js/search.js")),
            ("geoservice_answer_js", asset_url(static_url, "js/answer.js")),
            ("geoservice_layers_js", asset_url(static_url, "js/layers.js")),
        ]
        self.default_css = [
            ("leaflet_css", asset_url(static_url, "vendor/leaflet/leaflet.css")),
            ("geoservice_map_css", asset_url(static_url, "css/map.css")),
        ]
        self.css_height = height
        self.fit = None  # [[south, west], [north, east]]: the first view
        self.label = label
        self.strings = strings

    def parts(self) -> dict[str, str]:
        name = self.get_name()
        view = {"center": self.location, "fit": self.fit, "strings": self.strings,
                "options": {camelize(k): v for k, v in self.options.items()}}
        return {
            "header": f"<style>#{name} {{ position: relative; width: 100%; "
                      f"height: {escape(self.css_height)}; }}</style>\n",
            "html": f'<div class="folium-map gs-map" id="{name}" role="region" '
                    f'aria-label="{escape(self.label)}"></div>\n',
            "script": f"var {name} = GS.createMap({safe_json(name)}, {safe_json(view)});\n",
        }


class MapCall(_RenderOnce, MacroElement):
    """One call of a function of static/js (layers.js, geoservice.js) on the map:
    `GS.<function>(map, *args)`, each argument as HTML-safe JSON (a Json one as it is)."""

    _name = "GsCall"

    def __init__(self, function: str, *args: Any):
        super().__init__()
        self.function, self.args = function, args

    def parts(self) -> dict[str, str]:
        return {"script": js_call(self.function, self._parent.get_name(), self.args)}


class Cluster(_RenderOnce, MacroElement):
    """Load Leaflet.markercluster from /static/vendor (for ProjectLayer)."""

    _name = "GsCluster"

    def __init__(self, static_url: StaticUrl):
        super().__init__()
        self.default_js = [("markercluster", asset_url(
            static_url, "vendor/leaflet.markercluster/leaflet.markercluster.js"))]
        self.default_css = [("markercluster_css", asset_url(
            static_url, "vendor/leaflet.markercluster/MarkerCluster.css"))]


class ContextLayer(MapCall):
    """OSM Stadtteil outlines as a quiet grey background with ODbL attribution."""

    def __init__(self, data_json: str, attribution: str, label: str):
        super().__init__("contextLayer", Json(data_json), attribution, label)


class PlaceContext(MapCall):
    """First-party orientation from geodata/context/places.geojson: street lines with their names
    (readable from street zoom on) and stop symbols; ODbL attribution stays with the layer."""

    def __init__(self, data_json: str, attribution: str, street_label: str, stop_label: str):
        super().__init__("placeContext", Json(data_json), attribution, street_label, stop_label)


class AreaLayer(MapCall):
    """Boundary versions: those valid in `initial_year`, or `initial_ids` (during `initial_range`).

    In a period with a boundary change (a change year on the home map, a project's years) the
    outgoing version is drawn dashed and the incoming one solid, and the legend gives their dates.
    """

    def __init__(self, data_json: str, colours: dict, strings: dict, label: str,
                 initial_year: int | None = None, initial_ids: list | None = None,
                 initial_range: list | None = None):
        initial = ({"year": initial_year} if initial_year
                   else {"ids": initial_ids or [], "range": initial_range})
        super().__init__("areaLayer", Json(data_json), colours, strings, initial, label)


class ProjectLayer(MapCall):
    """Projects as category-coloured, clustered markers (plus shapes) with filters and popups."""

    def __init__(self, data_json: str, colours: dict, cluster: bool, initial_filter: dict,
                 project_url: str, label: str, shapes_label: str, strings: dict):
        options = {"cluster": cluster, "projectUrl": project_url, "filter": initial_filter}
        super().__init__("projectLayer", Json(data_json), colours, strings, options, label,
                         shapes_label)


class ItemsLayer(MapCall):
    """The features of one page of a collection (areas as outlines, points as pins), each with a
    popup linking to its item page; `GS.of(map).items.ids` lists what is drawn (tests compare it
    with the table)."""

    def __init__(self, data_json: str, strings: dict, label: str):
        super().__init__("items", Json(data_json), strings, label)


class ChangeLayer(MapCall):
    """Added, removed and unchanged parts between two dates, each in its own colour."""

    def __init__(self, data_json: str, colours: dict, labels: dict):
        super().__init__("changeLayer", Json(data_json), colours, labels)


class ClickToCheck(MapCall):
    """Fact sheet: a click on the map fills the inside-check form and asks /locate."""

    def __init__(self, form_id: str):
        super().__init__("clickToCheck", form_id)
