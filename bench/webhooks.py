"""Write latency with and without webhook subscriptions (`python -m bench.webhooks [--smoke]`).

Each write through the one write path (writes.py, no reload) on a fresh SQLite store seeded from
geodata/; with subscriptions every write also writes its outbox events in its transaction. Prints
the median and 90th percentile per setting and the ratio to the run without subscriptions,
measured in the same run (never absolute claims).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from geoservice.domain.schema import PROJECTS
from geoservice.storage.geojson import Feature
from geoservice.storage.outbox import add
from geoservice.storage.sql import SqlStore
from geoservice.writes import Author, Writes

ROOT = Path(__file__).resolve().parents[1]


def measure(subscriptions: int, writes: int, folder: Path) -> list[float]:
    store = SqlStore(f"sqlite:///{folder / f'bench-{subscriptions}.sqlite3'}")
    store.upgrade()
    store.seed(ROOT / "geodata")
    for n in range(subscriptions):
        add(store.engine, f"https://receiver{n}.example.org/hook", "whsec_" + "A" * 32, None, None, "bench")
    _, _, features = store.features()
    base = features[PROJECTS.name][0]
    service = Writes(store)
    times = []
    for n in range(writes):
        props = {**base.properties, "status_note": f"Bench {subscriptions}/{n}"}
        feature = Feature(base.fid, props, base.wkb)
        expect = store.history(PROJECTS.name, base.fid)[-1].record_id
        start = time.perf_counter()
        service.put(Author("bench", "Bench"), f"Bench {n}", PROJECTS, feature, expect=expect)
        times.append(time.perf_counter() - start)
    store.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a few writes only (tests)")
    args = parser.parse_args()
    writes = 5 if args.smoke else 200
    with tempfile.TemporaryDirectory() as folder:
        results = {n: measure(n, writes, Path(folder)) for n in (0, 1, 10)}
    reference = statistics.median(results[0])
    print("| subscriptions | median ms | p90 ms | median vs none |")
    print("|---|---|---|---|")
    for n, times in results.items():
        p90 = sorted(times)[int(len(times) * 0.9) - 1 if len(times) > 1 else 0]
        print(f"| {n} | {statistics.median(times) * 1000:.2f} | {p90 * 1000:.2f} | "
              f"{statistics.median(times) / reference:.2f}× |")


if __name__ == "__main__":
    main()
