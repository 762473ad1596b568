"""Places and 'was this site inside?': the search index and the answer over all areas and versions.

No Flask here. The index is built from geodata/context/places.geojson (streets, stops, addresses and
places derived from geodata/sources/ by scripts/build_places.py) plus the dataset's projects, once
per data snapshot (the caller memoizes it in Dataset.memo).

Matching is German-aware: text is Unicode-normalised (NFKD), diacritics are dropped, case folded
(ß -> ss), and ae/oe/ue -> a/o/u on both sides, so 'strasse' finds 'Straße', 'Muegelner' and
'mugelner' find 'Mügelner'; 'Str.' counts as 'Straße'. A few words of what people look for
(pool, school, square, Schwimmhalle …) stand for the word stems in the names (SYNONYMS), in German
and English. A query that finds nothing is tried once more with each unknown word replaced by the
closest words of the index (difflib): 'prohliser alee' finds 'Prohliser Allee', 'Jakob' 'Jacob'.
A square ('…platz') is a place with one point (the middle of its mapped ways), not a street line.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import shapely
from shapely import Geometry

from geoservice.domain import crs
from geoservice.domain.areas import require_area, versions_on

log = logging.getLogger(__name__)

KINDS = ("street", "address", "stop", "place", "project")
# a square or named place before the stop named after it (the stop is at the square)
_KIND_RANK = {"street": 0, "address": 1, "place": 2, "stop": 3, "project": 4}
_NON_WORD = re.compile(r"[^0-9a-z]+")
PLACES_FILE = Path("context") / "places.geojson"
# A reconstructed boundary is not better than tens of metres: say distances to the nearest 10 m
# and call anything closer than NEAR_M "at the boundary" (the line cannot decide it).
RECONSTRUCTED_STEP_M = 10
OFFICIAL_STEP_M = 1
NEAR_M = 30
# what people type -> word stems of the names that mean it (folded; German and English)
_POOL, _SCHOOL = ("bad", "schwimm"), ("schule", "gymnasium")
SYNONYMS = {
    "schwimmhalle": _POOL, "schwimmbad": _POOL, "hallenbad": _POOL, "freibad": _POOL,
    "pool": _POOL, "swimming": _POOL, "swim": _POOL, "bath": _POOL, "baths": _POOL,
    "school": _SCHOOL, "schools": _SCHOOL, "schule": _SCHOOL,
    "library": ("bibliothek",), "square": ("platz",), "street": ("strasse",),
    "playground": ("spielplatz", "spielort", "spielbereich"), "church": ("kirch",),
    "youth": ("jugend",), "garden": ("garten",), "park": ("park", "grun", "walchen"),
}
FUZZY_CUTOFF = 0.75  # difflib ratio: 'alee'/'allee' 0.89, 'jakob'/'jacob' 0.8


def fold(text: str | None) -> str:
    """Return text folded for German matching: normalised, no diacritics, casefolded, words only."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"str\.", "strasse ", text)
    text = text.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return " ".join(_NON_WORD.sub(" ", text).split())


@dataclass(frozen=True)
class Place:
    """One searchable thing: its kind, name, where it is (geometry or bbox only) and its source."""

    kind: str
    name: str
    id: str
    geometry: dict | None
    bbox: tuple[float, float, float, float]
    source: str
    licence: str
    extra: dict = field(default_factory=dict)
    folded: str = ""
    folded_name: str = ""

    def document(self) -> dict:
        out = {"kind": self.kind, "id": self.id, "name": self.name, "bbox": list(self.bbox),
               "geometry": self.geometry}
        if self.kind != "street":
            # a point for the marker and the inside check; a street gets none (no made-up house)
            geom = shapely.geometry.shape(self.geometry)
            rep = geom if geom.geom_type == "Point" else geom.centroid
            out["point"] = [round(rep.x, 7), round(rep.y, 7)]
        out.update(self.extra)
        out["source"] = self.source
        out["licence"] = self.licence
        return out


@lru_cache(maxsize=4)
def _read_places(path: str, mtime: float) -> tuple[dict, ...]:
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list) or not all(
            isinstance(f, dict) and isinstance(f.get("properties"), dict) for f in features):
        raise ValueError("not a FeatureCollection of features with properties")
    return tuple(features), str(doc.get("attribution", ""))


def read_places(data_dir: str | Path) -> tuple[list[dict], str]:
    """Return (features, attribution) of DATA_DIR/context/places.geojson; empty when missing.

    The file is read while serving: one that vanishes, is half written or is no FeatureCollection
    makes the search answer without places (logged once per state of the file), never an error.
    """
    path = Path(data_dir) / PLACES_FILE
    try:
        features, attribution = _read_places(str(path), path.stat().st_mtime)
    except FileNotFoundError:
        return [], ""
    except (OSError, ValueError) as exc:
        _warn_once(str(path), str(exc))
        return [], ""
    return list(features), attribution


@lru_cache(maxsize=16)
def _warn_once(path: str, problem: str) -> None:
    log.warning("%s: cannot be read (%s); the place search answers without its places", path,
                problem)


def _bbox(geometry: dict | None, fallback) -> tuple[float, float, float, float]:
    if geometry is None:
        return tuple(round(v, 7) for v in fallback)
    return tuple(round(v, 7) for v in shapely.geometry.shape(geometry).bounds)


def _slug(text: str) -> str:
    return "-".join(fold(text).split())[:80]


@dataclass(frozen=True)
class PlaceIndex:
    """All places of one data snapshot, folded once."""

    places: tuple[Place, ...]
    attribution: str
    vocabulary: tuple[str, ...] = ()  # every folded word of the index, for the typo fallback

    def search(self, query: str, limit: int, kinds: tuple[str, ...] = KINDS) -> list[Place]:
        """Return up to `limit` places whose folded text holds every folded query word.

        Numbers must match whole words (house number '3' does not find '33'); a word of
        SYNONYMS also matches its stems. Ranking: the whole query as the name, then as the
        name's start, then a word start, then anywhere; streets before addresses, stops, places
        and projects; then by name. Nothing found: once more with misspelt words corrected.
        """
        q = fold(query)
        words = q.split()
        if not words:
            return []
        found = self._match(q, [(w, *SYNONYMS.get(w, ())) for w in words], kinds, limit)
        if found:
            return found
        corrected = [self._closest(w) for w in words]
        if all(c == (w,) for c, w in zip(corrected, words, strict=True)):
            return []
        return self._match(" ".join(c[0] for c in corrected), corrected, kinds, limit)

    def _closest(self, word: str) -> tuple[str, ...]:
        """Return the word (known, a number or short) or the closest words of the index."""
        if word.isdigit() or len(word) < 4 or word in SYNONYMS or \
                any(word in token for token in self.vocabulary):
            return (word,)
        return tuple(difflib.get_close_matches(word, self.vocabulary, n=3, cutoff=FUZZY_CUTOFF)) \
            or (word,)

    def _match(self, q: str, words: list[tuple[str, ...]], kinds, limit: int) -> list[Place]:
        first = words[0]
        hits = []
        for place in self.places:
            if place.kind not in kinds:
                continue
            tokens = place.folded.split()
            ok = True
            for choices in words:
                if choices[0].isdigit():
                    if choices[0] not in tokens:
                        ok = False
                        break
                elif not any(c in place.folded for c in choices):
                    ok = False
                    break
            if not ok:
                continue
            name = place.folded_name
            if name == q:
                rank = 0
            elif name.startswith(q):
                rank = 1
            elif any(t.startswith(c) for t in name.split() for c in first):
                rank = 2
            else:
                rank = 3
            hits.append((rank, _KIND_RANK[place.kind], name, place.id, place))
        hits.sort(key=lambda h: h[:4])
        return [h[-1] for h in hits[:limit]]


def _square(f: dict) -> dict | None:
    """Return a square's one point (the middle of its mapped ways) when f is a '…platz' street."""
    words = fold((f.get("properties") or {}).get("name")).split()
    if not words or words[-1] != "platz" or not f.get("geometry"):
        return None
    middle = shapely.geometry.shape(f["geometry"]).convex_hull.centroid
    return {"type": "Point", "coordinates": [round(middle.x, 7), round(middle.y, 7)]}


def build_index(features: list[dict], attribution: str, projects: gpd.GeoDataFrame,
                project_url) -> PlaceIndex:
    """Build the index from the places file's features and the dataset's projects."""
    places = []
    seen: dict[str, int] = {}
    for f in features:
        p = f.get("properties") or {}
        kind = p.get("kind")
        if kind not in KINDS or not p.get("name"):
            continue
        point = _square(f) if kind == "street" else None
        if point:  # a square is a place people stand on: one point, the inside check answers
            kind = "place"
        base = f"{kind}:{_slug(p['name'])}"
        seen[base] = seen.get(base, 0) + 1
        pid = base if seen[base] == 1 else f"{base}-{seen[base]}"
        extra = {k: v for k, v in p.items()
                 if k in ("note", "address", "street", "lines", "line", "stadtteil") and v not in (None, [])}
        if kind == "street":
            extra["line"] = bool(p.get("line")) and f.get("geometry") is not None
        if point:
            extra.pop("line", None)
        hay = " ".join(str(p.get(k) or "") for k in ("name", "address", "street"))
        places.append(Place(kind=kind, name=p["name"], id=pid, geometry=point or f.get("geometry"),
                            bbox=_bbox(f.get("geometry"), f.get("bbox") or (0, 0, 0, 0)),
                            source=str(p.get("source") or ""), licence=str(p.get("licence") or ""),
                            extra=extra, folded=fold(hay), folded_name=fold(p["name"])))
    for fid, row in projects.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        geometry = shapely.geometry.mapping(geom)
        geometry = json.loads(json.dumps(geometry))
        extra = {"address": row.get("address") or None, "url": project_url(str(fid))}
        extra = {k: v for k, v in extra.items() if v}
        hay = " ".join(str(row.get(k) or "") for k in ("title", "address", "category"))
        places.append(Place(kind="project", name=str(row["title"]), id=f"project:{fid}",
                            geometry=geometry, bbox=_bbox(geometry, None),
                            source=str(row.get("source") or ""), licence="",
                            extra=extra, folded=fold(hay), folded_name=fold(row["title"])))
    vocabulary = sorted({word for place in places for word in place.folded.split() if not word.isdigit()})
    return PlaceIndex(tuple(places), attribution, tuple(vocabulary))


# --------------------------------------------------------------------------- inside over time

def honest_distance(distance_m: float, accuracy: str) -> dict:
    """Round a distance to what the boundary's accuracy supports.

    Reconstructed lines (described in text, drawn from districts and streets) are good to tens of
    metres: round to 10 m and flag anything under NEAR_M as 'at the boundary'.
    """
    step = OFFICIAL_STEP_M if accuracy == "official" else RECONSTRUCTED_STEP_M
    rounded = int(round(distance_m / step) * step)
    return {"distance_m": rounded, "distance_precision_m": step,
            "near_boundary": accuracy != "official" and distance_m < NEAR_M}


@dataclass(frozen=True)
class Span:
    """A stretch of time during which the point lay inside some funding area, without a gap."""

    start: date | None
    end: date | None  # exclusive; None = still inside
    version_ids: tuple[str, ...]


def _lineage(areas: gpd.GeoDataFrame) -> dict[str, set[str]]:
    """Return area_id -> the area_ids it came from (in force the day before its first version)."""
    parents: dict[str, set[str]] = {}
    for area_id in dict.fromkeys(areas.sort_values("valid_from")["area_id"]):
        first = require_area(areas, area_id).iloc[0]["valid_from"]
        if first is None:
            parents[area_id] = set()
            continue
        before = versions_on(areas, date.fromordinal(first.toordinal() - 1))
        parents[area_id] = {a for a in before["area_id"] if a != area_id}
    return parents


def _ancestors(parents: dict[str, set[str]], area_id: str) -> set[str]:
    out, todo = set(), [area_id]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in out:
                out.add(parent)
                todo.append(parent)
    return out


def relation(areas: gpd.GeoDataFrame, page_area: str, other: str) -> str:
    """Return how `other` relates to `page_area`: same, predecessor, successor or other."""
    if other == page_area:
        return "same"
    parents = _lineage(areas)
    if other in _ancestors(parents, page_area):
        return "predecessor"
    if page_area in _ancestors(parents, other):
        return "successor"
    return "other"


def inside_spans(areas: gpd.GeoDataFrame, point_metric: Geometry) -> list[Span]:
    """Return the time spans in which the point was inside any version, merged across versions."""
    rows = areas.sort_values(["valid_from", "area_id"], kind="stable")
    stretches = []
    for _, row in rows.iterrows():
        if row["metric"].covers(point_metric):
            stretches.append((row["_t0"], row["_t1"], row["id"], row["valid_from"], row["valid_to"]))
    stretches.sort()
    spans: list[list] = []
    for t0, t1, vid, start, end in stretches:
        if spans and t0 <= spans[-1][1]:
            if t1 > spans[-1][1]:
                spans[-1][1], spans[-1][3] = t1, end
            spans[-1][4].append(vid)
        else:
            spans.append([t0, t1, start, end, [vid]])
    return [Span(s[2], s[3], tuple(s[4])) for s in spans]


@dataclass(frozen=True)
class Answer:
    """The inside answer for one version in force on the asked day."""

    version: dict
    inside: bool
    distance: dict
    relation: str


@dataclass(frozen=True)
class InsideReport:
    day: date
    answers: list[Answer]
    spans: list[Span]
    current: Span | None  # the span that holds `day`
    previous: Span | None  # the last span ending on or before `day`
    following: Span | None  # the next span starting after `day`


def inside_report(areas: gpd.GeoDataFrame, point_lonlat: Geometry, day: date,
                  page_area: str | None = None) -> InsideReport:
    """Answer 'was this site inside on `day`?' over all areas and versions, with spans."""
    point = crs.lonlat_to_metric(point_lonlat)
    parents = _lineage(areas) if page_area else {}
    answers = []
    for _, row in versions_on(areas, day).iterrows():
        shape = row["metric"]
        if page_area is None:
            rel = "other"
        elif row["area_id"] == page_area:
            rel = "same"
        elif row["area_id"] in _ancestors(parents, page_area):
            rel = "predecessor"
        elif page_area in _ancestors(parents, row["area_id"]):
            rel = "successor"
        else:
            rel = "other"
        version = {k: row[k] for k in ("id", "area_id", "name", "programme", "valid_from",
                                       "valid_to", "accuracy", "decision")}
        answers.append(Answer(version, bool(shape.covers(point)),
                              honest_distance(float(shape.boundary.distance(point)),
                                              str(row["accuracy"])), rel))
    answers.sort(key=lambda a: (not a.inside, a.relation == "other", a.distance["distance_m"]))
    spans = inside_spans(areas, point)
    ordinal = day.toordinal()
    current = previous = following = None
    for span in spans:
        start = span.start.toordinal() if span.start else -10**9
        end = span.end.toordinal() if span.end else 10**9
        if start <= ordinal < end:
            current = span
        elif end <= ordinal:
            previous = span
        elif start > ordinal and following is None:
            following = span
    return InsideReport(day, answers, spans, current, previous, following)
