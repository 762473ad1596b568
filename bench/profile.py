"""Profile the uncached path in-process: many distinct URLs through Flask's test client.

    .venv/bin/python -m bench.profile                    # 10,000 URLs, pyinstrument summary
    .venv/bin/python -m bench.profile --urls 2000 --html bench/work/profile.html

The service runs on its own SQLite store under bench/work/profile/ (seeded from geodata/). Every
URL of bench/mixurls.py is requested once (a first pass warms imports and per-snapshot caches on
a different seed), each answer must be 200, and the response cache in front of Flask is checked
to have answered none of them (its hits are counted). Printed: CPU time per request by kind
(thread time: other load on a shared machine does not count), then pyinstrument's summary of
where the time went (own time per library, and the top call paths).
"""

from __future__ import annotations

import argparse
import collections
import shutil
import sys
import time
from pathlib import Path

from bench import mixurls

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "profile"

LIBRARIES = (("pandas", "/pandas/"), ("geopandas", "/geopandas/"), ("shapely", "/shapely/"),
             ("numpy", "/numpy/"), ("pyproj", "/pyproj/"), ("werkzeug", "/werkzeug/"),
             ("flask", "/flask/"), ("jinja2", "/jinja2/"), ("json/orjson", "/json/"),
             ("gzip/zlib", "/gzip.py"), ("sqlalchemy", "/sqlalchemy/"),
             ("geoservice", "/geoservice/"))


def make_app(geoservice_root: Path | None = None):
    """Return the service on a fresh SQLite store of the bundled data (in this process)."""
    if geoservice_root:
        sys.path.insert(0, str(geoservice_root.resolve()))
    from geoservice import create_app

    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    return create_app({"DATABASE_URL": f"sqlite:///{WORK / 'store.sqlite3'}",
                       "DATA_DIR": str(ROOT / "geodata"), "RELOAD_INTERVAL": 3600})


class CountingApp:
    """WSGI wrapper counting the requests that reach Flask (those the response cache missed)."""

    def __init__(self, app):
        self.app, self.calls = app, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


def run(client, urls: list[tuple[str, str]], gzip: bool) -> dict[str, list[float]]:
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    times: dict[str, list[float]] = collections.defaultdict(list)
    for kind, path in urls:
        started = time.thread_time()  # CPU time: other load on a shared machine does not count
        response = client.get(path, headers=headers)
        times[kind].append(time.thread_time() - started)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}: {response.data[:300]!r}")
    return times


def own_time(session) -> tuple[dict[str, float], dict[str, float]]:
    """Return seconds of own (leaf) time per library and per function from a pyinstrument session."""
    totals: dict[str, float] = collections.Counter()
    functions: dict[str, float] = collections.Counter()

    def walk(frame, path: str, function: str):
        if frame.file_path:  # pyinstrument's "[self]" frames have none: their parent's
            path = frame.file_path
            function = f"{frame.function} ({'/'.join(path.split('/')[-2:])}:{frame.line_no})"
        if not frame.children:
            name = next((lib for lib, part in LIBRARIES if part in path), "other")
            totals[name] += frame.time
            functions[function] += frame.time
        for child in frame.children:
            walk(child, path, function)

    walk(session.root_frame(), "", "")
    return dict(totals), dict(functions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=10_000)
    parser.add_argument("--gzip", action="store_true", help="send Accept-Encoding: gzip")
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML report here")
    parser.add_argument("--geoservice-root", type=Path)
    args = parser.parse_args(argv)

    from pyinstrument import Profiler

    app = make_app(args.geoservice_root)
    counter = CountingApp(app.wsgi_app.app)  # inside the response cache
    app.wsgi_app.app = counter
    client = app.test_client()
    warm = mixurls.make(ROOT / "geodata", 2000, seed=mixurls.SEED + 1)
    run(client, warm, args.gzip)  # imports, per-snapshot caches
    seen = set(warm)
    urls = [url for url in mixurls.make(ROOT / "geodata", args.urls) if url not in seen]
    counter.calls = 0
    profiler = Profiler(interval=0.0005)
    profiler.start()
    started = time.thread_time()
    times = run(client, urls, args.gzip)
    elapsed = time.thread_time() - started
    session = profiler.stop()
    print(f"{len(urls)} distinct URLs in {elapsed:.2f} s CPU (profiler running): "
          f"{len(urls) / elapsed:.0f} req/s in one thread; {counter.calls} reached Flask, "
          f"{len(urls) - counter.calls} answered by the response cache")
    print("\n| kind | requests | share of requests | share of CPU time | CPU ms per request |")
    print("|---|---|---|---|---|")
    total = sum(sum(v) for v in times.values())
    for kind, values in sorted(times.items(), key=lambda kv: -sum(kv[1])):
        print(f"| {kind} | {len(values)} | {len(values) / len(urls):.0%} | "
              f"{sum(values) / total:.0%} | {1000 * sum(values) / len(values):.2f} |")
    print("\n| library (own time) | share |")
    print("|---|---|")
    own, functions = own_time(session)
    whole = sum(own.values()) or 1
    for name, seconds in sorted(own.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {seconds / whole:.0%} |")
    print("\n| function (own time) | share |")
    print("|---|---|")
    for name, seconds in sorted(functions.items(), key=lambda kv: -kv[1])[:25]:
        print(f"| {name} | {seconds / whole:.1%} |")
    print()
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(profiler.output_html(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
