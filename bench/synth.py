"""Synthetic data folders for the scale curve: N projects with realistic properties.

Every feature copies the properties of a real project (cycling through the source file), gets a
unique id and a random point in Prohlis (lon 13.76-13.84, lat 50.99-51.03), so it passes
geoservice's start-up validation (domain/schema.py PROJECTS) unchanged. The other files
(funding areas, focus areas, timeline, context/) are copied from the source folder.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

LON = (13.76, 13.84)
LAT = (50.99, 51.03)
SEED = 20200101
GENERATOR_VERSION = "1"
COPIED = ("funding_areas.geojson", "focus_areas.geojson", "timeline.json")


def _templates(source: Path) -> list[tuple[str, str]]:
    """Return (title, JSON of the remaining properties without braces) per real project."""
    with open(source / "projects.geojson", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    templates = []
    for feature in features:
        props = dict(feature["properties"])
        props.pop("id", None)
        title = props.pop("title")
        rest = json.dumps(props, ensure_ascii=False)[1:-1]
        templates.append((title, rest))
    return templates


def write_projects(path: Path, source: Path, count: int, seed: int = SEED) -> None:
    """Write `count` synthetic projects as one GeoJSON FeatureCollection, streaming."""
    templates = _templates(source)
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "name": "projects", "features": [\n')
        for i in range(count):
            title, rest = templates[i % len(templates)]
            fid = f"synthetic-{i:07d}"
            lon = rng.uniform(*LON)
            lat = rng.uniform(*LAT)
            out.write(
                f'{"," if i else ""}{{"type": "Feature", "id": "{fid}", "properties": '
                f'{{"id": "{fid}", "title": {json.dumps(f"{title} #{i}", ensure_ascii=False)}, '
                f'{rest}}}, "geometry": {{"type": "Point", "coordinates": [{lon:.7f}, {lat:.7f}]}}}}\n'
            )
        out.write("]}\n")


def make_dataset(target: Path, source: Path, count: int) -> Path:
    """Create (or reuse, if made by this generator already) a data folder with `count` projects."""
    stamp = target / ".bench-stamp"
    wanted = f"{GENERATOR_VERSION}:{count}:{SEED}:{(source / 'projects.geojson').stat().st_size}"
    if stamp.is_file() and stamp.read_text() == wanted:
        return target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in COPIED:
        shutil.copy2(source / name, target / name)
    shutil.copytree(source / "context", target / "context")
    write_projects(target / "projects.geojson", source, count)
    stamp.write_text(wanted)
    return target
