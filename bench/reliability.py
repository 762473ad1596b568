"""Reliability run: the production set-up under load, with a worker killed and a bad record stored.

    .venv/bin/python -m bench.reliability                # 60 s, 64 connections, 2 workers
    .venv/bin/python -m bench.reliability --duration 20 --connections 16 --urls 2000
    .venv/bin/python -m bench.reliability --slowloris 64 --chunked   # and attackers throughout
    .venv/bin/python -m bench.reliability --server gunicorn          # deploy/gunicorn.conf.py

The production command (deploy/granian.sh; `--server gunicorn`: deploy/gunicorn.conf.py) serves a
fresh SQLite store (bench/work/reliability/) on 127.0.0.1; wrk (paths.lua) requests thousands of
distinct, valid URLs in turn for `--duration` seconds. At 1/3 of the run a record that breaks the
start-up rules (a project with status 'kaputt') is written to the store; at 2/3 one worker is
killed with SIGKILL, so the master has to start a new worker on that store. Reported: requests,
failures (non-2xx answers and socket errors), p50/p99, the time until the master had 2 workers
again, the workers' peak RSS (sampled every 0.25 s from /proc), /readyz after the bad record (503
expected) and whether the data answers still come from the last good state. With `--slowloris N` N
connections send a request line and one header and stall for the whole run (reopened when the
server closes them); with `--chunked` a client sends 300 MiB chunked bodies to /edit/login and the
items endpoint one after the other (bench/edge_faults.py). Not a test: nothing is asserted; the
figures go to stdout and bench/work/reliability/result.json.

    .venv/bin/python -m bench.reliability --fault database       # PostgreSQL stopped and started
    .venv/bin/python -m bench.reliability --fault login-flood    # logins with random names

The other faults (bench/faults.py): `database` stops a private PostgreSQL under load, kills a
worker and starts the database again; `login-flood` measures the public API alone and then
while threads post logins with random names from ever new addresses. Both report failed
requests, p99 and peak worker memory (result-<fault>.json).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.request import urlopen

from bench import edge_faults
from bench.load import wrk
from bench.procs import CONFIG, ROOT, WORK, children, rss_mib, status_of

BAD_FEATURE = "bmx-anlage-prohlis"


def distinct_paths(count: int, seed: int = 11) -> list[str]:
    """Return `count` distinct valid GET paths over the API (fixed seed)."""
    rng = random.Random(seed)
    ids = json.loads((ROOT / "geodata" / "projects.geojson").read_text())["features"]
    ids = [f["id"] if "id" in f else f["properties"]["id"] for f in ids]
    kinds = [
        lambda: (f"/collections/projects/items?bbox={(x := rng.uniform(13.76, 13.83)):.4f},"
                 f"{(y := rng.uniform(50.99, 51.02)):.4f},{x + 0.01:.4f},{y + 0.006:.4f}&limit=20"),
        lambda: (f"/locate?lon={rng.uniform(13.75, 13.85):.5f}&lat={rng.uniform(50.98, 51.03):.5f}"
                 f"&datetime={rng.randint(2001, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"),
        lambda: f"/collections/funding-areas/items?datetime={rng.randint(2000, 2026)}-06-01",
        lambda: (f"/collections/projects/items?limit={rng.randint(1, 40)}&offset={rng.randint(0, 30)}"
                 f"&sortby={rng.choice(['', '-'])}{rng.choice(['start_year', 'title', 'id'])}"),
        lambda: f"/collections/projects/items/{rng.choice(ids)}?lang={rng.choice(['de', 'en'])}",
        lambda: f"/changes?from={(a := rng.randint(2001, 2012))}&to={rng.randint(a + 1, 2025)}",
        lambda: f"/collections/projects/items?crs=EPSG:25833&limit={rng.randint(1, 60)}",
    ]
    seen: dict[str, None] = {}
    while len(seen) < count:
        seen[rng.choice(kinds)()] = None
    return list(seen)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--urls", type=int, default=5000)
    parser.add_argument("--no-bad-record", action="store_true",
                        help="only kill a worker (at 2/3), write no bad record")
    parser.add_argument("--fault", choices=["bad-record", "database", "login-flood"],
                        default="bad-record")
    parser.add_argument("--flooders", type=int, default=32, help="login-flood: concurrent logins")
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    parser.add_argument("--slowloris", type=int, default=0, metavar="N",
                        help="N connections that send part of their headers and stall")
    parser.add_argument("--chunked", action="store_true",
                        help="300 MiB chunked request bodies throughout the run")
    args = parser.parse_args(argv)
    if args.fault != "bad-record":
        from bench import faults

        WORK.mkdir(parents=True, exist_ok=True)
        paths_file = WORK / "paths.txt"
        paths_file.write_text("\n".join(distinct_paths(args.urls)) + "\n")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        return faults.run(args, port, paths_file)

    sys.path.insert(0, str(ROOT))
    from geoservice.storage import open_store
    from geoservice.storage.geojson import Feature
    from geoservice.storage.sql import Author, Put

    WORK.mkdir(parents=True, exist_ok=True)
    database = WORK / f"store-{os.getpid()}.sqlite3"
    url_db = f"sqlite:///{database}"
    store = open_store({"DATABASE_URL": url_db, "DATA_DIR": str(ROOT / "geodata")}, str(WORK))
    paths_file = WORK / "paths.txt"
    paths = distinct_paths(args.urls)
    paths_file.write_text("\n".join(paths) + "\n")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GEOSERVICE_DATABASE_URL": url_db,
           "GEOSERVICE_DATA_DIR": str(ROOT / "geodata"), "GEOSERVICE_BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": str(args.workers), "GRANIAN": str(Path(sys.executable).parent / "granian")}
    log_path = WORK / f"{args.server}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - open for the server's lifetime
    command = (["bash", str(ROOT / "deploy" / "granian.sh")] if args.server == "granian" else
               [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "-w", str(args.workers),
                "-b", f"127.0.0.1:{port}"])
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    peak: dict[int, float] = {}
    events: dict[str, object] = {}
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 120
        while not (len(children(server.pid)) == args.workers and status_of(f"{base}/readyz") == 200):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"{args.server} did not start; see {log_path}")
            time.sleep(0.2)
        for path in paths[:50]:  # every path kind answers 200 before the run
            assert status_of(base + path) == 200, path

        def sample() -> None:
            while not stop.is_set():
                for pid in children(server.pid):
                    value = rss_mib(pid)
                    if value is not None:
                        peak[pid] = max(peak.get(pid, 0.0), value)
                time.sleep(0.25)

        def faults() -> None:
            # 1/3: a record that breaks the start-up rules (running workers keep the last good
            # state and /readyz turns 503); 2/3: SIGKILL one worker, so that the master must
            # start a new one while the store's newest state is invalid
            time.sleep(args.duration / 3)
            last = store.history("projects", BAD_FEATURE)[-1]
            events["good_status"] = last.properties["status"]
            if not args.no_bad_record:
                store.write(Author("bench", "Benchmark"), "reliability run: invalid status", "update",
                            [Put("projects", Feature(last.fid, dict(last.properties,
                                                                    status="kaputt"), last.wkb))])
                events["bad_record_written_at_s"] = round(args.duration / 3, 1)
            time.sleep(args.duration / 3)
            before = children(server.pid)
            if not before:
                events["kill"] = "no worker left to kill"
                return
            victim = min(before)
            killed = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            events["killed_pid"], events["killed_at_s"] = victim, round(args.duration * 2 / 3, 1)
            while not stop.is_set() and server.poll() is None:
                now = children(server.pid)
                if victim not in now and len(now) == args.workers:
                    events["respawn_s"] = round(time.monotonic() - killed, 3)
                    break
                time.sleep(0.02)

        attacks: dict[str, dict] = {}

        def attack(name: str, run) -> threading.Thread:
            return threading.Thread(target=lambda: attacks.__setitem__(name, run()), daemon=True)

        threads = [threading.Thread(target=sample, daemon=True),
                   threading.Thread(target=faults, daemon=True)]
        if args.slowloris:
            threads.append(attack("slowloris", lambda: edge_faults.slowloris(port, args.slowloris, stop)))
        if args.chunked:
            threads.append(attack("chunked", lambda: edge_faults.chunked_bodies(port, stop)))
        for thread in threads:
            thread.start()
        load = wrk(base + "/", args.duration, args.connections, paths=paths_file)
        stop.set()
        for thread in threads[2:]:
            thread.join(timeout=60)
        time.sleep(2.5)  # SQLite workers poll the change counter every second
        readyz = [status_of(f"{base}/readyz") for _ in range(2 * args.workers)]
        try:
            with urlopen(f"{base}/collections/projects/items/{BAD_FEATURE}", timeout=10) as answer:
                served = json.loads(answer.read())["properties"]["status"]
        except OSError as exc:
            served = f"no answer: {exc}"
        text = log_path.read_text(errors="replace")
        result = {
            "server": args.server,
            "duration_s": args.duration, "connections": args.connections, "workers": args.workers,
            "distinct_urls": len(paths), **load,
            "failures": load["non_2xx"] + load["socket_errors"],
            **events,
            "bad_record": not args.no_bad_record,
            **attacks,
            "readyz_at_end": readyz,
            "served_status_at_end": served,
            "peak_rss_mib": {str(pid): round(v, 1) for pid, v in sorted(peak.items())},
            "peak_rss_mib_max": round(max(peak.values()), 1) if peak else None,
            "worker_pids_seen": len(peak),
            "workers_booted": text.count("Booting worker"),
            "workers_recycled": text.count("Autorestarting worker"),
            "workers_failed_to_boot": text.count("Exception in worker process"),
            "master_alive_at_end": server.poll() is None,
            "master_exit_reason": next((line.split("Reason: ", 1)[1] for line in text.splitlines()
                                        if "Reason: " in line), None),
        }
    finally:
        stop.set()
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        except ProcessLookupError:
            pass  # the master is gone already (see master_exit_reason)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
        store.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    name = "result-kill-only.json" if args.no_bad_record else "result.json"
    (WORK / name).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
