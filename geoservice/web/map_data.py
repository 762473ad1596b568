"""What the maps show, without Leaflet: GeoJSON of the dataset (memoized, script-safe),
colours of areas, categories and changes, the public wording of source notes, and the small
SVG drawings of a boundary step. Knows nothing of Flask or folium.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import shapely
from jinja2.utils import htmlsafe_json_dumps
from shapely.geometry import mapping

from geoservice.domain.areas import ChangePart
from geoservice.domain.dataset import Dataset
from geoservice.domain.schema import FUNDING_AREAS, PROJECTS

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


def safe_json(value: Any) -> str:
    """Serialize for embedding inside <script>: <, >, & and ' are escaped as \\uXXXX."""
    return str(htmlsafe_json_dumps(value, separators=(",", ":")))


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


# --------------------------------------------------------------------------- GeoJSON (memoized)

def _round(coords):
    if isinstance(coords, float):
        return round(coords, COORD_DECIMALS)
    return [_round(c) for c in coords]


def geometry_json(geom) -> dict:
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
                         "geometry": geometry_json(row.geometry)})
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
                             "geometry": geometry_json(geom.simplify(0.00002, preserve_topology=True))})
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
                out.append({"type": "Feature", "properties": props, "geometry": geometry_json(
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
