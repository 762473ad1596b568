"""Writing the build's files with the code of `flask --app geoservice geodata dump`.

The GeoJSON/JSON layout (sorted keys, indent 1, RFC 7946 ring order, 7 decimals) has one home:
geoservice.storage.geojson.render_collection. The build hands it features as the store keeps
them (id, properties, WKB in lon/lat), so a rebuilt file and a dumped file agree byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import shapely

from geoservice.storage.geojson import FILES, Feature, render_collection, write_atomically


def feature(fid: str, properties: dict, geom_ll=None) -> Feature:
    """A feature to write: properties and an optional lon/lat shapely geometry."""
    return Feature(fid, properties, shapely.to_wkb(geom_ll) if geom_ll is not None else None)


def write_collection(out: Path, name: str, features: list[Feature]) -> None:
    """Write one collection of FILES (e.g. "funding-areas") into its file under `out`."""
    collection = FILES[name]
    write_atomically(Path(out) / collection.filename, render_collection(collection, features))


def write_text(path: Path, text: str) -> None:
    write_atomically(path, text)
