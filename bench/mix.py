"""The mixed-URL benchmark: thousands of distinct URLs, so the response cache answers none of them.

    .venv/bin/python -m bench.mix                 # ~12 min on 2 cores; appends to bench/RESULTS.md
    .venv/bin/python -m bench.mix --smoke         # seconds (tests/test_bench_smoke.py)

bench/mixurls.py draws the URLs from the real query space (fixed seed): items with random bboxes
in CRS84 and EPSG:25833, datetimes, offsets/limits, sortby and properties; single features and
area versions on a day; `/locate` points; `/changes` between years; some fact sheets; mostly
JSON, some HTML. wrk replays them (mix.lua: each wrk thread its own disjoint block, in turn)
against, under each server of `--servers` (same worker count):

  geoservice       the service (its own SQLite store of the bundled data)
  bare-flask/-wsgi the same bytes, fetched once from geoservice per URL, from a one-route Flask app
                   and a 10-line WSGI app: the limit of the stack on that server
  pygeoapi         (gunicorn) the items URLs it can answer, translated (bench/mixurls.py)

Scenarios: `mix` (every URL), `mix-gzip` (every URL with Accept-Encoding: gzip), `items-pg` (the
items URLs pygeoapi answers too), `items`, `locate`, `changes` (one kind each, for the per-kind
ratios). Targets are rotated per run and the rounds alternate, so drift hits all alike; each row
records the CPU that other processes used meanwhile (the machine may be shared) and the load
average per round. The response cache (geoservice/cache.py) keeps at most 4,096 answers and
32 MiB per worker; with more distinct URLs than that per worker between two visits of a URL, an
LRU cannot hit (in-process proof with counts: `python -m bench.profile`).
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import json
import math
import shutil
import sys
import time
from pathlib import Path

from bench import load, mixurls, pygeo
from bench.servers import ROOT, Server, available, command, free_port, install_cleanup, stop_all

BENCH = ROOT / "bench"
MARKER = "<!-- mixed-url benchmark -->"


def log(message: str) -> None:
    print(f"[mix {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.mix", description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=20_000, help="distinct URLs in the mix")
    parser.add_argument("--duration", type=int, default=5, help="seconds measured per run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", default="8,64", help="wrk connections, comma-separated")
    parser.add_argument("--kind-concurrency", type=int, default=8,
                        help="connections for the per-kind scenarios (items, locate, changes)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--servers", default="gunicorn-deploy,gunicorn-deploy-sync,granian",
                        help="servers to compare (gunicorn-deploy = deploy/gunicorn.conf.py; -sync: its sync workers)")
    parser.add_argument("--no-pygeoapi", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "geodata")
    parser.add_argument("--geoservice-root", type=Path, default=None,
                        help="measure the geoservice package in this folder (e.g. an old commit)")
    parser.add_argument("--label", default="", help="name of this run in the results heading")
    parser.add_argument("--workdir", type=Path, default=BENCH / "work" / "mix")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md",
                        help="results file: the mixed tables replace its mixed section")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--smoke", action="store_true", help="seconds-long run")
    args = parser.parse_args(argv)
    if args.smoke:
        args.urls, args.duration, args.warmup, args.rounds = 300, 1, 0, 1
        args.concurrency, args.kind_concurrency, args.threads = "2", 2, 1
        args.servers = "gunicorn-deploy"
    args.concurrency = [int(c) for c in str(args.concurrency).split(",") if c.strip()]
    args.servers = [s.strip() for s in str(args.servers).split(",") if s.strip()]
    args.json = args.json or args.workdir / "mix.json"
    return args


class Mix:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.work = args.workdir.resolve()
        self.results: dict = {"command": "python -m bench.mix " + " ".join(sys.argv[1:]),
                              "label": args.label, "rows": [], "notes": [], "rounds": [],
                              "urls": {}, "bytes": {}}

    def note(self, text: str) -> None:
        log(text)
        self.results["notes"].append(text)

    def start(self, app: str, server: str, env: dict, variant: str = "", cwd: Path | None = None) -> Server:
        port = free_port()
        env = {**env, "BENCH_RUN": str(self.work)}
        if app == "pygeoapi":
            env.update(pygeo.prepare(variant, port, self.args.data_dir, self.work))
        name = f"{app}{'-' + variant if variant else ''}@{server}"
        if app == "geoservice" and self.args.geoservice_root and cwd is None:
            cwd = self.args.geoservice_root.resolve()  # gunicorn puts its cwd first on sys.path
        srv = Server(app, server, command(app, server, port, self.args.workers), env, port,
                     self.work / "logs" / f"{name}.log", cwd=cwd or ROOT, variant=variant)
        srv.start()
        try:
            srv.wait_ready("/?f=json", 600, require_200=False)
        except (RuntimeError, TimeoutError):
            srv.stop()
            raise
        log(f"{srv.label} up on :{port} in {srv.startup_s:.1f} s")
        return srv

    def geoservice_env(self) -> dict:
        (self.work / "db").mkdir(parents=True, exist_ok=True)
        env = {"GEOSERVICE_DATA_DIR": str(self.args.data_dir.resolve()),
               "GEOSERVICE_DATABASE_URL": f"sqlite:///{self.work / 'db' / 'mix.sqlite3'}"}
        if self.args.geoservice_root:
            env["PYTHONPATH"] = str(self.args.geoservice_root.resolve())
        return env

    def record_bodies(self, geo: Server, urls: list[tuple[str, str]]) -> Path:
        """Fetch every URL once (4 at a time); all must answer 200. Store bodies for the bare apps."""
        def get(item):
            return item, load.fetch(geo.url + item[1])

        bodies, sizes = {}, {}
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            for (kind, path), got in pool.map(get, urls):
                if got["status"] != 200:
                    raise SystemExit(f"geoservice answered {got['status']} for {path}: "
                                     f"{got['body'][:300]!r}")
                bodies[path] = {"status": 200, "content_type": got["content_type"],
                                "body": base64.b64encode(got["body"]).decode("ascii")}
                sizes.setdefault(kind, []).append(got["bytes"])
        self.results["bytes"] = {k: sum(v) / len(v) for k, v in sizes.items()}
        target = self.work / "bodies.json"
        target.write_text(json.dumps(bodies), encoding="utf-8")
        return target

    def check_sample(self, srv: Server, what: str, paths: list[str], size: int = 300) -> None:
        """Fetch a sample of the list (every 1/size-th); note any answer that is not 200."""
        sample = paths[::max(1, len(paths) // size)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda p: load.fetch(srv.url + p)["status"], sample))
        bad = [(p, st) for p, st in zip(sample, statuses, strict=True) if st != 200]
        if bad:
            self.note(f"{srv.label}, {what}: {len(bad)} of a sample of {len(sample)} URLs did not "
                      f"answer 200 (first: {bad[0][0]} -> {bad[0][1]}); wrk counts them as errors")

    def measure(self, srv: Server, paths: Path, connections: int, headers: dict) -> dict:
        if self.args.warmup > 0:
            load.wrk(srv.url + "/", self.args.warmup, connections, self.args.threads,
                     paths=paths, headers=headers, blocks=True)
        before = load.cpu_snapshot(srv.pids())
        stats = load.wrk(srv.url + "/", self.args.duration, connections, self.args.threads,
                         paths=paths, headers=headers, blocks=True)
        after = load.cpu_snapshot(srv.pids())
        stats["other_cpu"] = load.other_cpu(before, after)
        stats["replaced"] = load.replaced(before, after)
        if stats["replaced"]:  # gunicorn's max_requests: a worker started during the run
            self.note(f"{srv.label}: {stats['replaced']} worker(s) recycled during a run of "
                      f"{paths.name}; its figures include a worker's start")
        return stats

    def run(self) -> int:
        args = self.args
        if shutil.which("wrk") is None:
            print("wrk is missing: run `bash bench/run.sh` (installs it)", file=sys.stderr)
            return 2
        if self.work.exists():
            shutil.rmtree(self.work)
        (self.work / "logs").mkdir(parents=True)
        started = time.time()
        self.results["started"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        urls = mixurls.make(args.data_dir, args.urls)
        kinds: dict[str, list[str]] = {}
        for kind, path in urls:
            kinds.setdefault(kind, []).append(path)
        self.results["urls"] = {k: len(v) for k, v in kinds.items()}
        servers = [s for s in args.servers if available(s)]
        for missing in set(args.servers) - set(servers):
            self.note(f"server {missing} is not installed here; skipped")
        geo_env = self.geoservice_env()
        first = self.start("geoservice", servers[0], geo_env)
        log(f"fetching {len(urls)} URLs once (bodies for the bare apps; every one must be 200)")
        bodies = self.record_bodies(first, urls)
        refs_env = {"BENCH_BODIES": str(bodies)}
        targets: dict[str, list[Server]] = {}
        for server in servers:
            geo = first if server == servers[0] else self.start("geoservice", server, geo_env)
            targets[server] = [geo, self.start("bare-flask", server, refs_env),
                               self.start("bare-wsgi", server, refs_env)]
        # per kind as many distinct URLs as the mix (other seeds), checked on a sample
        for kind in ("items", "locate", "changes"):
            kinds[kind] = [p for _k, p in mixurls.make(args.data_dir, args.urls,
                                                       mixurls.SEED + 100 + len(kind), only=kind)]
            self.check_sample(first, kind, kinds[kind])
        self.results["kind_urls"] = args.urls
        pg_items = [p for p in (mixurls.pygeoapi_path(p) for p in kinds["items"]) if p]
        pygeoapi = None
        if not args.no_pygeoapi and (pygeo.PYGEOAPI_VENV / "bin" / "python").exists():
            pygeo.convert(args.data_dir, self.work, ["GeoJSON"])
            pygeoapi = self.start("pygeoapi", "gunicorn", {}, variant="GeoJSON", cwd=self.work)
            self.check_sample(pygeoapi, "items (translated)", pg_items)
        else:
            self.note("pygeoapi skipped (not installed: bash bench/run.sh, or --no-pygeoapi)")
        ours = {p.replace("&f=json", "") for p in pg_items}
        geo_items_pg = [p for p in kinds.get("items", []) if p.replace("&f=json", "") in ours]
        files = {
            "mix": mixurls.write([p for _, p in urls], self.work / "mix.txt"),
            "items-pg": mixurls.write(geo_items_pg, self.work / "items-pg.txt"),
            "pygeoapi": mixurls.write(pg_items, self.work / "items-pygeoapi.txt"),
            **{k: mixurls.write(kinds[k], self.work / f"{k}.txt")
               for k in ("items", "locate", "changes") if kinds.get(k)},
        }
        gzip = {"Accept-Encoding": "gzip"}
        plan = []  # (scenario, connections, [(server-name, Server, paths, headers)])
        for connections in args.concurrency:
            plan.append(("mix", connections, [(s, t, files["mix"], {})
                                              for s in servers for t in targets[s]]))
            plan.append(("mix-gzip", connections, [(s, targets[s][0], files["mix"], gzip)
                                                   for s in servers]))
        pg = [("gunicorn", pygeoapi, files["pygeoapi"], {})] if pygeoapi else []
        for connections in sorted({args.kind_concurrency, *args.concurrency[:1]}):
            plan.append(("items-pg", connections,
                         [(s, targets[s][0], files["items-pg"], {}) for s in servers] + pg))
        for kind in ("items", "locate", "changes"):
            if kind in files:
                plan.append((kind, args.kind_concurrency,
                             [(s, targets[s][0], files[kind], {}) for s in servers]))
        runs = 0
        for round_no in range(args.rounds):
            with open("/proc/loadavg", encoding="ascii") as handle:
                self.results["rounds"].append({"round": round_no, "loadavg": handle.read().split()[:3]})
            for scenario, connections, entries in plan:
                shift = (round_no + runs) % len(entries)
                for server, srv, paths, headers in entries[shift:] + entries[:shift]:
                    stats = self.measure(srv, paths, connections, headers)
                    row = {"round": round_no, "scenario": scenario, "connections": connections,
                           "server": server, "app": srv.app, "target": srv.label, **stats}
                    self.results["rows"].append(row)
                    log(f"{scenario:9} c={connections:<3} {srv.label:28} {stats['rps']:8.0f} req/s "
                        f"p50 {stats['p50_ms']:6.2f} p99 {stats['p99_ms']:7.2f} ms"
                        + (f" non-2xx {stats['non_2xx']}" if stats["non_2xx"] else "")
                        + f" [other load {stats['other_cpu']:.2f}]")
                runs += 1
        stop_all()
        self.results["elapsed_s"] = time.time() - started
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(self.results, indent=1, default=str), encoding="utf-8")
        text = render(self.results)
        print(text)
        write_section(args.out, text)
        log(f"wrote {args.out} and {args.json} in {self.results['elapsed_s'] / 60:.1f} min")
        return 0


def _mean(rows: list[dict], key: str) -> float:
    values = [r[key] for r in rows]
    return sum(values) / len(values) if values else math.nan


def _median(rows: list[dict], key: str) -> float:
    values = sorted(r[key] for r in rows)
    return values[len(values) // 2] if values else math.nan


def _num(value: float, digits: int = 0) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def summary(results: dict) -> dict[tuple, dict]:
    """Return (scenario, connections, target) -> mean req/s, median p50/p99, max other load."""
    groups: dict[tuple, list[dict]] = {}
    for row in results["rows"]:
        groups.setdefault((row["scenario"], row["connections"], row["target"]), []).append(row)
    return {key: {"rps": _mean(rows, "rps"), "p50": _median(rows, "p50_ms"),
                  "p99": _median(rows, "p99_ms"), "other": max(r["other_cpu"] for r in rows),
                  "errors": sum(r["non_2xx"] + r["socket_errors"] for r in rows),
                  "server": rows[0]["server"], "app": rows[0]["app"]}
            for key, rows in groups.items()}


def production_choice(table: dict[tuple, dict]) -> str:
    """Return the production-server rule applied to the mix: the highest geometric-mean req/s of
    geoservice over the mix's connection counts, among servers whose p99 at the most connections
    is at most twice the lowest one (a server that starves some connections is no win)."""
    mix = {key: row for key, row in table.items() if key[0] == "mix" and row["app"] == "geoservice"}
    servers = sorted({row["server"] for row in mix.values()})
    if len(servers) < 2:
        return ""
    top = max(key[1] for key in mix)
    score, p99 = {}, {}
    for server in servers:
        rates = [row["rps"] for row in mix.values() if row["server"] == server]
        score[server] = math.exp(sum(math.log(max(r, 0.01)) for r in rates) / len(rates))
        p99[server] = mix[("mix", top, f"geoservice@{server}")]["p99"]
    limit = 2 * min(p99.values())
    eligible = [s for s in servers if p99[s] <= limit]
    best = max(eligible, key=score.get)
    return (f"Production-server rule on the mix: **{best}** (highest geometric-mean req/s over the "
            f"mix's connection counts among servers whose p99 at {top} connections is at most 2x the "
            "lowest): " + "; ".join(f"{s} {score[s]:,.0f} req/s, p99 {p99[s]:.1f} ms"
                                   + ("" if s in eligible else " (excluded: tail latency)")
                                   for s in servers) + ".")


def render(results: dict) -> str:
    """Return the Markdown section of one mixed run."""
    table = summary(results)
    label = f" — {results['label']}" if results.get("label") else ""
    lines = [MARKER, f"## Uncached: mixed URLs{label}", "",
             f"Run {results['started']}, `{results['command']}`: "
             + ", ".join(f"{n:,} {k}" for k, n in sorted(results["urls"].items()))
             + " distinct URLs; mean body bytes "
             + ", ".join(f"{k} {v:,.0f}" for k, v in sorted(results["bytes"].items()))
             + f"; the per-kind scenarios (items, items-pg, locate, changes) replay {results.get('kind_urls', 0):,} "
             "distinct URLs of their kind each (other seeds)"
             + ". Load average per round: "
             + "; ".join(" ".join(r["loadavg"]) for r in results["rounds"]) + ".", ""]
    lines += ["| scenario | conns | target | req/s | p50 ms | p99 ms | / bare Flask | / pygeoapi "
              "| errors | other load (cores) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for (scenario, connections, target), row in sorted(table.items()):
        flask = table.get((scenario, connections, f"bare-flask@{row['server']}"))
        if scenario == "mix-gzip":
            flask = table.get(("mix", connections, f"bare-flask@{row['server']}"))
        pyg = table.get((scenario, connections, "pygeoapi[GeoJSON]@gunicorn"))
        ratio_flask = (row["rps"] / flask["rps"]) if flask and row["app"] == "geoservice" else math.nan
        ratio_pg = (row["rps"] / pyg["rps"]) if pyg and row["app"] == "geoservice" else math.nan
        lines.append(f"| {scenario} | {connections} | {target} | {_num(row['rps'])} | "
                     f"{_num(row['p50'], 2)} | {_num(row['p99'], 1)} | {_num(ratio_flask, 2)} | "
                     f"{_num(ratio_pg, 1)} | {row['errors']} | {_num(row['other'], 2)} |")
    lines += ["", f"## Uncached: targets of issue 13{label}", "", "Ratios within the run above.", "",
              "| target | server | measured | met |", "|---|---|---|---|"]
    for server in sorted({row["server"] for row in table.values() if row["app"] == "geoservice"}):
        geo = f"geoservice@{server}"
        for connections in sorted({k[1] for k in table if k[0] == "mix"}):
            mix, flask = table.get(("mix", connections, geo)), table.get(("mix", connections, f"bare-flask@{server}"))
            gz = table.get(("mix-gzip", connections, geo))
            if mix and flask:
                ratio = mix["rps"] / flask["rps"]
                lines.append(f"| uncached mix ≥ 50 % of bare Flask, c={connections} | {server} | "
                             f"{ratio:.0%} | {'yes' if ratio >= 0.5 else 'no'} |")
            if mix and gz:
                cost = 1 - gz["rps"] / mix["rps"]
                lines.append(f"| gzip costs ≤ 25 %, c={connections} | {server} | {cost:.0%} | "
                             f"{'yes' if cost <= 0.25 else 'no'} |")
            if mix and connections == 64:
                lines.append(f"| p99 < 50 ms at 64 connections (mix) | {server} | "
                             f"{mix['p99']:.1f} ms | {'yes' if mix['p99'] < 50 else 'no'} |")
        for (scenario, connections, target), row in sorted(table.items()):
            if scenario == "items-pg" and target == geo:
                pyg = table.get((scenario, connections, "pygeoapi[GeoJSON]@gunicorn"))
                if pyg:
                    ratio = row["rps"] / pyg["rps"]
                    lines.append(f"| items ≥ 10× pygeoapi, c={connections} | {server} | "
                                 f"{ratio:.1f}× | {'yes' if ratio >= 10 else 'no'} |")
        items = next((r for (s, _c, t), r in table.items() if s == "items" and t == geo), None)
        for kind in ("locate", "changes"):
            other = next((r for (s, _c, t), r in table.items() if s == kind and t == geo), None)
            if items and other:
                slower = items["rps"] / other["rps"]
                lines.append(f"| /{kind} within 2× of an items request | {server} | "
                             f"{slower:.2f}× slower | {'yes' if slower <= 2 else 'no'} |")
    choice = production_choice(table)
    if choice:
        lines += ["", choice]
    if results["notes"]:
        lines += ["", *(f"- {note}" for note in results["notes"])]
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str) -> None:
    """Put the section into the results file: replace the one with the same heading, else append."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    heading = text.split("\n", 2)[1]
    parts = old.split(MARKER + "\n")
    kept = [parts[0].rstrip("\n") + "\n"]
    kept += [MARKER + "\n" + p for p in parts[1:] if p.split("\n", 1)[0] != heading]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(kept + [text]), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    install_cleanup()
    try:
        return Mix(args).run()
    finally:
        stop_all()


if __name__ == "__main__":
    raise SystemExit(main())
