"""Run the build steps and write geodata/ (or another folder)."""

from __future__ import annotations

import json
from pathlib import Path

from shapely.ops import unary_union

from .areas import checkpoints_csv, funding_features, to_feature
from .output import write_collection, write_text
from .projects import project_features
from .reconstruct import reconstruct
from .sources import Addr, Streets, load
from .timeline import stadtteile_features, timeline_features


def build(out: Path) -> dict:
    """Write funding_areas, focus_areas, projects, timeline, checkpoints.csv and the context layer."""
    k19, l24, st, streets_gdf, addresses, projects = load()
    streets, addr = Streets(streets_gdf), Addr(addresses)
    geo = reconstruct(k19, l24, streets, addr)
    versions, focus = funding_features(geo)

    write_collection(out, "funding-areas", [to_feature(v) for v in versions])
    write_collection(out, "focus-areas", [to_feature(f, extra=("part_of",)) for f in focus])
    write_text(out / "checkpoints.csv", checkpoints_csv(addr))
    areas = {  # where an area-wide project is placed (its representative point)
        "prohlis": geo["prohlis"],
        "am-koitschgraben": geo["ak2016"],
        "prohlis-am-koitschgraben": unary_union([geo["prohlis"], geo["zw"], geo["ak_focus"]]),
    }
    provenance: dict = {}
    write_collection(out, "projects", project_features(projects, streets, addr, areas, versions, provenance))
    write_text(out / "provenance.json", json.dumps(
        {"about": "Research notes behind public records: internal, shown to editors only "
                  "(geodata/README.md, 'Provenance'). Never rendered on public pages or in the API.",
         "projects": provenance}, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    write_collection(out, "timeline", timeline_features())
    write_collection(out, "context", stadtteile_features(st))
    return geo


def report(geo: dict, out: Path) -> None:
    """Print the part areas and published vs reconstructed size of each version and focus area."""
    for k, v in geo["parts_ha"].items():
        print(f"  part {k}: {v} ha")
    for name in ("funding_areas", "focus_areas"):
        for f in json.loads((Path(out) / f"{name}.geojson").read_text())["features"]:
            p = f["properties"]
            pub = p["published_area_ha"]
            dev = f"{(p['area_ha'] - pub) / pub * 100:+.1f} %" if pub else "-"
            print(f"{p['id']:32s} published {pub!s:>6} reconstructed {p['area_ha']:7.2f}  {dev}")
