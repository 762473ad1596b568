"""What each collection holds, and the validation rules shared by start-up and import."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoservice.domain import crs
from geoservice.domain.licences import CC_BY_SA, DL_DE_BY, ODBL, Licence
from geoservice.domain.spec import (  # the spec's form; here its collections and rules
    AREA_AT_LOCATION,
    DAYS,
    HECTARES,
    YEARS,
    CollectionSpec,
    Reference,
)
from geoservice.errors import NotFound

# Dresden's extent in lon/lat (generous by ~1 km); data outside it is certainly wrong.
DRESDEN_BOUNDS = (13.57, 50.97, 13.97, 51.18)
AREA_TOLERANCE = 0.01  # stored area_ha may differ from the geometry's area by 1 %


FUNDING_AREAS = CollectionSpec(
    name="funding-areas",
    filename="funding_areas.geojson",
    title="Fördergebiete Prohlis / Am Koitschgraben",
    description=(  # German like every text of the data; English in api/strings.py
        "Fördergebiete der Städtebauförderung (Soziale Stadt, seit Oktober 2020 Sozialer "
        "Zusammenhalt) in Dresden-Prohlis und Am Koitschgraben, ein Objekt je Grenzstand mit "
        "seiner Gültigkeit [valid_from, valid_to). Die Grenzen sind schematische Rekonstruktionen, "
        "nicht die rechtsverbindliche Grenze (siehe accuracy und method)."
    ),
    # stored and published as MultiPolygon only; an import or edit may send a Polygon, which
    # promote() turns into a MultiPolygon of one part before validation
    geometry_types=frozenset({"MultiPolygon"}),
    fields=("id", "area_id", "name", "programme", "valid_from", "valid_to", "area_ha",
            "published_area_ha", "decision", "accuracy", "method", "source", "note"),
    required=("id", "area_id", "name", "programme", "valid_from", "area_ha", "decision",
              "accuracy", "source"),
    enums={
        "programme": frozenset({"Soziale Stadt", "Sozialer Zusammenhalt"}),
        "accuracy": frozenset({"official", "reconstructed"}),
    },
    time_fields=("valid_from", "valid_to"),
    types={"id": "string", "area_id": "string", "name": "string", "programme": "string",
           "valid_from": "date", "valid_to": "date", "area_ha": "number",
           "published_area_ha": "number", "decision": "string", "accuracy": "string",
           "method": "string", "source": "string", "note": "string"},
    units={"area_ha": "har", "published_area_ha": "har"},
    keywords=("Soziale Stadt", "Sozialer Zusammenhalt", "Fördergebiet", "Dresden", "Prohlis"),
    time_model=DAYS,
    feature_type="FundingAreaVersion",
    write_roles=("admin",),
    # election-district polygons of the city, cut along OSM street lines (geodata/README.md)
    licences=(ODBL, DL_DE_BY),
    attribution=(
        "Fördergebiete Prohlis / Am Koitschgraben, schematisch rekonstruiert (keine amtliche "
        "Grenze). Grundlage: Wahlbezirke © Landeshauptstadt Dresden (dl-de/by-2-0, angenommen); "
        "Schnittlinien © OpenStreetMap-Mitwirkende (ODbL 1.0). Methode und Quellen: "
        "geodata/README.md."),
    versioned=True,
    derived={"area_ha": HECTARES},
)

PROJECTS = CollectionSpec(
    name="projects",
    filename="projects.geojson",
    title="Projekte im Fördergebiet",
    description=(
        "Projekte des Förderprogramms und verwandter Förderungen in Prohlis und Am Koitschgraben "
        "seit 2000, mit Jahren, Status, Förderung laut den Quellen und der Angabe, wie jeder "
        "Standort bestimmt wurde (location_accuracy, location_method)."
    ),
    geometry_types=frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                              "MultiPolygon"}),
    fields=("id", "title", "description", "category", "start_year", "end_year", "status",
            "status_note", "address", "funding", "area_id", "location_accuracy", "location_method",
            "source"),
    required=("id", "title", "description", "category", "status", "address", "location_accuracy",
              "source"),
    enums={
        "status": frozenset({"geplant", "laufend", "abgeschlossen"}),
        "location_accuracy": frozenset({"address", "street", "approximate"}),
    },
    time_fields=("start_year", "end_year"),
    types={"id": "string", "title": "string", "description": "string", "category": "string",
           "start_year": "integer", "end_year": "integer", "status": "string",
           "status_note": "string", "address": "string", "funding": "string",
           "area_id": "string", "location_accuracy": "string", "location_method": "string",
           "source": "string"},
    keywords=("Projekte", "Quartiersmanagement", "Dresden", "Prohlis"),
    time_model=YEARS,
    feature_type="Project",
    write_roles=("editor", "admin"),
    # points on OSM street lines (addresses re-based on them) and OSM stops, and two Wikipedia
    # coordinates (geodata/README.md); nothing from a source without a licence
    licences=(ODBL, CC_BY_SA),
    attribution=(
        "Projekte im Fördergebiet Prohlis / Am Koitschgraben, Standorte genähert. Standorte "
        "teils © OpenStreetMap-Mitwirkende (ODbL 1.0), teils Wikipedia (CC BY-SA 3.0). "
        "Quellen je Objekt im Feld source; Methode: geodata/README.md."),
    map_item_page=True,
    derived={"area_id": AREA_AT_LOCATION},
    references=(Reference("area_id", "funding-areas", "area_id", "funding area"),),
)

# the registered collections in published order; register() adds one (docs/ARCHITECTURE.md)
COLLECTIONS: dict[str, CollectionSpec] = {}


def register(spec: CollectionSpec) -> CollectionSpec:
    """Publish a collection: from now on it is seeded, loaded, served and documented."""
    if set(spec.types) != set(spec.fields):
        raise ValueError(f"{spec.name}: types must name every field")
    COLLECTIONS[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Withdraw a registered collection (tests)."""
    COLLECTIONS.pop(name, None)


register(FUNDING_AREAS)
register(PROJECTS)


def licences_of(spec: CollectionSpec | None) -> tuple[Licence, ...]:
    """Return the licences of one collection, or of the whole service (None), in the order the
    collections name them."""
    if spec is not None:
        return spec.licences
    return tuple(dict.fromkeys(lic for spec in COLLECTIONS.values() for lic in spec.licences))


def parse_time(spec: CollectionSpec, value) -> date | int | None:
    """Return a value of one of the collection's `time_fields` as its time model reads it."""
    return as_year(value) if spec.time_model == YEARS else as_date(value)


def promote(gdf: gpd.GeoDataFrame, spec: CollectionSpec) -> gpd.GeoDataFrame:
    """Return gdf with each Polygon made a MultiPolygon where the collection stores only those.

    The coordinates stay exactly as given; other geometry types are left to validate()."""
    if "MultiPolygon" not in spec.geometry_types or "Polygon" in spec.geometry_types or not len(gdf):
        return gdf
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    polygons = shapely.get_type_id(geoms) == 3
    if not polygons.any():
        return gdf
    geoms = geoms.copy()
    geoms[polygons] = [shapely.MultiPolygon([g]) for g in geoms[polygons]]
    out = gdf.copy()
    out[gdf.geometry.name] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
    return out


def spec_of(collection_id: str) -> CollectionSpec:
    """Return a collection's spec or raise NotFound naming it."""
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        raise NotFound(f"collection '{collection_id}' does not exist; collections: "
                       f"{', '.join(COLLECTIONS)}") from None


def _label(gdf: gpd.GeoDataFrame, pos: int) -> str:
    """Name a feature by its 1-based number and id for error messages."""
    fid = gdf["id"].iloc[pos] if "id" in gdf.columns else None
    return f"feature {pos + 1}" + (f" (id '{fid}')" if isinstance(fid, str) and fid else "")


def _is_blank(value) -> bool:
    if isinstance(value, str):
        return not value.strip()
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like values are not blank
        return False


def as_date(value) -> date | None:
    """Return value as a date (accepts date, datetime, ISO string) or None when blank."""
    if _is_blank(value):
        return None
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10].replace("/", "-"))


def as_year(value) -> int | None:
    """Return value as an int year or None when blank; raise ValueError otherwise."""
    if _is_blank(value):
        return None
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    year = int(value)
    if not 1000 <= year <= 2200:
        raise ValueError(value)
    return year


def _labels(gdf: gpd.GeoDataFrame):
    """Return a function pos -> label that reads the id column once (not once per row)."""
    ids = gdf["id"].to_numpy(dtype=object) if "id" in gdf.columns else None

    def label(pos: int) -> str:
        fid = ids[pos] if ids is not None else None
        return f"feature {pos + 1}" + (f" (id '{fid}')" if isinstance(fid, str) and fid else "")

    return label


def _blank_mask(values: np.ndarray) -> np.ndarray:
    """_is_blank over an object array: a string is blank when it is empty or all whitespace
    (what strip() removes), without making the stripped copies (numpy's char.strip first made
    a fixed-width array as wide as the longest text: 1 of a 100,000-project start's 4 seconds)."""
    blank = np.fromiter((isinstance(v, str) and (not v or v.isspace()) for v in values),
                        dtype=bool, count=len(values))
    return blank | pd.isna(pd.Series(values, dtype=object)).to_numpy()


def _check_geometry(gdf: gpd.GeoDataFrame, spec: CollectionSpec) -> Iterable[str]:
    west, south, east, north = DRESDEN_BOUNDS
    label = _labels(gdf)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                      "MultiLineString", "MultiPolygon", "GeometryCollection"], dtype=object)
    type_names = np.where(types >= 0, names[np.clip(types, 0, 7)], None)
    allowed = np.isin(type_names, list(spec.geometry_types))
    valid = shapely.is_valid(geoms)
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        outside = ((bounds[:, 0] < west) | (bounds[:, 2] > east) | (bounds[:, 1] < south)
                   | (bounds[:, 3] > north))
    bad = missing | ~allowed | ~valid | outside
    for pos in np.flatnonzero(bad):
        geom = geoms[pos]
        if missing[pos]:
            yield f"{label(pos)}: geometry is missing or empty"
        elif not allowed[pos]:
            yield (f"{label(pos)}: geometry type {geom.geom_type} is not allowed in {spec.name} "
                   f"(allowed: {', '.join(sorted(spec.geometry_types))})")
        elif not valid[pos]:
            yield f"{label(pos)}: invalid geometry ({shapely.is_valid_reason(geom)})"
        else:
            minx, miny, maxx, maxy = bounds[pos]
            yield (f"{label(pos)}: geometry lies outside Dresden (bounds {minx:.4f},{miny:.4f},"
                   f"{maxx:.4f},{maxy:.4f}); wrong CRS or axis order? Pass --crs")


def _check_fields(gdf: gpd.GeoDataFrame, spec: CollectionSpec) -> Iterable[str]:
    missing = [name for name in spec.required if name not in gdf.columns]
    if missing:
        yield f"missing field(s) {', '.join(missing)} (required: {', '.join(spec.required)})"
    label = _labels(gdf)
    blank = {name: _blank_mask(gdf[name].to_numpy(dtype=object))
             for name in spec.required if name in gdf.columns}
    wrong = {}
    for name, allowed in spec.enums.items():
        if name in gdf.columns:
            values = gdf[name].to_numpy(dtype=object)
            wrong[name] = (values, ~_blank_mask(values) & ~np.isin(values, list(allowed)))
    bad = np.zeros(len(gdf), dtype=bool)
    for mask in blank.values():
        bad |= mask
    for _values, mask in wrong.values():
        bad |= mask
    for pos in np.flatnonzero(bad):
        for name, mask in blank.items():
            if mask[pos]:
                yield f"{label(pos)}: required field '{name}' is empty"
        for name, (values, mask) in wrong.items():
            if mask[pos]:
                yield (f"{label(pos)}: {name} '{values[pos]}' is not one of "
                       f"{', '.join(sorted(spec.enums[name]))}")
    if "id" in gdf.columns:
        seen: dict[str, int] = {}
        for pos, fid in enumerate(gdf["id"].to_numpy(dtype=object)):
            if isinstance(fid, str) and fid in seen:
                yield f"feature {pos + 1}: id '{fid}' repeats feature {seen[fid] + 1}"
            elif isinstance(fid, str):
                seen[fid] = pos
            elif not _is_blank(fid):
                yield f"feature {pos + 1}: id {fid!r} is not a string"


def _check_area_versions(gdf: gpd.GeoDataFrame) -> Iterable[str]:
    ranges: dict[str, list[tuple[date, date | None, str]]] = {}
    for pos in range(len(gdf)):
        row = gdf.iloc[pos]
        label = _label(gdf, pos)
        try:
            start = as_date(row.get("valid_from"))
            end = as_date(row.get("valid_to"))
        except ValueError as exc:
            yield f"{label}: valid_from/valid_to is not an ISO date ({exc})"
            continue
        if start is None:
            continue  # reported as a missing required field
        if end is not None and not start < end:
            yield f"{label}: valid_from {start} is not before valid_to {end}"
            continue
        ranges.setdefault(str(row.get("area_id")), []).append((start, end, label))
        area = row.get("area_ha")
        geom = gdf.geometry.iloc[pos]
        if geom is not None and geom.is_valid and not _is_blank(area):
            try:
                stored = float(area)
            except (TypeError, ValueError):
                yield f"{label}: area_ha '{area}' is not a number"
                continue
            actual = crs.lonlat_to_metric(geom).area / 10_000
            if abs(stored - actual) > AREA_TOLERANCE * actual:
                yield (f"{label}: area_ha {stored} differs from the geometry's area "
                       f"{actual:.2f} ha (EPSG:25833) by more than 1 %")
    for area_id, items in ranges.items():
        items.sort(key=lambda item: item[0])
        for (s1, e1, l1), (s2, _e2, l2) in zip(items, items[1:], strict=False):
            if e1 is None or s2 < e1:
                yield (f"{l2}: validity of area '{area_id}' from {s2} overlaps {l1} "
                       f"(valid {s1} to {e1 or 'open end'})")


def _check_version_ids(gdf: gpd.GeoDataFrame) -> Iterable[str]:
    """A version id must not equal an area_id: /items/{area_id} addresses the area itself."""
    if "id" not in gdf.columns or "area_id" not in gdf.columns:
        return
    area_ids = {v for v in gdf["area_id"].to_numpy(dtype=object) if isinstance(v, str)}
    label = _labels(gdf)
    for pos, fid in enumerate(gdf["id"].to_numpy(dtype=object)):
        if isinstance(fid, str) and fid in area_ids:
            yield (f"{label(pos)}: version id '{fid}' equals an area_id; version ids must differ "
                   f"from area ids (…/items/{{area_id}} answers the area's version in force), "
                   f"e.g. '{fid}-{{year}}'")


def _check_project_years(gdf: gpd.GeoDataFrame) -> Iterable[str]:
    label = _labels(gdf)
    starts = gdf["start_year"].to_numpy(dtype=object) if "start_year" in gdf.columns else None
    ends = gdf["end_year"].to_numpy(dtype=object) if "end_year" in gdf.columns else None
    for pos in range(len(gdf)):
        try:
            start = as_year(starts[pos] if starts is not None else None)
            end = as_year(ends[pos] if ends is not None else None)
        except (TypeError, ValueError) as exc:
            yield f"{label(pos)}: start_year/end_year must be whole years, got {exc}"
            continue
        if start is not None and end is not None and start > end:
            yield f"{label(pos)}: start_year {start} is after end_year {end}"


def validate(gdf: gpd.GeoDataFrame, spec: CollectionSpec) -> list[str]:
    """Return every problem of a collection's GeoDataFrame (CRS84); empty when valid."""
    if len(gdf) == 0:
        return [f"{spec.name}: the file has no features"]
    problems = list(_check_geometry(gdf, spec)) + list(_check_fields(gdf, spec))
    if spec.versioned:
        problems += _check_area_versions(gdf)
        problems += _check_version_ids(gdf)
    if spec.time_model == YEARS:
        problems += _check_project_years(gdf)
    return problems


def check_references(gdf: gpd.GeoDataFrame, spec: CollectionSpec,
                     frames: dict[str, gpd.GeoDataFrame]) -> list[str]:
    """Return problems where a feature names a value its spec's `references` do not find."""
    problems = []
    for ref in spec.references:
        if ref.field not in gdf.columns or ref.collection not in frames:
            continue
        known = set(frames[ref.collection][ref.key])
        problems += [
            f"{_label(gdf, pos)}: {ref.field} '{value}' is not a {ref.what} ({', '.join(sorted(known))})"
            for pos, value in enumerate(gdf[ref.field])
            if not _is_blank(value) and value not in known]
    return problems
