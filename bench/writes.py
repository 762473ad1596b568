"""Writes at scale: PATCH latency, when another worker serves the change, and what a change costs
a worker (`python -m bench.writes [--sizes 1000,10000,100000] [--stores sqlite,postgresql]
[--before REV]`).

Per size of synthetic projects (bench/synth.py) and store, one store seeded once and copied for
each checkout measured (this one, and `--before`: a commit checked out as a git worktree):
SQLite a file, PostgreSQL a fresh database per size on `--pg-url` (copied with CREATE DATABASE
... TEMPLATE; every one dropped afterwards), whose servers keep their snapshot file in the work
folder (storage/snapshot.py).
- server: the production command (deploy/gunicorn.conf.py, gthread) with 2 workers. Sequential
  PATCHes of one project with the ETag the previous one answered, each on a new connection:
  status, latency p50/p99, and the time from the answer until 8 reads in a row (new connections,
  either worker) serve the change; the CPU time of both workers from the first PATCH until they
  are quiet after the last (background work included), per PATCH. Reference in the same run:
  GET of the same project.
- in process (each checkout, bench/apply.py): a full load of the state (what every worker did on
  every change before) against applying one changed feature to the served state
  (domain/delta.py), wall and CPU time (and the whole process's CPU until its snapshot is
  written), and the process's resident memory.
Prints a Markdown table; ratios are against the reference of the same run and size.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

from bench import load, stores, synth
from bench.scenarios import log
from bench.servers import ROOT, Server, command, free_port, install_cleanup, stop_all

FID_PREFIX = "bench-project-"
READS_IN_A_ROW = 8


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


STORES = ("sqlite", "postgresql")
QUIET_CPU_S = 0.02  # workers whose CPU grew less than this in QUIET_WINDOW_S are done
QUIET_WINDOW_S = 1.0


def seeded(work: Path, count: int) -> tuple[Path, Path]:
    """Return (data folder, seeded SQLite file) of a size, made once per work folder."""
    folder = synth.make_dataset(work / f"scale-{count}", ROOT / "geodata", count)
    db = work / "db" / f"writes-{count}.sqlite3"
    stamp = db.with_suffix(".seeded")
    if not stamp.exists():
        url = stores.sqlite_reset(db)
        took = stores.preseed(url, folder, None, 3600)
        log(f"seeded {count} projects in {took:.1f} s")
        stamp.write_text(str(took))
    return folder, db


class Seeded:
    """One store of a size seeded once (SQLite: a file; PostgreSQL: a database used as the
    template of each copy), copied for each run and removed with `close`."""

    def __init__(self, kind: str, work: Path, folder: Path, count: int, pg_url: str):
        self.kind, self.work, self.count, self.pg_url = kind, work, count, pg_url
        self.copies: list[str] = []
        if kind == "sqlite":
            self.db = seeded(work, count)[1]
            return
        self.name = f"bench_store_{os.getpid()}_writes{count}"
        url = stores.pg_create(pg_url, self.name)
        took = stores.preseed(url, folder, None, 3600)
        log(f"seeded {count} projects in PostgreSQL in {took:.1f} s")

    def copy(self) -> str:
        """Return the URL of a fresh copy of the seeded store."""
        if self.kind == "sqlite":
            target = self.work / "db" / "writes-run.sqlite3"
            url = stores.sqlite_reset(target)
            shutil.copy2(self.db, target)
            return url
        name = f"{self.name}_{len(self.copies)}"
        self.copies.append(name)
        return stores.pg_create(self.pg_url, name, template=self.name)

    def drop_copies(self) -> None:
        if self.kind == "postgresql":
            for name in self.copies:
                stores.pg_drop(self.pg_url, name)
            self.copies.clear()

    def close(self) -> None:
        self.drop_copies()
        if self.kind == "postgresql":
            stores.pg_drop(self.pg_url, self.name)


def token(url: str) -> str:
    from geoservice.storage.accounts import Accounts
    from geoservice.storage.sql import SqlStore

    store = SqlStore(url)
    try:
        return Accounts(store).add("bench", "editor", "Bench", "bench")[2]
    finally:
        store.dispose()


def first_fid(folder: Path) -> str:
    with open(folder / "projects.geojson", encoding="utf-8") as handle:
        handle.readline()
        return json.loads(handle.readline().rstrip().rstrip(","))["properties"]["id"]


def snapshot_path(work: Path, label: str, count: int) -> Path:
    """A run's snapshot file (PostgreSQL), removed first: the workers write it themselves."""
    path = work / "snapshots" / f"writes-{count}-{label.split()[0]}.json.gz"
    for old in path.parent.glob(f"{path.name}*"):
        old.unlink()
    return path


def _workers_cpu(srv: Server) -> float:
    return load.cpu_snapshot([pid for pid in srv.pids() if pid != srv.proc.pid])["server"]


def _settled_cpu(srv: Server, url: str, snapshot: Path | None, timeout: float = 600.0) -> float:
    """Wait until the snapshot file (if any) holds the store's newest change and the workers'
    CPU time stops growing (background work after the last answer: a snapshot being written,
    maybe after a pause); return that CPU time."""
    from geoservice.storage.sql import SqlStore

    deadline = time.monotonic() + timeout
    if snapshot is not None:
        store = SqlStore(url)
        try:
            newest = int(store.signature())
        finally:
            store.dispose()
        while _kept(snapshot) != newest and time.monotonic() < deadline:
            time.sleep(0.1)
    last = _workers_cpu(srv)
    while time.monotonic() < deadline:
        time.sleep(QUIET_WINDOW_S)
        now = _workers_cpu(srv)
        if now - last < QUIET_CPU_S:
            return now
        last = now
    return last


def production(root: Path, folder: Path, url: str, work: Path, name: str,
               snapshot: Path | None = None, workers: int = 2) -> Server:
    """Start (not wait for) the production command (deploy/gunicorn.conf.py, gthread) with
    `workers` workers on the store at `url`, the geoservice package of `root`; log
    work/logs/writes-NAME.log."""
    port = free_port()
    env = {"GEOSERVICE_DATABASE_URL": url, "GEOSERVICE_DATA_DIR": str(folder),
           "PYTHONPATH": str(root), "BENCH_RUN": str(work)}
    if snapshot is not None:
        env["GEOSERVICE_SNAPSHOT_PATH"] = str(snapshot)
    return Server("geoservice", "gunicorn-deploy",
                  command("geoservice", "gunicorn-deploy", port, workers, 120), env, port,
                  work / "logs" / f"writes-{name}.log", cwd=root).start()


ACCEPT = {"Accept": "application/geo+json", "Connection": "close"}  # a new connection each


def patch_note(item: str, bearer: str, etag: str, note: str) -> tuple[int, float, str | None]:
    """PATCH the project at `item` (its URL) to `status_note` = `note` with If-Match `etag` on a
    new connection; return (status, seconds, the ETag answered: None unless 200)."""
    headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/merge-patch+json",
               "X-Change-Note": "Bench", "If-Match": etag, **ACCEPT}
    started = time.perf_counter()
    answer = requests.patch(item, data=json.dumps({"properties": {"status_note": note}}),
                            headers=headers, timeout=600)
    took = time.perf_counter() - started
    return answer.status_code, took, answer.headers.get("ETag") if answer.ok else None


def served_everywhere(items: list[str], note: str, since: float, limit: float = 60) -> float:
    """Read each of `items` (the project's URL on each instance), in turn, on new connections
    until READS_IN_A_ROW reads in a row of every one serve `note` (so every worker of each
    instance does, but for chance); return the seconds from `since` (perf_counter) until then
    (`limit` at most)."""
    in_a_row = [0] * len(items)
    while min(in_a_row) < READS_IN_A_ROW and time.perf_counter() - since < limit:
        for i, item in enumerate(items):
            if in_a_row[i] < READS_IN_A_ROW:
                body = requests.get(item, headers=ACCEPT, timeout=600).json()
                in_a_row[i] = in_a_row[i] + 1 if body["properties"]["status_note"] == note else 0
    return time.perf_counter() - since


def current_etag(item: str) -> str:
    return requests.get(item, headers=ACCEPT, timeout=600).headers["ETag"]


def serve(root: Path, folder: Path, url: str, work: Path, label: str, patches: int,
          snapshot: Path | None = None) -> dict:
    """Start the production command on a copy of the store; PATCH, read, measure."""
    bearer = token(url)
    fid = first_fid(folder)
    srv = production(root, folder, url, work, label, snapshot)
    row: dict = {"label": label}
    try:
        srv.wait_ready("/?f=json", 1800, require_200=False)
        row["startup_s"] = srv.startup_s
        item = f"{srv.url}/collections/projects/items/{fid}"
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:  # both workers loaded: 8 answers in a row
            if all(requests.get(item, headers=ACCEPT, timeout=600).ok for _ in range(8)):
                break
        gets = []
        for _ in range(50):
            started = time.perf_counter()
            got = requests.get(item, headers=ACCEPT, timeout=600)
            gets.append(time.perf_counter() - started)
        etag = got.headers["ETag"]
        latencies, statuses, visible = [], [], []
        loads = [os.getloadavg()[0]]  # other jobs on the machine: absolute times follow them
        cpu = _settled_cpu(srv, url, snapshot)  # the start's snapshot written
        for n in range(patches):
            note = f"Bench {label} {n}"
            status, took, _answered_etag = patch_note(item, bearer, etag, note)
            answered = time.perf_counter()
            latencies.append(took)
            statuses.append(status)
            if status == 200:  # an error: whether it was stored, reads tell later
                visible.append(served_everywhere([item], note, answered))
            etag = current_etag(item)
        cpu = _settled_cpu(srv, url, snapshot) - cpu
        row.update(get_p50_ms=statistics.median(gets) * 1000,
                   patch_p50_ms=statistics.median(latencies) * 1000,
                   patch_p99_ms=pct(latencies, 0.99) * 1000,
                   visible_p50_ms=statistics.median(visible) * 1000 if visible else float("nan"),
                   visible_max_ms=max(visible) * 1000 if visible else float("nan"),
                   statuses={code: statuses.count(code) for code in sorted(set(statuses))},
                   patch_ms=[round(v * 1000) for v in latencies],
                   cpu_per_patch_ms=cpu * 1000 / max(1, len(latencies)),
                   snapshot_kept=_kept(snapshot), load=(*loads, os.getloadavg()[0]))
        row.update(srv.worker_memory())
    finally:
        srv.stop()
    return row


def _kept(snapshot: Path | None) -> int | None:
    """The change the snapshot file holds (None: no file), from its first bytes."""
    from geoservice.storage.snapshot import head

    held = head(snapshot) if snapshot is not None else None
    return held[1] if held else None


def in_process(root: Path, url: str, snapshot: Path | None = None) -> dict:
    """Seconds of a full load against one changed feature applied, with the geoservice package of
    `root` (bench/apply.py in a process of its own)."""
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("apply.py")), url,
                           *(["--snapshot", str(snapshot)] if snapshot is not None else [])],
                          env={**os.environ, "PYTHONPATH": str(root)}, cwd=root,
                          capture_output=True, text=True, timeout=3600, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.writes", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--patches", type=int, default=20)
    parser.add_argument("--before", default="", help="a commit to measure beside this checkout")
    parser.add_argument("--stores", "--store", default="sqlite",
                        help=f"comma-separated, of {', '.join(STORES)}")
    parser.add_argument("--pg-url", default=stores.PG_URL,
                        help="PostgreSQL server (with PostGIS) to make the databases on")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "work")
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.stores.split(",") if k.strip()]
    if unknown := set(kinds) - set(STORES):
        parser.error(f"unknown stores {', '.join(sorted(unknown))}; choose of {', '.join(STORES)}")
    if "postgresql" in kinds and (reason := stores.pg_unreachable(args.pg_url)):
        parser.error(reason)
    install_cleanup()
    work = args.workdir.resolve()
    (work / "logs").mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        with contextlib.ExitStack() as stack:
            if "postgresql" in kinds:
                for name in stores.pg_drop_stale(args.pg_url):
                    log(f"dropped {name}, left by a run that was killed")
            roots = [("after", ROOT)]
            if args.before:
                before, commit = stack.enter_context(stores.committed_checkout(work, args.before))
                roots.insert(0, (f"before {commit[:10]}", before))
            for count in [int(n) for n in args.sizes.split(",") if n.strip()]:
                folder = synth.make_dataset(work / f"scale-{count}", ROOT / "geodata", count)
                for kind in kinds:
                    rows += _measure(Seeded(kind, work, folder, count, args.pg_url), roots, folder,
                                     args.patches)
    finally:
        stop_all()
    print(report(rows))
    return 0


def _measure(store: Seeded, roots: list[tuple[str, Path]], folder: Path, patches: int) -> list[dict]:
    """A size on one store: the server runs, then the in-process ones, of each checkout."""
    rows, count, work = [], store.count, store.work
    pg = store.kind == "postgresql"
    try:
        for label, root in roots:
            snapshot = snapshot_path(work, label, count) if pg else None
            row = {"size": count, "store": store.kind,
                   **serve(root, folder, store.copy(), work, label, patches, snapshot)}
            store.drop_copies()
            log(f"{count} {store.kind} {label}: {row}")
            rows.append(row)
        for label, root in roots:
            snapshot = snapshot_path(work, label, count) if pg else None
            rows.append({"size": count, "store": store.kind, "label": label, "in_process": True,
                         **in_process(root, store.copy(), snapshot)})
            store.drop_copies()
            log(f"{count} {store.kind} {label} in process: {rows[-1]}")
    finally:
        store.close()
    return rows


def report(rows: list[dict]) -> str:
    """The rows as Markdown tables (ratios against GET, and against a full load, of the same run
    and size)."""
    lines = ["| projects | store | code | start s | GET p50 ms | PATCH statuses | "
             "PATCH p50 ms (×GET) | PATCH p99 ms | served by every worker p50 / max ms | "
             "workers' CPU per PATCH ms | RSS/worker MiB | snapshot holds | load avg |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("in_process"):
            continue
        lines.append(
            f"| {r['size']:,} | {r.get('store', 'sqlite')} | {r['label']} | "
            f"{r.get('startup_s', 0):.1f} | {r['get_p50_ms']:.1f} | "
            f"{', '.join(f'{k}: {v}' for k, v in r['statuses'].items())} | "
            f"{r['patch_p50_ms']:.0f} ({r['patch_p50_ms'] / r['get_p50_ms']:.1f}×) | "
            f"{r['patch_p99_ms']:.0f} | {r['visible_p50_ms']:.0f} / {r['visible_max_ms']:.0f} | "
            f"{r.get('cpu_per_patch_ms', float('nan')):.0f} | "
            f"{r.get('rss_worker_max_mib', 0):.0f} | {r.get('snapshot_kept') or '-'} | "
            f"{'-'.join(f'{x:.1f}' for x in r.get('load', ()))} |")
    lines += ["", "| projects | store | code | full load of the state s | one change applied ms "
              "(CPU ms) | ratio | process CPU per change, snapshot included ms | "
              "RSS after load / after the changes MiB (in process) |",
              "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("in_process"):
            lines.append(f"| {r['size']:,} | {r.get('store', 'sqlite')} | {r['label']} | "
                         f"{r['full_load_s']:.2f} | "
                         f"{r['apply_ms']:.1f} ({r.get('apply_cpu_ms', float('nan')):.1f}) | "
                         f"{r['full_load_s'] * 1000 / r['apply_ms']:.0f}× faster | "
                         f"{r.get('process_cpu_ms', float('nan')):.0f} | "
                         f"{r.get('rss_loaded_mib', 0):.0f} / {r.get('rss_after_mib', 0):.0f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
