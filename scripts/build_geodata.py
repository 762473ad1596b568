#!/usr/bin/env python
"""Build the geoservice data files from the copied source files in geodata/sources/.

Run:  .venv/bin/python scripts/build_geodata.py [--out DIR] [--report]

Reads ONLY geodata/sources/ (relative to the repository): the copied source files and the JSON
data files (citations, milestones, area versions, checkpoints, project rules, public wording;
described in geodata/README.md) and writes, deterministically:
  funding_areas.geojson, focus_areas.geojson, projects.geojson, timeline.json,
  checkpoints.csv, context/stadtteile.geojson
The steps live in scripts/geodata_build/; the files are written by the code behind
`flask --app geoservice geodata dump` (geoservice/storage/geojson.py), so both agree byte for byte.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for _path in (HERE, HERE.parent):  # scripts/ for geodata_build, the repository for geoservice
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from geodata_build.build import build, report  # noqa: E402
from geodata_build.sources import ROOT  # noqa: E402
from geodata_build.wording import public  # noqa: E402

__all__ = ["build", "main", "public"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "geodata"), help="output directory (default: geodata/)")
    ap.add_argument("--report", action="store_true", help="print the area table")
    args = ap.parse_args()
    geo = build(Path(args.out))
    if args.report:
        report(geo, Path(args.out))


if __name__ == "__main__":
    main()
