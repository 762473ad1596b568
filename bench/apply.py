"""One checkout's in-process figures for bench/writes.py, run as a script so that the geoservice
package imported is the checkout's (`PYTHONPATH=CHECKOUT python bench/apply.py SQLITE_URL`).

Prints JSON: the seconds of a full load of the state (what every worker did on every change
before changes were applied, domain/delta.py), and the milliseconds (wall and this thread's CPU)
of one changed feature applied to the served state, median of 5, with the resident memory of the
process after the load and after the changes.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(url: str, changes: int = 5) -> dict:
    from geoservice.storage.geojson import Feature
    from geoservice.storage.holder import DataHolder
    from geoservice.storage.sql import SqlStore
    from geoservice.writes import Author, Kind, Put

    store = SqlStore(url)
    started = time.perf_counter()
    holder = DataHolder(store, listen=False)
    full = time.perf_counter() - started
    loaded_rss = _rss_mib()
    walls, cpus = [], []
    for n in range(changes):
        fid = holder.dataset.projects.index[n]
        record = store.history("projects", fid)[-1]
        store.write(Author("bench", "Bench"), "Bench", Kind.UPDATE, [Put("projects", Feature(
            fid, {**record.properties, "status_note": f"in process {n}"}, record.wkb))])
        started, cpu = time.perf_counter(), time.thread_time()
        holder.maybe_reload(force=True)
        walls.append(time.perf_counter() - started)
        cpus.append(time.thread_time() - cpu)
    result = {"full_load_s": full, "apply_ms": statistics.median(walls) * 1000,
              "apply_cpu_ms": statistics.median(cpus) * 1000, "full_loads_after": holder.loads - 1,
              "rss_loaded_mib": loaded_rss, "rss_after_mib": _rss_mib()}
    holder.close()
    return result


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
