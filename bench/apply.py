"""One checkout's in-process figures for bench/writes.py, run as a script so that the geoservice
package imported is the checkout's (`PYTHONPATH=CHECKOUT python bench/apply.py URL
[--changes 5] [--kinds patch,delete,post] [--snapshot PATH]`).

Prints JSON: the seconds of a full load of the state (what every worker did on every change
before changes were applied, domain/delta.py), and per kind of write (a PATCH of one project's
`status_note`, a DELETE of one project, a POST of one new project), medians of `--changes`:
- `write_ms`: the write transaction (SqlStore.write, wall time: the store's queries);
- `apply_ms`, `apply_cpu_ms`: the change applied to the served state (wall, this thread's CPU);
- `reads_cpu_ms`: the CPU of the first reads after it (an id, a bbox page, a page sorted by
  title, a page of a filter), which pay what applying left for later (an id table, a column's
  ranks or a filter's typed columns built anew).
- `process_cpu_ms`: with `--snapshot` (PostgreSQL: where a server keeps its last good state,
  storage/snapshot.py), the CPU of the whole process from the change until no thread keeps the
  snapshot any more: what keeping the state costs beside applying it.
Before each change the served state has answered those reads, so its memo holds what a serving
worker's does. The PATCH figures are also the top level's `apply_ms` / `apply_cpu_ms` /
`process_cpu_ms` (what bench/writes.py reports), with the resident memory after the load and
after the changes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from pathlib import Path

KINDS = ("patch", "delete", "post")
BOX = (13.79, 51.0, 13.81, 51.02)  # inside bench/synth.py's extent
FILTER = "status = 'laufend' AND start_year >= 2015"


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reads(data, fid: str) -> None:
    """What clients ask of a served state: one feature by id, a bbox page, a page sorted by
    title, a page of a filter."""
    from geoservice.api import features
    from geoservice.domain import cql
    from geoservice.domain.schema import PROJECTS

    cache = features.feature_cache(data, PROJECTS)
    where = cql.parse(FILTER, PROJECTS).node
    cache.take([data.position(PROJECTS.name, fid)])
    cache.take(features.select(data, PROJECTS, features.Query(bbox_crs84=BOX))[:100])
    cache.take(features.select(data, PROJECTS, features.Query(sortby=(("title", True),)))[:10])
    cache.take(features.select(data, PROJECTS, features.Query(where=where))[:10])


def _snapshot_done(timeout: float = 600.0) -> None:
    """Wait until no thread keeps the snapshot (every checkout names its thread so)."""
    deadline = time.monotonic() + timeout
    while any(t.name == "geoservice-snapshot" for t in threading.enumerate()):
        if time.monotonic() > deadline:
            raise TimeoutError("the snapshot was not written within the timeout")
        time.sleep(0.01)


def _write(store, kind: str, n: int, fids: list[str]):
    """One write of `kind` (the n-th of the run); the id the reads after it ask for."""
    from geoservice.storage.geojson import Feature
    from geoservice.writes import Author, Kind, Put, Retire

    author = Author("bench", "Bench")
    if kind == "delete":
        fid = fids[(n * 7919) % len(fids)]  # places spread over the collection
        fids.remove(fid)
        return store.write(author, "Bench", Kind.RETIRE, [Retire("projects", fid)]), fids[0]
    record = store.history("projects", fids[n])[-1]
    if kind == "patch":
        feature = Feature(fids[n], {**record.properties, "status_note": f"in process {n}"},
                          record.wkb)
        return store.write(author, "Bench", Kind.UPDATE, [Put("projects", feature)]), fids[n]
    fid = f"bench-apply-{n}"
    feature = Feature(fid, {**record.properties, "id": fid}, record.wkb)
    return store.write(author, "Bench", Kind.CREATE,
                       [Put("projects", feature, create_only=True)]), fid


def measure(url: str, changes: int = 5, kinds: tuple[str, ...] = KINDS,
            snapshot: Path | None = None) -> dict:
    from geoservice.storage.holder import DataHolder
    from geoservice.storage.sql import SqlStore

    store = SqlStore(url)
    if snapshot is not None:
        store.snapshots.path = snapshot
    started = time.perf_counter()
    holder = DataHolder(store, listen=False)
    full = time.perf_counter() - started
    _snapshot_done()
    loaded_rss = _rss_mib()
    fids = holder.dataset.projects.index.tolist()
    result: dict = {"full_load_s": full, "rss_loaded_mib": loaded_rss}
    for kind in kinds:
        writes, walls, cpus, reads, processes = [], [], [], [], []
        _reads(holder.dataset, fids[0])
        for n in range(changes):
            started = time.perf_counter()
            written, fid = _write(store, kind, n, fids)
            writes.append(time.perf_counter() - started)
            started, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
            holder.maybe_reload(force=True)
            walls.append(time.perf_counter() - started)
            cpus.append(time.thread_time() - cpu)
            _snapshot_done()
            processes.append(time.process_time() - process)
            assert holder.dataset.change_id == written.change_id
            cpu = time.thread_time()
            _reads(holder.dataset, fid)
            reads.append(time.thread_time() - cpu)
        result[kind] = {"write_ms": statistics.median(writes) * 1000,
                        "apply_ms": statistics.median(walls) * 1000,
                        "apply_cpu_ms": statistics.median(cpus) * 1000,
                        "reads_cpu_ms": statistics.median(reads) * 1000,
                        "process_cpu_ms": statistics.median(processes) * 1000}
    if "patch" in result:
        result.update({key: result["patch"][key]
                       for key in ("apply_ms", "apply_cpu_ms", "process_cpu_ms")})
    result.update(full_loads_after=holder.loads - 1, rss_after_mib=_rss_mib())
    holder.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the URL of a seeded store (it is written to)")
    parser.add_argument("--snapshot", type=Path, help="keep the snapshot file here (PostgreSQL)")
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"of {', '.join(KINDS)}")
    args = parser.parse_args()
    kinds = tuple(kind for kind in args.kinds.split(",") if kind)
    if unknown := set(kinds) - set(KINDS):
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    print(json.dumps(measure(args.url, args.changes, kinds, args.snapshot)))


if __name__ == "__main__":
    main()
