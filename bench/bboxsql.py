"""A 100-feature bbox page at 100k projects: the in-memory snapshot against SQL on PostGIS.

    .venv/bin/python -m bench.bboxsql                     # 100,000 projects, 2,000 bboxes
    .venv/bin/python -m bench.bboxsql --count 10000 --http-seconds 5

Seeds a fresh PostgreSQL database (dropped afterwards) with bench/synth.py's synthetic projects
and measures, over the same distinct ~200 m bboxes (bench/stores.py, `limit=100`), in one process
and one thread (CPU and wall time per page):

  memory  what an items request does: features.select (STRtree, once per snapshot) + the
          serialized features of the page joined (geoservice/api/features.py)
  sql     one query on the store's `records` table: the current records whose `shape` (PostGIS,
          GiST index `ix_records_shape`) meets the box, counted, the first 100 by position built
          into a GeoJSON feature list by the database (`ST_AsGeoJSON`, `json_build_object`)

and then, over HTTP, geoservice under deploy/gunicorn.conf.py with `--workers` workers on that
database, wrk replaying the bbox URLs (mix.lua) with `--connections` connections: the req/s of the
issue's target (>= 1,000 on 2 workers). Nothing is asserted; a Markdown table is printed and put
into bench/RESULTS.md (its own section).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from bench import load, stores, synth
from bench.mix import MARKER, write_section
from bench.servers import ROOT, Server, command, free_port, install_cleanup, stop_all

WORK = ROOT / "bench" / "work" / "bboxsql"

SQL = """
WITH hits AS (
  SELECT fid, position, properties, shape FROM records
  WHERE collection = 'projects' AND recorded_to IS NULL AND NOT retired
    AND ST_Intersects(shape, ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)))
SELECT (SELECT count(*) FROM hits),
       (SELECT string_agg(json_build_object('type', 'Feature', 'id', fid,
                            'geometry', ST_AsGeoJSON(shape, 7)::json,
                            'properties', properties::json)::text, ',' ORDER BY position)
        FROM (SELECT * FROM hits ORDER BY position LIMIT %(limit)s) page)
"""


def boxes(paths: Path) -> list[tuple[float, float, float, float]]:
    out = []
    for line in paths.read_text(encoding="ascii").splitlines():
        box = line.split("bbox=", 1)[1].split("&", 1)[0]
        out.append(tuple(float(v) for v in box.split(",")))
    return out


def timed(fn, items) -> dict:
    wall, cpu = [], []
    for item in items:
        w0, c0 = time.perf_counter(), time.thread_time()
        fn(item)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.thread_time() - c0)
    return {"pages_per_s": len(items) / sum(wall), "p50_ms": 1000 * statistics.median(wall),
            "p99_ms": 1000 * sorted(wall)[int(0.99 * (len(wall) - 1))],
            "cpu_ms": 1000 * sum(cpu) / len(cpu)}


def ready(pg_url: str, work: Path) -> bool:
    """Start a run on PostgreSQL: False (and why, on stderr) when it cannot be reached; else
    servers are stopped on exit and signals, geoservice is importable and `work` exists."""
    reason = stores.pg_unreachable(pg_url)
    if reason:
        print(reason, file=sys.stderr)
        return False
    install_cleanup()
    sys.path.insert(0, str(ROOT))
    work.mkdir(parents=True, exist_ok=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--pg-url", default=stores.PG_URL)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--http-seconds", type=int, default=10)
    parser.add_argument("--http-warmup", type=int, default=10,
                        help="seconds of load before measuring (features are serialized on first use)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args(argv)
    if not ready(args.pg_url, WORK):
        return 2
    import psycopg

    from geoservice.api import features
    from geoservice.domain.schema import PROJECTS
    from geoservice.storage import open_store

    folder = synth.make_dataset(WORK / f"scale-{args.count}", ROOT / "geodata", args.count)
    name = f"bench_bboxsql_{os.getpid()}"
    url = stores.pg_create(args.pg_url, name)
    rows: list[str] = []
    try:
        started = time.perf_counter()
        stores.preseed(url, folder, None, 3600)
        print(f"seeded {args.count} projects in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        store = open_store({"DATABASE_URL": url, "DATA_DIR": str(folder)}, str(WORK))
        started = time.perf_counter()
        data = store.load()
        print(f"snapshot loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        paths = stores.bbox_paths(WORK / "bboxes.txt")
        bbox_list = boxes(paths)
        limit = stores.BBOX_LIMIT

        def memory(box):
            positions = features.select(data, PROJECTS, features.Query(bbox_crs84=box))
            page = positions[:limit]
            body = b",".join(features.feature_cache(data, PROJECTS).take(page))
            return len(positions), body

        def sql(box):
            w, s, e, n = box
            return conn.execute(SQL, {"w": w, "s": s, "e": e, "n": n, "limit": limit}).fetchone()

        with psycopg.connect(url, autocommit=True) as conn:
            plan = conn.execute("EXPLAIN " + SQL, dict(zip("wsen", bbox_list[0], strict=True),
                                                       limit=limit)).fetchall()
            uses_index = any("ix_records_shape" in line[0] for line in plan)
            # same matches on both paths (first bboxes)
            for box in bbox_list[:20]:
                count, body = memory(box)
                got = sql(box)
                if got[0] != count:
                    raise SystemExit(f"different matches for {box}: memory {count}, sql {got[0]}")
            for fn in (memory, sql):  # warm: serialize the features once, fill PG's buffers
                for box in bbox_list:
                    fn(box)
            results = {"memory": timed(memory, bbox_list), "sql": timed(sql, bbox_list)}
        matched = statistics.mean(memory(b)[0] for b in bbox_list)
        # over HTTP: geoservice on this database, the production configuration
        port = free_port()
        env = {"GEOSERVICE_DATABASE_URL": url, "GEOSERVICE_DATA_DIR": str(folder)}
        srv = Server("geoservice", "gunicorn-deploy",
                     command("geoservice", "gunicorn-deploy", port, args.workers), env, port,
                     WORK / "geoservice.log")
        srv.start()
        srv.wait_ready("/?f=json", 1200, require_200=False)
        time.sleep(5)  # every worker loaded
        load.wrk(srv.url + "/", args.http_warmup, args.connections, 2, paths=paths, blocks=True)
        before = load.cpu_snapshot(srv.pids())
        http = load.wrk(srv.url + "/", args.http_seconds, args.connections, 2, paths=paths,
                        blocks=True)
        http["other_cpu"] = load.other_cpu(before, load.cpu_snapshot(srv.pids()))
        srv.stop()
    finally:
        stop_all()
        stores.pg_drop(args.pg_url, name)
    rows = [
        MARKER, "## Uncached: a 100-feature bbox page at scale, memory vs PostGIS", "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, `python -m bench.bboxsql "
        f"{' '.join(argv if argv is not None else sys.argv[1:])}`: {args.count:,} synthetic projects "
        f"on PostgreSQL/PostGIS; {len(bbox_list):,} distinct bboxes of "
        f"{stores.BBOX_SIZE[0]}° x {stores.BBOX_SIZE[1]}° (on average {matched:.0f} matches), "
        f"`limit={limit}`. The GiST index is used: {'yes' if uses_index else 'no'}.", "",
        "| path | pages/s (1 thread) | p50 ms | p99 ms | CPU ms per page (this process) |",
        "|---|---|---|---|---|",
        *(f"| {k} | {v['pages_per_s']:,.0f} | {v['p50_ms']:.2f} | {v['p99_ms']:.2f} | "
          f"{v['cpu_ms']:.2f} |" for k, v in results.items()),
        "",
        f"Over HTTP (geoservice, deploy/gunicorn.conf.py, {args.workers} workers, in-memory path, "
        f"{args.connections} connections, {args.http_seconds} s after {args.http_warmup} s of "
        f"warm-up): **{http['rps']:,.0f} req/s**, "
        f"p50 {http['p50_ms']:.2f} ms, p99 {http['p99_ms']:.1f} ms, "
        f"{http['non_2xx'] + http['socket_errors']} errors, other load {http['other_cpu']:.2f} "
        "cores.", "",
    ]
    text = "\n".join(rows)
    print(text)
    write_section(args.out, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
