#!/usr/bin/env python
"""Build geodata/context/places.geojson (the place search and the map's context layer).

Reads ONLY geodata/sources/ (see sources/SOURCE.md); the steps are in scripts/geodata_build/places.py.

    .venv/bin/python scripts/build_places.py [--out geodata/context/places.geojson]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for _path in (HERE, HERE.parent):  # scripts/ for geodata_build, the repository for geoservice
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from geodata_build.places import OUT, write  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    size = write(args.out)
    print(f"wrote {args.out} ({size} bytes)")


if __name__ == "__main__":
    main()
