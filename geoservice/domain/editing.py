"""One feature written through the API or the editor: parse, merge, derive and check it.

The rules are the import's (schema.validate), applied to the one feature; the rules that need
the whole stored collection (unique ids, no overlapping validity of an area's versions) are
enforced by the store inside its transaction, so two writers can never break them together.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import shapely
from shapely.geometry import shape

from geoservice.domain import crs, derived
from geoservice.domain.schema import CollectionSpec, promote, validate
from geoservice.errors import InvalidParameter, TooLarge

if TYPE_CHECKING:
    from geoservice.domain.dataset import Dataset

FID = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
MAX_NOTE = 2000


class InvalidFeature(InvalidParameter):
    """A written feature breaks one or more rules; every problem is listed."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("the feature was not written: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Draft:
    """A feature as a client sent it, in CRS84: id, properties and geometry."""

    fid: str
    properties: dict
    geometry: shapely.Geometry | None


def change_note(value: str | None) -> str:
    """Return a valid change note or raise: every change says why it was made."""
    note = (value or "").strip()
    if not note:
        raise InvalidParameter("a change note is required (header X-Change-Note or member 'note')")
    if len(note) > MAX_NOTE:
        raise InvalidParameter(f"the change note has {len(note)} characters; at most {MAX_NOTE}")
    return note


def merge_patch(target, patch):
    """Apply a JSON merge patch (RFC 7386) and return the result (the target is not changed)."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def slug(text: str) -> str:
    """Return an id from a title: ASCII, lower case, words joined by '-'."""
    text = text.replace("ß", "ss")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:80].strip("-") or "projekt"


def new_id(title: str, taken) -> str:
    """Return a fresh id made from the title that `taken` (anything `in` works on: current and
    retired ids) does not hold: the slug, else the slug with -2, -3, … appended."""
    base = slug(title)
    fid, n = base, 2
    while fid in taken:
        fid, n = f"{base}-{n}", n + 1
    return fid


def read_geometry(value, content_crs: str, max_vertices: int | None = None) -> shapely.Geometry | None:
    """Return a GeoJSON geometry given in `content_crs` (its axis order) as CRS84, or raise
    (TooLarge with more than `max_vertices` vertices)."""
    if value is None:
        return None
    try:
        geom = shape(value)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError, RecursionError,
            shapely.errors.ShapelyError) as exc:
        raise InvalidFeature([f"geometry is not a GeoJSON geometry ({exc})"]) from None
    vertices = shapely.get_num_coordinates(geom)
    if max_vertices is not None and vertices > max_vertices:
        raise TooLarge(f"geometry: {vertices} vertices; at most {max_vertices} are accepted "
                       "(setting MAX_GEOMETRY_VERTICES)")
    try:
        return crs.transform_geometry(geom, content_crs, crs.CRS84)
    except Exception as exc:  # pyproj raises ProjError outside the CRS's area of use
        raise InvalidFeature([f"geometry cannot be transformed from {content_crs} ({exc})"]) from None


def read_feature(body, content_crs: str,
                 max_vertices: int | None = None) -> tuple[dict, shapely.Geometry | None, str | None]:
    """Return (properties, CRS84 geometry, id) of a GeoJSON Feature body, or raise naming the problem."""
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise InvalidFeature(["the body must be a GeoJSON Feature ({\"type\": \"Feature\", ...})"])
    properties = body.get("properties") or {}
    if not isinstance(properties, dict):
        raise InvalidFeature(["'properties' must be a JSON object"])
    fid = body.get("id", properties.get("id"))
    return dict(properties), read_geometry(body.get("geometry"), content_crs, max_vertices), (
        str(fid) if fid is not None else None)


def check(spec: CollectionSpec, data: Dataset, draft: Draft) -> gpd.GeoDataFrame:
    """Derive computed fields and check one feature by the import's rules.

    Returns the feature as a one-row CRS84 GeoDataFrame ready for the store, or raises
    InvalidFeature listing every problem.
    """
    problems = []
    unknown = sorted(set(draft.properties) - set(spec.fields))
    if unknown:
        problems.append(f"unknown propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                        f"known: {', '.join(spec.fields)}")
    if not FID.match(draft.fid):
        problems.append(f"id '{draft.fid}' must be lower-case letters, digits and '-' (at most 120)")
    # text is stored in Unicode NFC, the form every comparison and filter uses (domain/cql.py),
    # so "Grün" typed as u + combining diaeresis is the same word in the store and in SQL
    properties = {name: unicodedata.normalize("NFC", value) if isinstance(value, str) else value
                  for name, value in ((n, draft.properties.get(n)) for n in spec.fields)}
    properties["id"] = draft.fid
    geom = draft.geometry
    derived.derive_one(spec, data, properties, geom)  # computed fields (spec.derived)
    if spec.versioned and draft.fid in set(data.collection(spec.name)["area_id"]):
        problems.append(f"id '{draft.fid}' equals an area_id; a version id must differ from every area_id")
    # a funding area sent as Polygon is stored as a MultiPolygon of one part
    frame = promote(gpd.GeoDataFrame([properties], geometry=[geom], crs="OGC:CRS84"), spec)
    problems += [p.replace("feature 1 ", "", 1) if p.startswith("feature 1 ") else p
                 for p in validate(frame, spec)]
    if problems:
        raise InvalidFeature(problems)
    return frame
