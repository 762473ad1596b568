"""Worker memory stays bounded under floods of distinct requests (not a timed test).

The production set-up (deploy/gunicorn.conf.py, 2 gthread workers, as tests/test_production.py
starts it) gets, over keep-alive connections from 8 threads:

1. 20,000 distinct `Host` headers (default configuration: any host is answered, links follow it;
   such answers are built but never kept, see geoservice/cache.py);
2. 20,000 distinct valid query strings: bbox, offset, datetime and limit variants, other
   spellings of one value and every ordering of `properties=`;
3. 2,000 spellings of `/compare`'s `from`/`to` (years, dates, date-times with offsets).

Each worker's resident memory (VmRSS of the gunicorn children) is read after a warm-up that
touches every kind of answer (the baseline), and after each flood. The bounds: every worker stays
within **baseline + 128 MiB** (BOUND_MIB): the caches' byte limits (response cache 32 MiB,
Dataset.memo 32 MiB, bodies and gzip 16 MiB each, all LRU: 96 MiB of payload) plus 32 MiB for
their keys, object headers and the allocator's slack; and the Host flood alone adds at most
**16 MiB** (HOST_BOUND_MIB), since nothing is kept for those Hosts. Measured on 2 shared cores
with the bundled data (docs/OPERATIONS.md "Hardening"): growth 23-52 MiB per worker in all, 0.3-3.6 MiB from
the Host flood; a compare flood over 2,000 *distinct* days (every page a new canonical entry)
filled the page caches and reached 96 MiB.
"""

from __future__ import annotations

import http.client
import itertools
import queue
import threading
import time
from pathlib import Path

import pytest

from tests.test_production import Gunicorn

pytestmark = pytest.mark.slow  # starts servers or external programs (tests/conftest.py)

BOUND_MIB = 128  # the caches' 96 MiB of payload + 32 MiB for keys, object headers, allocator
HOST_BOUND_MIB = 16  # answers for Hosts outside the trusted set are never kept
THREADS = 8
ITEMS = "/collections/projects/items"
FIELDS = ("title", "status", "category", "start_year", "end_year")


def rss_mib(pid: int) -> float:
    """Return a process's resident set size in MiB (VmRSS from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def flood(port: int, requests) -> dict[int, int]:
    """Send (path, headers) pairs over THREADS keep-alive connections; count the statuses."""
    work: queue.Queue = queue.Queue()
    for item in requests:
        work.put(item)
    counts: dict[int, int] = {}
    lock = threading.Lock()
    errors: list[str] = []

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        seen: dict[int, int] = {}
        while True:
            try:
                path, headers = work.get_nowait()
            except queue.Empty:
                break
            for attempt in (1, 2):
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    seen[response.status] = seen.get(response.status, 0) + 1
                    if response.getheader("Connection", "").lower() == "close":
                        conn.close()
                    break
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()  # keep-alive timed out or the worker closed: reconnect once
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    if attempt == 2:
                        errors.append(f"{path}: {exc!r}")
        conn.close()
        with lock:
            for status, n in seen.items():
                counts[status] = counts.get(status, 0) + n

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:5]
    return counts


def host_flood(n: int = 20_000):
    paths = ("/collections?f=json", "/?f=json", "/conformance?f=json", "/conformance?f=json",
             f"{ITEMS}?limit=2", "/collections/funding-areas/items/prohlis")
    for i in range(n):
        # distinct, valid host names (answered under the default configuration)
        yield paths[i % len(paths)], {"Host": f"h{i}.example:{8000 + i % 1000}"}


def query_flood(n: int = 20_000):
    orderings = [",".join(p) for r in (2, 3, 4, 5) for p in itertools.permutations(FIELDS, r)]
    for i in range(n):
        kind = i % 5
        if kind == 0:  # distinct boxes (canonical spelling: kept, up to the bounds)
            x, y = 13.70 + (i % 997) * 0.0001, 50.99 + (i // 997) * 0.0005
            path = f"{ITEMS}?bbox={x:.4f},{y:.4f},{x + 0.05:.4f},{y + 0.04:.4f}&limit=5"
        elif kind == 1:  # offsets x limits
            path = f"{ITEMS}?offset={i % 150}&limit={1 + i % 9}"
        elif kind == 2:  # datetime instants and intervals, several spellings of a day
            day = 1 + i % 28
            month = 1 + (i // 28) % 12
            year = 2000 + (i // 336) % 26
            spelled = (f"{year}-{month:02d}-{day:02d}", f"{year}-{month:02d}-{day:02d}T12:00:00Z",
                       f"{year}-{month:02d}-{day:02d}/..", f"../{year}-{month:02d}-{day:02d}")
            path = f"{ITEMS}?datetime={spelled[i % 4]}&limit=5"
        elif kind == 3:  # orderings of properties (each a whole serialization before)
            path = f"{ITEMS}?properties={orderings[i % len(orderings)]}&limit={20 + i % 20}"
        else:  # other spellings of one value, parameters in other orders
            path = f"{ITEMS}?limit=+{i % 40 + 1:03d}&offset={i % 7}"
        yield path, {}


def compare_flood(n: int = 2_000):
    """2,000 spellings of 16 comparisons: a day as a date-time at any second of it, in UTC or with
    an offset, a year with blanks around it."""
    for i in range(n):
        day, to = f"20{10 + i % 4}-06-15", 2018 + (i // 4) % 2
        seconds = i % 3600
        spelled = (f"{day}T{seconds // 600 + 8:02d}:{seconds // 60 % 10:02d}:{seconds % 60:02d}Z",
                   f"{day}T{seconds // 600 + 10:02d}:{seconds // 60 % 10:02d}:{seconds % 60:02d}%2B02:00",
                   f"%20{day[:4]}%20" + "%20" * (i % 50), day)
        yield f"/compare?from={spelled[(i // 8) % 4]}&to={to}", {}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Gunicorn(tmp_path_factory.mktemp("memory"))
    yield running
    running.stop()


def test_floods_of_distinct_requests_leave_each_worker_within_the_bound(server, record_property):
    workers = sorted(server.workers())
    assert len(workers) == 2
    # warm-up: every kind of answer once per worker (imports, pre-serialized features, folium)
    warm = [(p, {}) for p in ("/?f=json", "/openapi?f=json", "/collections?f=json", f"{ITEMS}?limit=5",
                              "/compare?from=2010&to=2020", "/compare?from=2004&to=2016",
                              f"{ITEMS}?bbox=13.7,51,13.8,51.1", f"{ITEMS}?datetime=2018",
                              "/collections/funding-areas/items/prohlis")] * 12
    assert set(flood(server.port, warm)) == {200}
    baseline = {pid: rss_mib(pid) for pid in workers}
    figures = {"baseline": baseline}
    for name, requests, statuses in (("hosts", host_flood(), {200}),
                                     ("queries", query_flood(), {200}),
                                     ("compare", compare_flood(), {200})):
        started = time.monotonic()
        counts = flood(server.port, requests)
        figures.setdefault("seconds", {})[name] = round(time.monotonic() - started, 1)
        assert set(counts) == statuses, counts
        figures[name] = {pid: rss_mib(pid) for pid in workers}
    assert sorted(server.workers()) == workers  # the same processes: none was recycled meanwhile
    seconds = figures.pop("seconds")
    grown = {pid: round(max(figures[n][pid] for n in ("hosts", "queries", "compare")) - baseline[pid], 1)
             for pid in workers}
    shown = {name: {pid: round(v, 1) for pid, v in values.items()} for name, values in figures.items()}
    record_property("rss_mib", shown)
    print("worker RSS MiB:", shown, "growth:", grown, "seconds:", seconds)
    assert all(growth <= BOUND_MIB for growth in grown.values()), (grown, shown)
    assert all(figures["hosts"][pid] - baseline[pid] <= HOST_BOUND_MIB for pid in workers), shown
