"""Run the benchmark: start every target on loopback, drive them with wrk, write RESULTS.md."""

from __future__ import annotations

import argparse
import base64
import json
import math
import shutil
import sys
import time
from pathlib import Path

from bench import load, machine, pygeo, report, stores
from bench.choice import Comparisons
from bench.scaling import ScaleRuns
from bench.scenarios import BENCH, SCALE_PATH, SCENARIOS, Scenario, log
from bench.servers import CANDIDATES, ROOT, Server, command, free_port, install_cleanup


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


class Bench(Comparisons, ScaleRuns):
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
