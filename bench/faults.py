"""The reliability run's faults beyond a bad record (bench/reliability.py --fault ...).

- `database`: gunicorn on a private PostgreSQL/PostGIS cluster (bench/pgcluster.py, never the
  server on 5432). Under wrk load: at 1/4 of the run the database is stopped, at 2/4 a worker is
  killed (the master must start one without the database), at 3/4 the database is started
  again. Reported: failed requests and p99 over the whole run, /readyz during the outage, the
  seconds until every probe said ready again, peak worker memory, whether the master lived.
- `login-flood`: gunicorn on SQLite, trusting 127.0.0.1 as its proxy; wrk measures the public
  API first alone, then while `--flooders` threads post logins with random names, each from a
  new X-Forwarded-For address (a botnet: no per-address limit helps, every login within the
  limits is a password check). Reported: both runs' p50/p99 and failures, their ratio, the
  logins' answers (401 checked, 429 throttled, 503 busy), peak worker memory.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from bench.load import wrk
from bench.procs import CONFIG, ROOT, WORK, children, rss_mib, status_of

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Sampler(threading.Thread):
    """The workers' peak resident memory, sampled every 0.25 s from /proc."""

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master, self.peak, self.stop = master, {}, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in children(self.master):
                value = rss_mib(pid)
                if value is not None:
                    self.peak[pid] = max(self.peak.get(pid, 0.0), value)
            time.sleep(0.25)

    def figures(self) -> dict:
        return {"peak_rss_mib_max": round(max(self.peak.values()), 1) if self.peak else None,
                "worker_pids_seen": len(self.peak)}


def _serve(env: dict, workers: int, port: int, log: Path) -> subprocess.Popen:
    with open(log, "wb") as output:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "-w",
                                   str(workers), "-b", f"127.0.0.1:{port}"], cwd=ROOT,
                                  env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    deadline = time.monotonic() + 120
    while not (len(children(server.pid)) == workers and status_of(f"http://127.0.0.1:{port}/readyz") == 200):
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit(f"gunicorn did not start; see {log}")
        time.sleep(0.2)
    return server


def _stop(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def database(args, port: int, paths_file: Path) -> dict:
    """Stop PostgreSQL, kill a worker, start PostgreSQL, all under load."""
    from bench import pgcluster

    reason = pgcluster.missing()
    if reason:
        raise SystemExit(f"no private PostgreSQL cluster can be made here: {reason}")
    cluster = pgcluster.Cluster()
    base = f"http://127.0.0.1:{port}"
    events: dict[str, object] = {}
    server = None
    try:
        cluster.start()
        cluster.create_database()
        env = {"GEOSERVICE_DATABASE_URL": cluster.url, "GEOSERVICE_DATA_DIR": str(ROOT / "geodata"),
               "GEOSERVICE_SNAPSHOT_PATH": str(WORK / f"snapshot-{os.getpid()}.json.gz")}
        server = _serve(env, args.workers, port, WORK / "gunicorn.log")
        sampler = Sampler(server.pid)
        sampler.start()
        step = args.duration / 4

        def faults() -> None:
            time.sleep(step)
            cluster.stop("fast")
            events["database_stopped_at_s"] = round(step, 1)
            time.sleep(step / 2)
            events["readyz_in_outage"] = sorted({status_of(f"{base}/readyz") for _ in range(8)})
            time.sleep(step / 2)
            victim = min(children(server.pid))
            os.kill(victim, signal.SIGKILL)
            events["worker_killed_at_s"] = round(2 * step, 1)
            time.sleep(step)
            cluster.start()
            back = time.monotonic()
            while time.monotonic() - back < 60:
                if all(status_of(f"{base}/readyz") == 200 for _ in range(2 * args.workers)):
                    events["ready_after_start_s"] = round(time.monotonic() - back, 2)
                    break
                time.sleep(0.1)

        thread = threading.Thread(target=faults, daemon=True)
        thread.start()
        load = wrk(base + "/", args.duration, args.connections, paths=paths_file)
        thread.join(timeout=90)
        sampler.stop.set()
        text = (WORK / "gunicorn.log").read_text(errors="replace")
        return {"fault": "database", "duration_s": args.duration, "connections": args.connections,
                "workers": args.workers, **load, "failures": load["non_2xx"] + load["socket_errors"],
                **events, **sampler.figures(),
                "workers_started_from_snapshot": text.count("from the snapshot"),
                "master_alive_at_end": server.poll() is None}
    finally:
        if server is not None:
            _stop(server)
        cluster.remove()


def _flooder(base: str, stop: threading.Event, answers: dict, lock: threading.Lock, n: int) -> None:
    import requests

    with requests.Session() as session:
        page = session.get(f"{base}/edit/login", headers={"Accept": "text/html"}, timeout=30).text
        token = CSRF.search(page).group(1)
        count = 0
        while not stop.is_set():
            count += 1
            forwarded = f"10.{n}.{count // 250 % 250}.{count % 250 + 1}"
            try:
                status = session.post(f"{base}/edit/login", timeout=30, allow_redirects=False,
                                      headers={"Accept": "text/html", "X-Forwarded-For": forwarded},
                                      data={"csrf_token": token, "name": uuid.uuid4().hex,
                                            "password": "x"}).status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            with lock:
                answers[str(status)] = answers.get(str(status), 0) + 1


def login_flood(args, port: int, paths_file: Path) -> dict:
    """Public requests alone, then under a flood of logins with random names from many addresses."""
    from geoservice.storage import open_store

    database = WORK / f"store-{os.getpid()}.sqlite3"
    url = f"sqlite:///{database}"
    open_store({"DATABASE_URL": url, "DATA_DIR": str(ROOT / "geodata")}, str(WORK)).dispose()
    base = f"http://127.0.0.1:{port}"
    env = {"GEOSERVICE_DATABASE_URL": url, "GEOSERVICE_DATA_DIR": str(ROOT / "geodata"),
           "GEOSERVICE_PROXY_FIX_HOPS": "1", "GEOSERVICE_TRUSTED_PROXIES": "127.0.0.1"}
    server = _serve(env, args.workers, port, WORK / "gunicorn.log")
    try:
        sampler = Sampler(server.pid)
        sampler.start()
        half = max(5, args.duration // 2)
        alone = wrk(base + "/", half, args.connections, paths=paths_file)
        baseline_rss = sampler.figures()["peak_rss_mib_max"]
        answers: dict[str, int] = {}
        lock, stop = threading.Lock(), threading.Event()
        flood = [threading.Thread(target=_flooder, args=(base, stop, answers, lock, n), daemon=True)
                 for n in range(args.flooders)]
        for thread in flood:
            thread.start()
        time.sleep(1)
        flooded = wrk(base + "/", half, args.connections, paths=paths_file)
        stop.set()
        for thread in flood:
            thread.join(timeout=60)
        sampler.stop.set()
        return {"fault": "login-flood", "duration_s": 2 * half, "connections": args.connections,
                "workers": args.workers, "flooders": args.flooders,
                "load_average": os.getloadavg()[0],
                "alone": {k: round(v, 1) for k, v in alone.items()},
                "flooded": {k: round(v, 1) for k, v in flooded.items()},
                "p99_ratio": round(flooded["p99_ms"] / alone["p99_ms"], 2) if alone["p99_ms"] else None,
                "failures": flooded["non_2xx"] + flooded["socket_errors"],
                "login_answers": dict(sorted(answers.items())),
                "peak_rss_mib_before_flood": baseline_rss, **sampler.figures(),
                "master_alive_at_end": server.poll() is None}
    finally:
        _stop(server)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)


def run(args, port: int, paths_file: Path) -> dict:
    """Run the fault `args.fault`; write and print its figures."""
    result = (database if args.fault == "database" else login_flood)(args, port, paths_file)
    (WORK / f"result-{args.fault}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result

