"""Time travel at random past instants (`python -m bench.timetravel [--smoke]`).

A fresh SQLite store seeded from geodata/ gets `--changes` feature changes, each followed by an
account change (which leaves the features as they were); then `--requests` items requests with
`recorded=` at random instants between the seed and now go through the app (Flask's test client,
one thread), after as many requests to the current state as the reference measured in the same
run. Prints requests per second for both and their ratio (never absolute claims), and how many
distinct changes the instants resolved to.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
URL = "/collections/projects/items?limit=10&f=json"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--smoke", action="store_true", help="10 changes, 100 requests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.changes, args.requests = 10, 100

    from geoservice import create_app
    from geoservice.storage.accounts import Accounts
    from geoservice.storage.geojson import Feature
    from geoservice.storage.sql import Author, Put

    folder = Path(tempfile.mkdtemp(prefix="geoservice-timetravel-"))
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'store.sqlite3'}",
                      "DATA_DIR": str(ROOT / "geodata"), "RELOAD_INTERVAL": 3600})
    holder = app.extensions["geoservice"]
    store = holder.store
    first = datetime.now(UTC)
    fid = "bmx-anlage-prohlis"
    for n in range(args.changes):
        last = store.history("projects", fid)[-1]
        store.write(Author("bench", "Benchmark"), f"bench {n}", "update", [
            Put("projects", Feature(fid, dict(last.properties, status_note=f"Stand {n}"), last.wkb))])
        Accounts(store).add(f"konto{n}", "editor", "Benchmark", "bench")
    holder.maybe_reload(force=True)
    now = datetime.now(UTC)
    client = app.test_client()
    rng = random.Random(19)
    span = (now - first).total_seconds()
    instants = [(first + timedelta(seconds=rng.uniform(0, span))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                for _ in range(args.requests)]

    def run(urls: list[str]) -> float:
        start = time.perf_counter()
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return len(urls) / (time.perf_counter() - start)

    current = run([f"{URL}&offset={n % 50}" for n in range(args.requests)])
    past = run([f"{URL}&offset={n % 50}&recorded={instant}" for n, instant in enumerate(instants)])
    resolved = {store.change_at(datetime.fromisoformat(i.replace("Z", "+00:00"))
                                .astimezone(UTC).replace(tzinfo=None)) for i in instants}
    result = {"changes": args.changes * 2, "requests": args.requests,
              "distinct_changes_hit": len(resolved),
              "current_req_s": round(current, 1), "recorded_req_s": round(past, 1),
              "recorded_vs_current": round(past / current, 3)}
    print(result)
    holder.close()
    return result


if __name__ == "__main__":
    main()
