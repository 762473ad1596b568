"""Which sources may be published, and the OSM re-basing of points from sources without a licence.

A coordinate whose only source states no data licence (the Afeefa / dresdenfueralle.de dumps,
the Saebig library map; see sources/SOURCE.md) is never published as such. Decision per record
(geodata/README.md, "Licensed sources only"): an address or project point is re-based on the
OpenStreetMap street line of its street (ODbL) - the published point is the OSM vertex of that
street nearest to the unlicensed geocode, so the published coordinate is OSM data and says only
"on this street, about here"; a record whose street is not in the OSM extract, and the named
places that only repeat such an address, are not published.
"""

from __future__ import annotations

import re

from shapely.geometry import MultiPoint, Point

UNLICENSED = ("afeefa", "saebig", "dresdenfueralle")
_HOUSE = re.compile(r"^(?P<street>.+?)\s+\d+[a-zA-Z]?\b")


def unlicensed(source: str) -> bool:
    """True when a source states no data licence (its coordinates may not be published)."""
    return any(marker in source.lower() for marker in UNLICENSED)


def street_of(address: str) -> str | None:
    """Return the street of 'Karl-Laux-Straße 5, 01219 Dresden' ('Str.' written out)."""
    match = _HOUSE.match(address.split(",")[0].strip())
    if not match:
        return None
    return re.sub(r"[Ss]tr\.$", lambda m: m.group(0)[0] + "traße", match.group("street"))


def on_osm_street(point: Point, street_lines) -> Point:
    """The vertex of the OSM street geometry nearest to `point` (same CRS as the inputs)."""
    vertices = MultiPoint([c for line in getattr(street_lines, "geoms", [street_lines])
                           for c in line.coords])
    return min(vertices.geoms, key=lambda v: (round(v.distance(point), 6), v.x, v.y))
