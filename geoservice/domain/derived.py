"""Derived fields: values the service computes instead of taking them from a client or a file.

A collection declares them in its spec (`CollectionSpec.derived`: field -> rule name); the
editing check (one feature), the import (a whole file), the API's PATCH (which values a moved
geometry makes stale) and the OpenAPI text all read the rules here, never a collection's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import shapely

from geoservice.domain import areas as area_domain
from geoservice.domain import crs
from geoservice.domain.schema import AREA_AT_LOCATION, FUNDING_AREAS, HECTARES, CollectionSpec

if TYPE_CHECKING:
    from geoservice.domain.dataset import Dataset


def _hectares(geom: shapely.Geometry, data: Dataset):
    return round(crs.lonlat_to_metric(geom).area / 10_000, 2)


def _area_at_location(geom: shapely.Geometry, data: Dataset):
    areas = data.memo(("derived", FUNDING_AREAS.name, "newest first"),
                      lambda: area_domain.newest_first(data.funding_areas))
    return area_domain.derive_area_id(areas, geom, ordered=True)


@dataclass(frozen=True)
class Rule:
    """How one derived field is computed from a (valid, CRS84) geometry."""

    compute: Callable[[shapely.Geometry, Dataset], object]
    always: bool  # True: a value sent is ignored; False: computed only when empty
    text: str  # the OpenAPI sentence ({field} is the field's name)


RULES = {
    AREA_AT_LOCATION: Rule(_area_at_location, True,
                           "{field} is derived from the location (a value sent is ignored)"),
    HECTARES: Rule(_hectares, False, "{field} is computed from the geometry when empty"),
}


def rules(spec: CollectionSpec) -> list[tuple[str, Rule]]:
    """Return (field, rule) of each derived field of a collection."""
    return [(name, RULES[rule]) for name, rule in spec.derived.items()]


def stale_on_move(spec: CollectionSpec) -> list[str]:
    """Return the derived fields a new geometry makes stale unless the client sends them."""
    return [name for name, rule in rules(spec) if not rule.always]


def derive_one(spec: CollectionSpec, data: Dataset, properties: dict, geom) -> None:
    """Set the derived fields of one feature's properties (in place)."""
    usable = geom is not None and geom.is_valid and not geom.is_empty
    for name, rule in rules(spec):
        if rule.always:
            properties[name] = rule.compute(geom, data) if usable else None
        elif properties.get(name) in (None, "") and geom is not None and geom.is_valid:
            properties[name] = rule.compute(geom, data)


def derive_frame(gdf: gpd.GeoDataFrame, spec: CollectionSpec, data: Dataset,
                 notes: list[str]) -> gpd.GeoDataFrame:
    """Set the derived fields of a whole file the way the bundled data has them; notes say so."""
    if not len(gdf):
        return gdf
    for name, rule in rules(spec):
        if rule.always:
            if not (gdf.geometry.notna().all() and gdf.geometry.is_valid.all()):
                continue
            derived = [rule.compute(g, data) for g in gdf.geometry]
            old = gdf.get(name, [None] * len(gdf))
            changed = sum(1 for a, b in zip(old, derived, strict=True) if a != b)
            gdf[name] = derived
            if changed:
                notes.append(f"{name} derived spatially; {changed} feature(s) differ from the file")
        elif name not in gdf.columns or gdf[name].isna().all():
            gdf[name] = [rule.compute(g, data) if g is not None else None for g in gdf.geometry]
            notes.append(f"{name} computed from the geometries in EPSG:25833")
    return gdf


def openapi_text(spec: CollectionSpec) -> str:
    """Return what the write operations say about derived fields and versions ('' for none)."""
    sentences = [rule.text.format(field=name) for name, rule in rules(spec)]
    if spec.versioned:
        sentences.append("two versions of one area may not be in force on the same day (409)")
    return (" " + "; ".join(sentences) + ".") if sentences else ""
