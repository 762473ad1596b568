"""Thousands of distinct URLs drawn from the real query space (fixed seed), for the mixed benchmark.

Each URL is a (kind, path) pair. Kinds group URLs for per-kind figures: `items` (collection
items: bboxes in CRS84 and EPSG:25833, datetimes, paging, sortby, properties), `item` (one
feature, or an area's version on a day), `locate` (a point on a day), `changes` (between two
years), `other` (fact sheets, metadata). Most ask for JSON, some for HTML (`f=html`), like a mix of
GIS clients and browsers. `pygeoapi_path()` translates the items URLs that pygeoapi can answer.
"""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

SEED = 13
# the data's extent (projects and areas), with a margin: many boxes hit something, some nothing
LON = (13.765, 13.835)
LAT = (50.990, 51.025)
# EPSG:25833 (easting, northing) of the same extent, rounded
EAST = (413_000, 418_000)
NORTH = (5_649_000, 5_653_000)
SORTABLE = ("start_year", "end_year", "title", "id", "status", "category")
PROPERTY_SETS = ("title,status", "id,title,start_year,end_year", "category,area_id,funding",
                 "title")


def _ids(data_dir: Path, name: str, key: str = "id") -> list[str]:
    features = json.loads((data_dir / name).read_text(encoding="utf-8"))["features"]
    return sorted({str(f.get("id") or f["properties"][key]) if key == "id"
                   else str(f["properties"][key]) for f in features})


def _area_spans(data_dir: Path) -> dict[str, tuple[date, date]]:
    """Return per area_id the first day of its first version and the end of its last (or 2027)."""
    spans: dict[str, tuple[date, date]] = {}
    for feature in json.loads((data_dir / "funding_areas.geojson").read_text("utf-8"))["features"]:
        props = feature["properties"]
        start = date.fromisoformat(props["valid_from"])
        end = date.fromisoformat(props["valid_to"]) if props.get("valid_to") else date(2027, 1, 1)
        old = spans.get(props["area_id"], (start, end))
        spans[props["area_id"]] = (min(old[0], start), max(old[1], end))
    return spans


def _day(rng: random.Random, first: int = 2000, last: int = 2026) -> str:
    return f"{rng.randint(first, last)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def make(data_dir: Path, count: int = 6000, seed: int = SEED,
         only: str | None = None) -> list[tuple[str, str]]:
    """Return `count` distinct (kind, path) pairs; the same list for the same data and seed.

    With `only` (a kind), all of that kind: the per-kind scenarios need as many distinct URLs as
    the mix, or the response cache would answer them.
    """
    rng = random.Random(seed)
    projects = _ids(data_dir, "projects.geojson")
    versions = _ids(data_dir, "funding_areas.geojson")
    areas = _ids(data_dir, "funding_areas.geojson", "area_id")
    spans = _area_spans(data_dir)

    def fmt() -> str:
        return "&f=html" if rng.random() < 0.06 else ("&f=json" if rng.random() < 0.5 else "")

    def bbox84() -> str:
        w, h = rng.uniform(0.002, 0.03), rng.uniform(0.0015, 0.02)
        x, y = rng.uniform(LON[0], LON[1] - w), rng.uniform(LAT[0], LAT[1] - h)
        return f"{x:.5f},{y:.5f},{x + w:.5f},{y + h:.5f}"

    def items_bbox() -> tuple[str, str]:
        extra = f"&limit={rng.choice((10, 20, 50, 100))}" if rng.random() < 0.6 else ""
        if rng.random() < 0.2:
            extra += f"&datetime={rng.randint(2000, 2026)}"
        return "items", f"/collections/projects/items?bbox={bbox84()}{extra}{fmt()}"

    def items_bbox_25833() -> tuple[str, str]:
        w, h = rng.randint(150, 2500), rng.randint(150, 2000)
        x, y = rng.randint(EAST[0], EAST[1] - w), rng.randint(NORTH[0], NORTH[1] - h)
        crs = "&crs=EPSG:25833" if rng.random() < 0.7 else ""
        return "items", (f"/collections/projects/items?bbox={x},{y},{x + w},{y + h}"
                         f"&bbox-crs=EPSG:25833{crs}&limit={rng.choice((20, 50, 100))}")

    def items_areas() -> tuple[str, str]:
        extra = f"&bbox={bbox84()}" if rng.random() < 0.2 else ""
        return "items", f"/collections/funding-areas/items?datetime={_day(rng)}{extra}{fmt()}"

    def items_page() -> tuple[str, str]:
        query = f"limit={rng.randint(1, 40)}&offset={rng.randint(0, 35)}"
        if rng.random() < 0.6:
            query += f"&sortby={rng.choice(('', '-', '+'))}{rng.choice(SORTABLE)}".replace("+", "%2B")
        if rng.random() < 0.3:
            query += f"&properties={rng.choice(PROPERTY_SETS)}"
        if rng.random() < 0.2:
            query += f"&datetime={rng.randint(2000, 2024)}/{rng.randint(2025, 2030)}"
        return "items", f"/collections/projects/items?{query}{fmt()}"

    def item() -> tuple[str, str]:
        lang = rng.choice(("", "", "&lang=en", "&lang=de"))
        if rng.random() < 0.75:
            return "item", (f"/collections/projects/items/{rng.choice(projects)}?"
                            f"crs={rng.choice(('OGC:CRS84', 'EPSG:25833', 'EPSG:4326'))}{lang}")
        return "item", (f"/collections/funding-areas/items/{rng.choice(versions)}?"
                        f"crs={rng.choice(('OGC:CRS84', 'EPSG:25833'))}{lang}")

    def area_on_day() -> tuple[str, str]:
        area = rng.choice(areas)
        first, last = spans[area]
        day = date.fromordinal(rng.randint(first.toordinal(), last.toordinal() - 1))
        return "item", f"/collections/funding-areas/items/{area}?datetime={day.isoformat()}"

    def locate() -> tuple[str, str]:
        html = "&f=html" if rng.random() < 0.05 else ""
        if rng.random() < 0.15:
            return "locate", (f"/locate?x={rng.uniform(*EAST):.1f}&y={rng.uniform(*NORTH):.1f}"
                              f"&crs=EPSG:25833&datetime={_day(rng)}{html}")
        return "locate", (f"/locate?lon={rng.uniform(*LON):.6f}&lat={rng.uniform(*LAT):.6f}"
                          f"&datetime={_day(rng)}{html}")

    def changes() -> tuple[str, str]:
        first = rng.randint(2000, 2024)
        span = f"from={first}&to={rng.randint(first + 1, 2026)}"
        if rng.random() < 0.3:
            span = f"from={_day(rng, 2000, 2015)}&to={_day(rng, 2016, 2026)}"
        if rng.random() < 0.3:
            return "changes", f"/areas/{rng.choice(areas)}/changes?{span}"
        return "changes", f"/changes?{span}"

    def other() -> tuple[str, str]:
        lang = rng.choice(("de", "en"))
        return "other", rng.choice((f"/areas/{rng.choice(areas)}?lang={lang}",
                                    f"/areas?lang={lang}",
                                    f"/collections/projects?lang={lang}",
                                    f"/collections?lang={lang}"))

    kinds = ((items_bbox, 26), (items_bbox_25833, 7), (items_areas, 8), (items_page, 12),
             (item, 12), (area_on_day, 4), (locate, 19), (changes, 10), (other, 2))
    if only is not None:
        chosen = [(maker, weight) for maker, weight in kinds if maker()[0] == only]
        kinds = tuple(chosen)
    makers = [maker for maker, _ in kinds]
    weights = [weight for _, weight in kinds]
    seen: dict[str, str] = {}
    attempts = 0
    while len(seen) < count and attempts < count * 50:
        attempts += 1
        kind, path = rng.choices(makers, weights)[0]()
        seen.setdefault(path, kind)
    return [(kind, path) for path, kind in seen.items()]


def pygeoapi_path(path: str) -> str | None:
    """Return the pygeoapi URL of an items path it can answer the same way, else None.

    Same collection names; CRS84 bboxes, datetime, limit/offset, sortby and properties are
    standard OGC API - Features parameters. Left out: EPSG:25833 (bbox-crs/crs), HTML.
    """
    if "/items?" not in path or "crs=" in path or "f=html" in path:
        return None
    return path.replace("&f=json", "") + "&f=json"


def write(paths: list[str], target: Path) -> Path:
    """Write paths one per line (what bench/paths.lua replays)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(paths) + "\n", encoding="ascii")
    return target
