"""Run the benchmark: start every target on loopback, drive them with wrk, write RESULTS.md."""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import load, machine, pygeo, report, stores, synth
from bench.servers import CANDIDATES, ROOT, Server, available, command, free_port, install_cleanup

BENCH = ROOT / "bench"
BBOX = "13.795,51.005,13.805,51.012"  # centre of Prohlis, ~700 m x 780 m
SCALE_BBOX = "13.7986,51.0091,13.8014,51.0109"  # ~200 m x 200 m
SCALE_PATH = f"/collections/projects/items?bbox={SCALE_BBOX}&limit=100"


@dataclass(frozen=True)
class Scenario:
    """One URL, requested the same way from every target that serves it."""

    key: str
    title: str
    path: str
    data: bool = True  # a data scenario (targets: 85 % of bare Flask, 3x / 8x pygeoapi)
    competitors: bool = True  # pygeoapi serves it too
    accept: str = ""  # Accept header sent (none: like wrk's default)


SCENARIOS = (
    Scenario("areas-all", "all funding-area versions", "/collections/funding-areas/items"),
    Scenario("areas-at-date", "versions at 2018-06-01",
             "/collections/funding-areas/items?datetime=2018-06-01"),
    Scenario("projects-bbox", "projects in a small bbox", f"/collections/projects/items?bbox={BBOX}"),
    Scenario("project-by-id", "one project by id", "/collections/projects/items/{id}"),
    Scenario("landing", "landing page as JSON", "/?f=json"),
    # A browser asks for HTML; without Accept, `/` is the landing page as JSON.
    Scenario("home-page", "home map page (HTML)", "/", data=False, competitors=False,
             accept="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
)
CHOICE_SCENARIOS = ("areas-all", "projects-bbox", "landing")
PROVIDER_SCENARIOS = ("areas-all", "projects-bbox", "project-by-id")


def log(message: str) -> None:
    """Print a progress line (stderr, so stdout carries only the results)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--duration", type=int, default=5, help="seconds measured per run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per run (0: none)")
    parser.add_argument("--rounds", type=int, default=2, help="round-robin rounds over all targets")
    parser.add_argument("--concurrency", default="8,64", help="wrk connections, comma-separated")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="worker processes per server")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "geodata")
    parser.add_argument("--geoservice-root", type=Path, default=None,
                        help="folder holding the geoservice package to measure (default: this "
                             "checkout); e.g. a scratch copy with a proposed fix")
    parser.add_argument("--workdir", type=Path, default=BENCH / "work")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--json", type=Path, default=None, help="raw results (default workdir)")
    parser.add_argument("--production", choices=("auto", "gunicorn", *CANDIDATES), default="auto",
                        help="production server; auto = measure the candidates and pick the best")
    parser.add_argument("--provider", choices=("auto", *pygeo.PROVIDERS), default="auto",
                        help="pygeoapi provider; auto = measure them and pick the best")
    parser.add_argument("--no-pygeoapi", action="store_true")
    parser.add_argument("--scale-only", action="store_true",
                        help="only the scale curve (under --production, default gunicorn)")
    parser.add_argument("--scale", default="1000,10000,100000,1000000",
                        help="synthetic project counts for the scale curve ('' = none)")
    parser.add_argument("--startup-timeout", type=int, default=1800,
                        help="seconds a server may take to answer its first 200")
    parser.add_argument("--stores", default=",".join(stores.BACKENDS),
                        help="backends of the store scale curve, comma-separated ('' = none): "
                             "files (the last committed file store), sqlite, postgresql")
    parser.add_argument("--pg-url", default=stores.PG_URL,
                        help="PostgreSQL server for the postgresql backend (a fresh database "
                             "per size is created there and dropped)")
    parser.add_argument("--seed-timeout", type=int, default=900,
                        help="seconds a store's first start (seeding) may take; after that the "
                             "bench seeds it itself to measure the rest (see README)")
    parser.add_argument("--no-mix", action="store_true",
                        help="skip the mixed-URL (uncached) benchmark (bench/mix.py)")
    parser.add_argument("--smoke", action="store_true",
                        help="seconds-long run: 1 s, 1 connection, 1 round, no server/provider "
                             "choice, scale (and store scale) at 1k only")
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.warmup, args.rounds, args.concurrency = 1, 0, 1, "1"
        args.threads = 1
        if args.production == "auto":
            args.production = "gunicorn"
        if args.provider == "auto":
            args.provider = "GeoJSON"
        args.scale = "1000"
    args.concurrency = [int(c) for c in str(args.concurrency).split(",") if c.strip()]
    args.scale = [int(n) for n in str(args.scale).split(",") if n.strip()]
    args.stores = [b.strip() for b in str(args.stores).split(",") if b.strip()]
    unknown = [b for b in args.stores if b not in stores.BACKENDS]
    if unknown:
        parser.error(f"--stores: unknown backend(s) {', '.join(unknown)}")
    args.json = args.json or args.workdir / "results.json"
    return args


class Bench:
    """State of one benchmark run: servers, scenarios, measurements."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.work = args.workdir.resolve() / "run"
        self.data_dir = args.data_dir.resolve()
        self.results: dict = {"command": "python -m bench " + " ".join(sys.argv[1:]),
                              "settings": {k: (str(v) if isinstance(v, Path) else v)
                                           for k, v in vars(args).items()},
                              "notes": [], "startup": {}, "responses": {}, "matrix": [],
                              "server_choice": [], "provider_choice": [], "scale": [],
                              "store_scale": []}
        self.scenarios: list[Scenario] = []
        self.rows: list[dict] = []  # where shootout() appends its runs
        self.p99_scores: dict[str, float] = {}

    # -- servers ------------------------------------------------------------------------------
    def start(self, app: str, server: str, env: dict | None = None, variant: str = "",
              cwd: Path | None = None, timeout: int = 30, record: bool = True,
              ready_timeout: int | None = None) -> Server:
        """Start `app` under `server` and wait until it serves; record its start-up time.

        A server that does not come up is stopped before the error is raised.
        """
        port = free_port()
        env = {**(env or {}), "BENCH_RUN": str(self.work)}  # marks every server of this run
        if app == "pygeoapi":
            env.update(pygeo.prepare(variant, port, self.data_dir, self.work))
        name = f"{app}{'-' + variant if variant else ''}@{server}"
        if app == "geoservice" and self.args.geoservice_root and cwd is None:
            cwd = self.args.geoservice_root.resolve()  # gunicorn puts its cwd first on sys.path
        srv = Server(app, server, command(app, server, port, self.args.workers, timeout), env,
                     port, self.work / "logs" / f"{name}.log", cwd=cwd or ROOT, variant=variant)
        srv.start()
        probe = "/?f=json"
        try:
            srv.wait_ready(probe, ready_timeout or self.args.startup_timeout, require_200=False)
        except (RuntimeError, TimeoutError):
            srv.stop()
            raise
        if srv.ready_status != 200:
            srv.notes.append(f"ready probe {probe} answered {srv.ready_status}")
        if record:
            self.results["startup"][srv.label] = srv.startup_s
        log(f"{srv.label} up on :{port} in {srv.startup_s:.2f} s")
        return srv

    def geoservice_env(self, data_dir: Path | None = None, database: str | None = None) -> dict:
        """Environment of a geoservice server: its data folder and its own database.

        Default database: one SQLite file of this run (never the instance folder's, which
        another data folder may have seeded); seeded by the first server that starts on it.
        """
        if database is None:
            database = f"sqlite:///{self.work / 'db' / 'matrix.sqlite3'}"
            (self.work / "db").mkdir(parents=True, exist_ok=True)
        env = {"GEOSERVICE_DATA_DIR": str(data_dir or self.data_dir),
               "GEOSERVICE_DATABASE_URL": database}
        if self.args.geoservice_root:
            env["PYTHONPATH"] = str(self.args.geoservice_root.resolve())
        return env

    # -- scenarios ----------------------------------------------------------------------------
    def first_project_id(self) -> str:
        with open(self.data_dir / "projects.geojson", encoding="utf-8") as handle:
            feature = json.load(handle)["features"][0]
        return str(feature.get("id") or feature["properties"]["id"])

    def record_bodies(self, geoservice: Server) -> Path:
        """Fetch every scenario once from geoservice; store the bodies for the bare references."""
        project_id = self.first_project_id()
        bodies = {}
        for scenario in SCENARIOS:
            path = scenario.path.replace("{id}", project_id)
            got = load.fetch(geoservice.url + path, accept=scenario.accept)
            if got["status"] != 200:
                self.note(f"scenario {scenario.key} skipped: geoservice answered {got['status']} "
                          f"for {path}")
                continue
            self.scenarios.append(Scenario(scenario.key, scenario.title, path, scenario.data,
                                           scenario.competitors, scenario.accept))
            bodies[path] = {"status": got["status"], "content_type": got["content_type"],
                            "body": base64.b64encode(got["body"]).decode("ascii")}
        target = self.work / "bodies.json"
        target.write_text(json.dumps(bodies), encoding="utf-8")
        return target

    def check_responses(self, targets: list[Server]) -> None:
        """Fetch each scenario once from each target: status, size and what came back."""
        for srv in targets:
            for scenario in self.applicable(srv):
                got = load.fetch(srv.url + scenario.path, accept=scenario.accept)
                self.results["responses"].setdefault(scenario.key, {})[srv.label] = {
                    k: got[k] for k in ("status", "content_type", "bytes", "features")}

    def applicable(self, srv: Server) -> list[Scenario]:
        return [s for s in self.scenarios if s.competitors or srv.app != "pygeoapi"]

    def note(self, text: str) -> None:
        log(text)
        self.results["notes"].append(text)

    # -- measuring ----------------------------------------------------------------------------
    def measure(self, srv: Server, scenario: Scenario, connections: int, duration: int,
                warmup: int, paths: Path | None = None) -> dict:
        """Drive one scenario (or, with `paths`, the listed paths in turn) with wrk."""
        url = srv.url + ("/" if paths else scenario.path)
        if warmup > 0:
            load.wrk(url, warmup, connections, self.args.threads, scenario.accept, paths)
        before = load.cpu_snapshot(srv.pids())
        stats = load.wrk(url, duration, connections, self.args.threads, scenario.accept, paths)
        stats["other_cpu"] = load.other_cpu(before, load.cpu_snapshot(srv.pids()))
        log(f"{scenario.key:14} c={connections:<3} {srv.label:34} {stats['rps']:9.1f} req/s  "
            f"p50 {stats['p50_ms']:7.2f} ms  p99 {stats['p99_ms']:7.2f} ms"
            + (f"  non-2xx {stats['non_2xx']}" if stats["non_2xx"] else "")
            + (f"  [other load {stats['other_cpu']:.2f} cores]" if stats["other_cpu"] > 0.1 else ""))
        return stats

    def shootout(self, servers: list[Server], scenario_keys: tuple[str, ...],
                 concurrency: list[int]) -> dict[str, float]:
        """Short runs of a few scenarios on each server; return the geometric-mean req/s."""
        duration = max(1, self.args.duration // 2)
        warmup = min(self.args.warmup, 1)
        logs: dict[str, list[float]] = {srv.label: [] for srv in servers}
        p99s: dict[str, list[float]] = {srv.label: [] for srv in servers}
        for i, key in enumerate(scenario_keys):
            scenario = next((s for s in self.scenarios if s.key == key), None)
            if scenario is None:
                continue
            for connections in concurrency:
                for srv in servers[i % len(servers):] + servers[:i % len(servers)]:
                    stats = self.measure(srv, scenario, connections, duration, warmup)
                    # successful answers per second; a floor keeps the mean finite
                    good = stats["rps"] * (1 - stats["non_2xx"] / max(stats["requests"], 1))
                    logs[srv.label].append(math.log(max(good, 0.01)))
                    p99s[srv.label].append(math.log(max(stats["p99_ms"], 0.01)))
                    self.rows.append({"target": srv.label, "scenario": key,
                                      "connections": connections, **stats})
        self.p99_scores = {label: math.exp(sum(v) / len(v)) if v else math.inf
                           for label, v in p99s.items()}
        return {label: math.exp(sum(v) / len(v)) if v else 0.0 for label, v in logs.items()}

    # -- phases -------------------------------------------------------------------------------
    def choose_production(self, geo_gunicorn: Server) -> str:
        """Measure geoservice under each candidate server (and gunicorn); return the fastest."""
        if self.args.production != "auto":
            return self.args.production
        candidates = [name for name in CANDIDATES if available(name)]
        missing = [name for name in CANDIDATES if name not in candidates]
        if missing:
            self.note(f"server candidates that do not install/import here: {', '.join(missing)}")
        servers = [geo_gunicorn]
        for name in candidates:
            try:
                servers.append(self.start("geoservice", name, self.geoservice_env()))
            except (RuntimeError, TimeoutError) as exc:
                self.note(f"geoservice@{name} failed to start: {exc}")
        self.rows = self.results["server_choice"]
        scores = self.shootout(servers, CHOICE_SCENARIOS, self.args.concurrency)
        p99 = self.p99_scores
        # Throughput decides, but not at any price: a server whose tail latency is more than
        # twice that of plain gunicorn (e.g. an event loop starving some connections) is out.
        limit = 2 * p99[geo_gunicorn.label]
        eligible = {k: v for k, v in scores.items() if p99[k] <= limit}
        best = max(eligible, key=eligible.get)
        self.results["server_scores"] = scores
        self.results["server_p99"] = p99
        for srv in servers[1:]:
            srv.stop()
        choice = next(s.server for s in servers if s.label == best)
        self.note(f"production server: {choice}: highest geometric-mean req/s over "
                  f"{', '.join(CHOICE_SCENARIOS)} at {self.args.concurrency} connections among "
                  f"servers whose geometric-mean p99 is at most 2x gunicorn's ({limit:.1f} ms). "
                  + "; ".join(f"{k}: {v:.0f} req/s, p99 {p99[k]:.1f} ms"
                              + ("" if k in eligible else " (excluded: tail latency)")
                              for k, v in scores.items()))
        return choice

    def choose_provider(self) -> Server | None:
        """Start pygeoapi with each usable provider; keep the fastest, stop the rest."""
        if self.args.no_pygeoapi or not (pygeo.PYGEOAPI_VENV / "bin" / "python").exists():
            self.note("pygeoapi skipped (not installed or --no-pygeoapi)")
            return None
        usable = pygeo.usable_providers()
        if self.args.provider != "auto":
            usable = [p for p in usable if p == self.args.provider]
        unusable = [p for p in pygeo.PROVIDERS if p not in usable]
        if not usable:
            self.note("pygeoapi skipped: no usable provider")
            return None
        pygeo.convert(self.data_dir, self.work, usable)
        servers = []
        for provider in usable:
            try:
                servers.append(self.start("pygeoapi", "gunicorn", variant=provider, cwd=self.work))
            except (RuntimeError, TimeoutError) as exc:
                self.note(f"pygeoapi[{provider}] failed to start: {exc}")
        if not servers:
            return None
        if len(servers) == 1:
            return servers[0]
        if unusable:
            self.note(f"pygeoapi providers not measured: {', '.join(unusable)}")
        self.check_responses(servers)
        self.rows = self.results["provider_choice"]
        scores = self.shootout(servers, PROVIDER_SCENARIOS, self.args.concurrency[:1])
        self.results["provider_scores"] = scores
        best = max(scores, key=scores.get)
        for srv in servers:
            if srv.label != best:
                srv.stop()
        self.note(f"pygeoapi provider: {best} (geometric mean {scores[best]:.0f} req/s over "
                  f"{', '.join(PROVIDER_SCENARIOS)} at {self.args.concurrency[0]} connections; "
                  + ", ".join(f"{k} {v:.0f}" for k, v in scores.items()) + ")")
        return next(s for s in servers if s.label == best)

    def matrix(self, targets: list[Server]) -> None:
        """Every scenario x concurrency x target, targets rotated per run, repeated rounds."""
        runs = 0
        for round_no in range(self.args.rounds):
            for s_no, scenario in enumerate(self.scenarios):
                for connections in self.args.concurrency:
                    shift = (round_no + s_no + runs) % len(targets)
                    for srv in targets[shift:] + targets[:shift]:
                        if scenario not in self.applicable(srv):
                            continue
                        stats = self.measure(srv, scenario, connections, self.args.duration,
                                             self.args.warmup)
                        self.results["matrix"].append({
                            "round": round_no, "scenario": scenario.key, "target": srv.label,
                            "app": srv.app, "server": srv.server, "connections": connections,
                            **stats})
                    runs += 1

    def scale_sizes(self) -> list[tuple[str, Path]]:
        """Return (label, data folder) of the scale curves: the bundled data, then synthetic."""
        sizes: list[tuple[str, Path]] = [("bundled", self.data_dir)]
        for count in self.args.scale:
            log(f"generating {count} synthetic projects")
            started = time.perf_counter()
            folder = synth.make_dataset(self.args.workdir.resolve() / f"scale-{count}",
                                        self.data_dir, count)
            log(f"  ready in {time.perf_counter() - started:.1f} s")
            sizes.append((str(count), folder))
        return sizes

    def sqlite_path(self, label: str) -> Path:
        """The SQLite file of one scale size (the store curve seeds it, the scale curve reuses it)."""
        return self.work / "db" / f"sqlite-{label}.sqlite3"

    def scale(self, server: str, sizes: list[tuple[str, Path]]) -> None:
        """Start geoservice on synthetic data of growing size: start-up, bbox latency, memory.

        Each size has its own SQLite store: seeded by the store scale curve when that ran before
        (then this start is a restart), otherwise seeded by this first start.
        """
        for label, folder in sizes:
            row = {"size": label, "server": server}
            db = self.sqlite_path(label)
            row["seeded_before"] = db.exists()
            db.parent.mkdir(parents=True, exist_ok=True)
            try:
                srv = self.start("geoservice", server,
                                 self.geoservice_env(folder, f"sqlite:///{db}"),
                                 timeout=self.args.startup_timeout, record=False)
            except (RuntimeError, TimeoutError) as exc:
                self.note(f"scale {label}: geoservice did not start: {exc}")
                row["error"] = "did not start"
                self.results["scale"].append(row)
                continue
            try:
                row["startup_s"] = srv.startup_s
                got = load.fetch(srv.url + SCALE_PATH)
                row.update(status=got["status"], bytes=got["bytes"], features=got["features"])
                scenario = Scenario("scale-bbox", "bbox ~200 m, limit 100", SCALE_PATH)
                stats = self.measure(srv, scenario, 1, self.args.duration,
                                     max(self.args.warmup, 1))
                row.update({k: stats[k] for k in ("rps", "p50_ms", "p99_ms", "non_2xx")})
                row.update(srv.memory())
            finally:
                srv.stop()
            self.results["scale"].append(row)

    def store_scale(self, server: str, sizes: list[tuple[str, Path]]) -> None:
        """Per size and backend (files as last committed, sqlite, postgresql): first start and restart,
        RSS per worker after start-up and after a load of many different bboxes, that load's
        req/s and latency; ratios against "files" are computed by the report."""
        backends = list(self.args.stores)
        if not backends:
            return
        if "postgresql" in backends:
            reason = stores.pg_unreachable(self.args.pg_url)
            if reason:
                self.note(f"store scale: postgresql skipped: {reason}")
                backends.remove("postgresql")
            else:
                for name in stores.pg_drop_stale(self.args.pg_url):
                    log(f"store scale: dropped {name}, left by a run that was killed")
        paths = stores.bbox_paths(self.work / "bboxes.txt")
        self.results["store_bboxes"] = {
            "count": stores.BBOX_COUNT, "seed": stores.BBOX_SEED, "size_deg": stores.BBOX_SIZE,
            "limit": stores.BBOX_LIMIT, "connections": self.args.concurrency[0],
            "example": paths.read_text(encoding="ascii").splitlines()[0]}
        with open("/proc/loadavg", encoding="ascii") as handle:
            self.results["store_loadavg"] = handle.read().split()[:3]
        checkout = None
        with contextlib.ExitStack() as stack:
            if "files" in backends:
                try:
                    checkout, commit = stack.enter_context(
                        stores.committed_checkout(self.args.workdir, stores.file_store_revision()))
                    self.results["store_files_commit"] = commit
                    log(f"store scale: files store from {commit[:12]} in {checkout}")
                except RuntimeError as exc:
                    self.note(f"store scale: files skipped: {exc}")
                    backends.remove("files")
            for label, folder in sizes:
                for backend in backends:
                    row = self.store_row(server, backend, label, folder, paths, checkout)
                    self.results["store_scale"].append(row)
                    log("store " + report.store_summary(row, self.results["store_scale"]))

    def store_row(self, server: str, backend: str, label: str, folder: Path, paths: Path,
                  checkout: Path | None) -> dict:
        """Measure one backend on one data folder; the server is stopped again, the database of
        postgresql dropped (sqlite's file is kept for the scale curve)."""
        row: dict = {"size": label, "backend": backend, "server": server}
        cwd, pg_name = None, None
        if backend == "files":
            env = {"GEOSERVICE_DATA_DIR": str(folder), "PYTHONPATH": str(checkout)}
            cwd = checkout
        elif backend == "sqlite":
            env = self.geoservice_env(folder, stores.sqlite_reset(self.sqlite_path(label)))
        else:
            pg_name = f"bench_store_{os.getpid()}_{label}"
            env = self.geoservice_env(folder, stores.pg_create(self.args.pg_url, pg_name))
        url = env.get("GEOSERVICE_DATABASE_URL", "")
        timeout = self.args.startup_timeout if backend == "files" else self.args.seed_timeout
        try:
            # (a) the first start (the stores seed themselves from the data folder), RSS
            try:
                srv = self.start("geoservice", server, env, cwd=cwd, timeout=timeout,
                                 ready_timeout=timeout, record=False)
                row["first_s"] = srv.startup_s
                row["rss_first_mib"] = self.settled(srv)["rss_worker_max_mib"]
                srv.stop()
            except (RuntimeError, TimeoutError) as exc:
                first = str(exc).splitlines()[0]
                row["first_error"] = (f"> {timeout} s" if isinstance(exc, TimeoutError)
                                      else "failed")
                self.note(f"store scale {label} {backend}: first start: {first}")
                if backend == "files":
                    row["error"] = "did not start"
                    return row
                # seed it here (same records, faster; see stores._preseed) to measure the rest
                if backend == "sqlite":
                    stores.sqlite_reset(self.sqlite_path(label))
                else:
                    stores.pg_create(self.args.pg_url, pg_name)
                log(f"store scale {label} {backend}: seeding outside the server")
                row["preseed_s"] = stores.preseed(url, folder, self.args.geoservice_root,
                                                  max(timeout, self.args.startup_timeout))
                self.note(f"store scale {label} {backend}: seeded by the bench in "
                          f"{row['preseed_s']:.1f} s (in-memory positions) to measure the rest")
            # (a) restart on the seeded store; (b) RSS per worker after start-up
            srv = self.start("geoservice", server, env, cwd=cwd, timeout=self.args.startup_timeout,
                             record=False)
            try:
                row["restart_s"] = srv.startup_s
                memory = self.settled(srv)  # every worker loaded, not just the first to answer
                row["rss_start_mib"], row["workers"] = memory["rss_worker_max_mib"], memory["workers"]
                # the answers, to compare backends: feature ids of the first bboxes
                row["answers"] = [self.feature_ids(srv.url + p) for p in
                                  paths.read_text(encoding="ascii").splitlines()[:20]]
                # (c) many different bboxes, ~100-feature pages; (b) RSS after that load
                scenario = Scenario("store-bbox", "many bboxes ~200 m, limit 100", "/")
                stats = self.measure(srv, scenario, self.args.concurrency[0], self.args.duration,
                                     max(self.args.warmup, 1), paths=paths)
                row.update({k: stats[k] for k in ("rps", "p50_ms", "p99_ms", "non_2xx",
                                                  "socket_errors", "other_cpu")})
                row["rss_load_mib"] = srv.worker_memory()["rss_worker_max_mib"]
            finally:
                srv.stop()
        except Exception as exc:  # noqa: BLE001 - one backend failing must not end the run
            self.note(f"store scale {label} {backend}: {(str(exc) or repr(exc)).splitlines()[0]}")
            row["error"] = "did not start" if "restart_s" not in row else "failed"
        finally:
            if pg_name:
                stores.pg_drop(self.args.pg_url, pg_name)
        return row

    def settled(self, srv: Server, limit: float = 120) -> dict:
        """Wait until every worker's RSS holds still for 1 s (the first answer may come while
        another worker still loads); return the worker memory then."""
        deadline = time.monotonic() + limit
        last, still = None, 0
        while time.monotonic() < deadline:
            memory = srv.worker_memory()
            now = sorted(round(v) for v in srv.worker_rss())
            still = still + 1 if now == last and len(now) >= self.args.workers else 0
            if still >= 4:
                return memory
            last = now
            time.sleep(0.25)
        return srv.worker_memory()

    @staticmethod
    def feature_ids(url: str) -> list[str] | str:
        """Return the ids of the features one items request returns (or its status)."""
        got = load.fetch(url)
        if got["status"] != 200:
            return f"status {got['status']}"
        try:
            return [str(f.get("id")) for f in json.loads(got["body"])["features"]]
        except (ValueError, KeyError, TypeError):
            return "not a FeatureCollection"

    # -- the whole run ------------------------------------------------------------------------
    def run(self) -> int:
        args = self.args
        if shutil.which("wrk") is None:
            print("wrk is missing: run `bash bench/run.sh` (installs it) or apt-get install wrk",
                  file=sys.stderr)
            return 2
        if self.work.exists():
            shutil.rmtree(self.work)
        (self.work / "logs").mkdir(parents=True)
        started = time.time()
        self.results["machine"] = machine.describe()
        self.results["started"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")

        if args.scale_only:
            production = "gunicorn" if args.production == "auto" else args.production
            self.results["production"] = production
            self.results["scale_path"] = SCALE_PATH
            sizes = self.scale_sizes()
            self.store_scale(production, sizes[1:] if args.smoke else sizes)
            self.scale(production, sizes)
            return self.finish(started)

        geo = self.start("geoservice", "gunicorn", self.geoservice_env())
        bodies = self.record_bodies(geo)
        refs_env = {"BENCH_BODIES": str(bodies)}
        targets = [geo]
        pygeoapi = self.choose_provider()
        if pygeoapi:
            targets.append(pygeoapi)
        targets += [self.start("bare-wsgi", "gunicorn", refs_env),
                    self.start("bare-flask", "gunicorn", refs_env)]
        production = self.choose_production(geo)
        self.results["production"] = production
        if production != "gunicorn":
            targets += [self.start("geoservice", production, self.geoservice_env()),
                        self.start("bare-wsgi", production, refs_env),
                        self.start("bare-flask", production, refs_env)]
        self.results["targets"] = [t.label for t in targets]
        self.check_responses(targets)
        self.matrix(targets)
        self.results["memory_after_matrix"] = {t.label: t.memory() for t in targets}
        for srv in targets:
            srv.stop()
        self.results["scale_path"] = SCALE_PATH
        sizes = self.scale_sizes()
        self.store_scale(production, sizes[1:] if args.smoke else sizes)  # smoke: 1k only
        self.scale(production, sizes)
        code = self.finish(started)
        if not args.no_mix:
            code = code or self.mix()
        return code

    def mix(self) -> int:
        """Run the mixed-URL benchmark (bench/mix.py); its section goes into the same results file."""
        from bench import mix

        args = self.args
        argv = ["--smoke"] if args.smoke else []
        argv += ["--out", str(args.out), "--workdir", str(args.workdir.resolve() / "mix"),
                 "--workers", str(args.workers), "--data-dir", str(self.data_dir)]
        if args.geoservice_root:
            argv += ["--geoservice-root", str(args.geoservice_root)]
        if args.no_pygeoapi:
            argv.append("--no-pygeoapi")
        return mix.main(argv)

    def finish(self, started: float) -> int:
        """Write the raw JSON and RESULTS.md, print the report."""
        args = self.args
        self.results["elapsed_s"] = time.time() - started

        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(self.results, indent=1, default=str), encoding="utf-8")
        text = report.render(self.results)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(text)
        log(f"wrote {args.out} and {args.json} in {self.results['elapsed_s'] / 60:.1f} min")
        return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark with command-line options; return the exit status."""
    args = parse_args(argv)
    install_cleanup()
    try:
        return Bench(args).run()
    finally:
        from bench.servers import stop_all

        stop_all()
