"""geoservice and tipg side by side: 100-feature bbox pages on the same PostGIS data (issue 20).

    .venv/bin/python -m bench.tipg --count 100000 [--duration 20] [--rounds 2] [--json FILE]
    .venv/bin/python -m bench.tipg --count 1000 --duration 5 --rounds 1 --warmup 3   # a try

One fresh PostgreSQL database (`bench_tipg_<pid>`, dropped on exit, Ctrl-C and SIGTERM) is seeded
with `--count` synthetic projects (bench/synth.py) by geoservice's own store (bench/stores.py
`preseed`: migrations + `seed`). tipg (bench/.venv-tipg, bench/requirements-tipg.txt) publishes
a table made from the store's current project records in that database:

  tipg_projects  one row per current project record of the store (`records` with
                 collection = 'projects', recorded_to IS NULL, NOT retired): `id` (the feature
                 id, primary key), one column per property of geoservice's PROJECTS schema (text;
                 integer for start_year/end_year, from the record's JSON `properties`) and `geom`
                 (the record's `shape`, geometry(Geometry, 4326)), a GiST index on `geom`, ANALYZEd

geoservice (deploy/gunicorn.conf.py) and tipg (gunicorn with uvicorn workers, as tipg's
Dockerfile runs it, uvloop and httptools installed) each run `--workers` worker processes on
that database. The first 20 bboxes are requested from both: the feature ids (as sets), their
order, numberMatched, properties and coordinates are compared. Then wrk (`--connections`, 2
threads, mix.lua: each thread replays its own block of the list) requests the same 2,000 bboxes
of bench/stores.py (`limit=100`) from each target: geoservice, tipg, and geoservice-uncached (the
same bboxes spelled so that geoservice's response cache keeps nothing; `--no-uncached` leaves it
out). A warm-up per target, then `--duration` seconds per target and round, the targets rotated
each round. Reported: req/s, p50, p99 per target and round, the ratios to tipg, the CPU of each
target (its PostgreSQL backends included) and of each worker, the CPU other processes used (the
machine may be shared), and the RSS of each worker after start (once it holds still for 1 s) and
after the load. A Markdown table is printed, the figures written as JSON (`--json`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import bboxsql, load, stores, synth
from bench.servers import ROOT, TIPG_VENV, Server, command, free_port, stop_all

WORK = ROOT / "bench" / "work" / "tipg"
TABLE = "tipg_projects"
COLLECTION = f"public.{TABLE}"  # tipg's collection id: schema.table
GEOSERVICE_ITEMS = "/collections/projects/items"
TIPG_ITEMS = f"/collections/{COLLECTION}/items"
SQL_TYPES = {"string": "text", "integer": "integer"}
CHECKED = 20  # the first bboxes whose answers are compared


def publish_sql() -> list[str]:
    """Return the statements that make `tipg_projects` from the store's current project records.

    The columns follow geoservice's PROJECTS schema (fields and their types), so both servers
    publish the same properties of the same rows."""
    from geoservice.domain.schema import PROJECTS

    columns = [f for f in PROJECTS.fields if f != "id"]
    typed = ", ".join(f'"{f}" {SQL_TYPES[PROJECTS.types[f]]}' for f in columns)
    values = ", ".join(f"(p ->> '{f}')::{SQL_TYPES[PROJECTS.types[f]]}" for f in columns)
    return [
        f'CREATE TABLE {TABLE} (id text PRIMARY KEY, {typed}, geom geometry(Geometry, 4326) NOT NULL)',
        f"INSERT INTO {TABLE} SELECT fid, {values}, shape FROM "
        "(SELECT fid, position, shape, CAST(properties AS jsonb) AS p FROM records "
        f"WHERE collection = '{PROJECTS.name}' AND recorded_to IS NULL AND NOT retired) AS current "
        "ORDER BY position",
        f"CREATE INDEX {TABLE}_geom ON {TABLE} USING gist (geom)",
        f"ANALYZE {TABLE}",
    ]


def uncached(line: str) -> str:
    """The same request with the bbox numbers spelled with a trailing zero: the same values, not
    geoservice's canonical spelling, so neither its response cache nor its memo keeps the answer
    (geoservice/cache.py)."""
    head, rest = line.split("bbox=", 1)
    box, tail = rest.split("&", 1)
    numbers = ",".join(v + ("0" if "." in v else ".0") for v in box.split(","))
    return f"{head}bbox={numbers}&{tail}"


def tipg_bbox_sql(box: tuple[float, ...]) -> str:
    """tipg's WHERE clause for `bbox=` (collections.py: cql2 s_intersects with a polygon)."""
    w, s, e, n = box
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    polygon = json.dumps({"type": "Polygon", "coordinates": [ring]}, separators=(",", ":"))
    return f"st_intersects(geom, st_geomfromgeojson('{polygon}'))"


def tipg_command(port: int, workers: int) -> list[str]:
    """tipg as its Dockerfile starts it: gunicorn with uvicorn workers."""
    return [str(TIPG_VENV / "bin" / "python"), "-m", "gunicorn", "-k", "uvicorn_worker.UvicornWorker",
            "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
            "--timeout", "30", "tipg.main:app"]


def tipg_env(url: str) -> dict[str, str]:
    """tipg's settings: the database, only our table, no catalog lookups beyond it."""
    return {"DATABASE_URL": url, "TIPG_DB_SCHEMAS": '["public"]',
            "TIPG_DB_TABLES": json.dumps([COLLECTION]), "TIPG_DB_FUNCTIONS": "[]"}


def backends(conn, database: str) -> list[int]:
    """Return the process ids of the PostgreSQL backends on `database` (but `conn`'s own)."""
    return [row[0] for row in conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        (database,))]


def installed(package: str) -> str:
    """Return the version of a package in the tipg venv ('?' if it is missing)."""
    done = subprocess.run([str(TIPG_VENV / "bin" / "python"), "-c",
                           f"import importlib.metadata as m; print(m.version('{package}'))"],
                          capture_output=True, text=True, timeout=60)
    return done.stdout.strip() or "?"


def page(url: str) -> dict:
    """GET one items page: status, content type, numberMatched and {id: (properties, geometry)}."""
    got = load.fetch(url)
    out = {"status": got["status"], "content_type": got["content_type"], "bytes": got["bytes"], "ids": [],
           "features": {}, "matched": None}
    if got["status"] != 200:
        return out
    doc = json.loads(got["body"])
    out["matched"] = doc.get("numberMatched")
    for feature in doc.get("features", []):
        fid = str(feature.get("id"))
        out["ids"].append(fid)
        out["features"][fid] = (feature.get("properties") or {}, feature.get("geometry"))
    return out


def _rounded(value):
    if isinstance(value, float):
        return round(value, 7)
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def compare(geo: Server, tipg: Server, geo_paths: list[str], tipg_paths: list[str]) -> dict:
    """Request the same bboxes from both; return what is equal and what differs."""
    out = {"bboxes": len(geo_paths), "same_ids": 0, "same_order": 0, "same_matched": 0,
           "features": 0, "property_differences": {}, "geometry_differences": 0, "details": [],
           "bytes_geoservice": 0, "bytes_tipg": 0}
    for geo_path, tipg_path in zip(geo_paths, tipg_paths, strict=True):
        a, b = page(geo.url + geo_path), page(tipg.url + tipg_path)
        out["bytes_geoservice"] += a["bytes"]
        out["bytes_tipg"] += b["bytes"]
        if a["status"] != 200 or b["status"] != 200:
            out["details"].append(f"{geo_path}: status geoservice {a['status']}, tipg {b['status']}")
            continue
        if set(a["ids"]) == set(b["ids"]):
            out["same_ids"] += 1
        else:
            out["details"].append(
                f"{geo_path}: ids only in geoservice {sorted(set(a['ids']) - set(b['ids']))[:5]}, "
                f"only in tipg {sorted(set(b['ids']) - set(a['ids']))[:5]}")
        out["same_order"] += a["ids"] == b["ids"]
        out["same_matched"] += a["matched"] == b["matched"]
        if a["matched"] != b["matched"]:
            out["details"].append(f"{geo_path}: numberMatched geoservice {a['matched']}, "
                                  f"tipg {b['matched']}")
        for fid in set(a["ids"]) & set(b["ids"]):
            (pa, ga), (pb, gb) = a["features"][fid], b["features"][fid]
            out["features"] += 1
            for key in sorted(set(pa) | set(pb)):
                if key not in pa or key not in pb or pa[key] != pb[key]:
                    what = ("only in geoservice" if key not in pb else
                            "only in tipg" if key not in pa else "different value")
                    label = f"{key}: {what}"
                    out["property_differences"][label] = out["property_differences"].get(label, 0) + 1
            if (ga or {}).get("type") != (gb or {}).get("type") or \
                    _rounded((ga or {}).get("coordinates")) != _rounded((gb or {}).get("coordinates")):
                out["geometry_differences"] += 1
        out.setdefault("content_types", sorted({a["content_type"], b["content_type"]}))
    return out


def publish(url: str, box: tuple[float, ...]) -> dict:
    """Make tipg's table in the seeded database; return its rows, seconds and index use."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        for statement in publish_sql():
            conn.execute(statement)
        out = {"table_s": time.perf_counter() - started,
               "table_rows": conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]}
        # tipg's two queries per page (count, then the page ordered by the primary key), with
        # its bbox filter as tipg 1.6 writes it (cql2: a GeoJSON polygon literal)
        where = tipg_bbox_sql(box)
        out["table_gist_used"] = all(
            any(f"{TABLE}_geom" in line[0] for line in conn.execute("EXPLAIN " + query))
            for query in (f"SELECT count(*) FROM {TABLE} WHERE {where}",
                          f"SELECT id FROM {TABLE} WHERE {where} ORDER BY id LIMIT {stores.BBOX_LIMIT}"))
    return out


def start(srv: Server, ready: str, workers: int) -> dict:
    """Start a target, wait for its answer and every worker's RSS to hold still; return both."""
    srv.start()
    srv.wait_ready(ready, 1200)
    srv.settled(workers)
    info = {"startup_s": srv.startup_s, "rss_start_mib": sorted(srv.worker_rss()),
            "workers_start": sorted(p for p in srv.pids() if p != srv.proc.pid)}
    print(f"{srv.label}: ready in {srv.startup_s:.1f} s, workers' RSS "
          f"{_mib(info['rss_start_mib'])} MiB", file=sys.stderr)
    return info


def measure(targets: dict[str, tuple[Server, Path]], args, url: str, database: str,
            runs: list[dict]) -> None:
    """Warm each target up, then `--rounds` rounds of wrk, the targets rotated each round; each
    run is appended to `runs` as it ends (a run that fails leaves the earlier ones)."""
    import psycopg

    for srv, lines in targets.values():
        if args.warmup:
            load.wrk(srv.url + "/", args.warmup, args.connections, 2, paths=lines, blocks=True)
    names = list(targets)
    with psycopg.connect(url, autocommit=True) as monitor:
        for round_no in range(args.rounds):
            shift = round_no % len(names)
            for app in names[shift:] + names[:shift]:
                srv, lines = targets[app]
                if srv.proc.poll() is not None:  # e.g. killed by someone else on a shared machine
                    raise RuntimeError(f"{srv.label} exited with {srv.proc.returncode} before round "
                                       f"{round_no + 1} of {app}; see {srv.log_path}")
                loadavg = os.getloadavg()[0]
                # the target's CPU includes the database's: every backend on the bench database
                # (the other server's idle ones add nothing)
                db_pids = backends(monitor, database)
                workers = [p for p in srv.pids() if p != srv.proc.pid]
                before, db_before = load.cpu_snapshot(srv.pids() + db_pids), load.cpu_snapshot(db_pids)
                each_before = [load.cpu_snapshot([p])["server"] for p in workers]
                stats = load.wrk(srv.url + "/", args.duration, args.connections, 2, paths=lines,
                                 blocks=True)
                after, db_after = load.cpu_snapshot(srv.pids() + db_pids), load.cpu_snapshot(db_pids)
                each_after = [load.cpu_snapshot([p])["server"] for p in workers]
                seconds = after["at"] - before["at"]
                stats.update(round=round_no + 1, target=app, loadavg_1m=loadavg,
                             other_cpu=load.other_cpu(before, after),
                             target_cpu=load.server_cpu(before, after) / seconds,
                             db_cpu=load.server_cpu(db_before, db_after) / seconds,
                             # how the load fell on the workers (an event loop may accept most
                             # connections in one worker)
                             worker_cpu=sorted(((a - b) / seconds for a, b in zip(each_after, each_before,
                                                                                 strict=True)),
                                               reverse=True))
                runs.append(stats)
                print(f"round {round_no + 1} {app}: {stats['rps']:,.0f} req/s, p99 "
                      f"{stats['p99_ms']:.1f} ms", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="synthetic projects")
    parser.add_argument("--duration", type=int, default=20, help="seconds per target and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=10,
                        help="seconds of load per target before the rounds (geoservice serializes "
                             "features on first use, PostgreSQL fills its buffers)")
    parser.add_argument("--no-uncached", dest="uncached", action="store_false",
                        help="leave out the target geoservice-uncached (the same bboxes spelled so "
                             "that geoservice's response cache keeps nothing)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg-url", default=stores.PG_URL)
    parser.add_argument("--json", type=Path, default=WORK / "result.json", help="where the figures go")
    args = parser.parse_args(argv)
    if not (TIPG_VENV / "bin" / "python").exists():
        print(f"{TIPG_VENV} is missing: bash bench/run.sh --help installs it, or "
              f"python3 -m venv {TIPG_VENV} && {TIPG_VENV}/bin/pip install -r "
              "bench/requirements-tipg.txt", file=sys.stderr)
        return 2
    if not bboxsql.ready(args.pg_url, WORK):
        return 2
    for name in stores.pg_drop_stale(args.pg_url, "bench_tipg_"):
        print(f"dropped {name}, left by a killed run", file=sys.stderr)
    folder = synth.make_dataset(WORK / f"scale-{args.count}", ROOT / "geodata", args.count)
    paths = stores.bbox_paths(WORK / "bboxes.txt")
    geo_lines = paths.read_text(encoding="ascii").splitlines()
    tipg_lines = [line.replace(GEOSERVICE_ITEMS + "?", TIPG_ITEMS + "?", 1) for line in geo_lines]
    tipg_paths = WORK / "bboxes-tipg.txt"
    tipg_paths.write_text("\n".join(tipg_lines) + "\n", encoding="ascii")
    uncached_lines = [uncached(line) for line in geo_lines]
    uncached_paths = WORK / "bboxes-uncached.txt"
    uncached_paths.write_text("\n".join(uncached_lines) + "\n", encoding="ascii")

    name = f"bench_tipg_{os.getpid()}"
    snapshot = WORK / f"snapshot-{name}.json.gz"  # geoservice's, not the instance folder's
    result: dict = {"count": args.count, "workers": args.workers, "connections": args.connections,
                    "duration_s": args.duration, "warmup_s": args.warmup, "rounds": args.rounds,
                    "bboxes": len(geo_lines), "bbox_size_deg": stores.BBOX_SIZE,
                    "limit": stores.BBOX_LIMIT,
                    "packages": {p: installed(p) for p in ("tipg", "uvicorn", "uvicorn-worker",
                                                           "gunicorn", "uvloop", "httptools")}}
    try:
        url = stores.pg_create(args.pg_url, name)
        started = time.perf_counter()
        stores.preseed(url, folder, None, 3600)
        result["seed_s"] = time.perf_counter() - started
        print(f"seeded {args.count:,} projects in {result['seed_s']:.0f} s", file=sys.stderr)
        result.update(publish(url, bboxsql.boxes(paths)[0]))
        print(f"{TABLE}: {result['table_rows']:,} rows in {result['table_s']:.1f} s", file=sys.stderr)

        port = free_port()
        geo = Server("geoservice", "gunicorn-deploy",
                     command("geoservice", "gunicorn-deploy", port, args.workers),
                     {"GEOSERVICE_DATABASE_URL": url, "GEOSERVICE_DATA_DIR": str(folder),
                      "GEOSERVICE_SNAPSHOT_PATH": str(snapshot)}, port, WORK / "geoservice.log")
        port = free_port()
        # its own working folder: tipg's settings also read a `.env` file there
        tipg = Server("tipg", "gunicorn-uvicorn", tipg_command(port, args.workers), tipg_env(url),
                      port, WORK / "tipg.log", cwd=WORK)
        result["geoservice"] = start(geo, "/?f=json", args.workers)
        result["tipg"] = start(tipg, f"/collections/{COLLECTION}", args.workers)
        result["compared"] = compare(geo, tipg, geo_lines[:CHECKED], tipg_lines[:CHECKED])
        print(f"first {CHECKED} bboxes: same ids {result['compared']['same_ids']}/{CHECKED}",
              file=sys.stderr)
        targets = {"geoservice": (geo, paths), "tipg": (tipg, tipg_paths)}
        if args.uncached:
            result["compared_uncached"] = compare(geo, tipg, uncached_lines[:CHECKED], tipg_lines[:CHECKED])
            targets["geoservice-uncached"] = (geo, uncached_paths)
        result["runs"] = []
        measure(targets, args, url, name, result["runs"])
        for srv in (geo, tipg):
            result[srv.app]["rss_load_mib"] = sorted(srv.worker_rss())
            result[srv.app]["workers_end"] = sorted(p for p in srv.pids() if p != srv.proc.pid)
            srv.stop()
    except Exception as exc:  # report what was measured before the failure, then fail
        result["error"] = f"{type(exc).__name__}: {exc}"
        if not result.get("runs"):
            raise
        for srv in (geo, tipg):
            if srv.proc.poll() is None:
                result[srv.app]["rss_load_mib"] = sorted(srv.worker_rss())
    finally:
        stop_all()
        stores.pg_drop(args.pg_url, name)
        for left in WORK.glob(f"{snapshot.name}*"):  # the file and its lock
            left.unlink(missing_ok=True)
    text = report(result, argv if argv is not None else sys.argv[1:])
    print(text)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"figures: {args.json}", file=sys.stderr)
    return 1 if "error" in result else 0


def _mib(values: list[float]) -> str:
    return " / ".join(f"{v:.0f}" for v in values) or "–"


def report(result: dict, argv: list[str]) -> str:
    """The run as Markdown: per round and target, the ratios, memory, what the answers showed."""
    runs = result["runs"]
    by = {(r["round"], r["target"]): r for r in runs}
    lines = [
        f"geoservice vs tipg {result['packages']['tipg']}, `python -m bench.tipg {' '.join(argv)}`, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {result['count']:,} synthetic projects "
        f"on PostGIS, {result['bboxes']:,} bboxes of {result['bbox_size_deg'][0]}° x "
        f"{result['bbox_size_deg'][1]}°, `limit={result['limit']}`, {result['connections']} connections, "
        f"{result['workers']} workers each, {result['duration_s']} s per target and round after "
        f"{result['warmup_s']} s of warm-up.", "",
        "| round | target | req/s | p50 ms | p99 ms | errors | target CPU (cores), of which PostgreSQL "
        "| per worker (cores) | other load (cores) | load avg 1 min |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(f"| {r['round']} | {r['target']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | "
                     f"{r['p99_ms']:.1f} | {r['non_2xx'] + r['socket_errors']} | "
                     f"{r['target_cpu']:.2f}, {r['db_cpu']:.2f} | "
                     f"{' / '.join(f'{v:.2f}' for v in r['worker_cpu'])} | {r['other_cpu']:.2f} | "
                     f"{r['loadavg_1m']:.1f} |")
    lines += ["", "| round | geoservice target | req/s geoservice / tipg | p99 tipg / geoservice |",
              "|---|---|---|---|"]
    for round_no in range(1, result["rounds"] + 1):
        t = by.get((round_no, "tipg"))
        for target in ("geoservice", "geoservice-uncached"):
            g = by.get((round_no, target))
            if g and t and t["rps"] and g["p99_ms"]:
                lines.append(f"| {round_no} | {target} | {g['rps'] / t['rps']:.1f} | "
                             f"{t['p99_ms'] / g['p99_ms']:.1f} |")
    if "error" in result:
        lines += ["", f"**The run failed** after the rows above: {result['error']}"]
    lines += ["", "| target | RSS per worker after start MiB | after the load MiB | start-up s |",
              "|---|---|---|---|"]
    for app in ("geoservice", "tipg"):
        info = result[app]
        restarted = "" if info.get("workers_end", info["workers_start"]) == info["workers_start"] \
            else " (workers replaced)"
        lines.append(f"| {app} | {_mib(info['rss_start_mib'])} | {_mib(info.get('rss_load_mib', []))}{restarted} | "
                     f"{info['startup_s']:.1f} |")
    lines.append("")
    for key, label in (("compared", "geoservice"), ("compared_uncached", "geoservice-uncached")):
        c = result.get(key)
        if not c:
            continue
        diffs = "; ".join(f"{k} ({v})" for k, v in c["property_differences"].items()) or "none"
        lines += [f"Same answers, {label} and tipg (first {c['bboxes']} bboxes): same feature ids "
                  f"{c['same_ids']}/{c['bboxes']}, in the same order {c['same_order']}/{c['bboxes']}, "
                  f"same numberMatched {c['same_matched']}/{c['bboxes']}; of {c['features']} features "
                  f"compared, property differences: {diffs}; geometries differing: "
                  f"{c['geometry_differences']}. Mean page: {c['bytes_geoservice'] / c['bboxes'] / 1024:.1f} "
                  f"KiB from geoservice, {c['bytes_tipg'] / c['bboxes'] / 1024:.1f} KiB from tipg.", ""]
        lines += [f"- {d}" for d in c["details"][:10]]
    lines.append(f"tipg serves `{TABLE}` ({result['table_rows']:,} rows, GiST index used by both of its "
                 f"queries: {'yes' if result['table_gist_used'] else 'no'}) with "
                 + ", ".join(f"{k} {v}" for k, v in result["packages"].items()) + ".")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:  # the servers are stopped and the database dropped by then
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None
