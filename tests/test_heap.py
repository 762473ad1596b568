"""A full load of the state gives the memory it only needed while loading back to the operating
system (storage/heap.py): without it, a PostgreSQL worker at 100,000 projects stayed ~90 MiB above
what it held (bench/README.md). Measured in a process of its own on a store of 10,000 synthetic
projects: after the load, trimming the heap once more must find (almost) nothing left to give,
and Python's own allocator must not be left holding emptied pools it cannot give back (a
properties dict per feature held while the state was indexed left ~0.75 KB per feature of them:
~50 MiB at 100,000; read column by column, storage/geojson.py FeatureColumns, ~0.2 KB)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import new_database

from bench import stores, synth

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.both_stores,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")]

PROJECTS = 10_000
PROBE = """
import ctypes, gc, os, re, sys
from geoservice.storage.sql import SqlStore

def rss_mib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

def unused_pools_mib():  # pymalloc's pools with no object left, in arenas it still holds
    gc.collect()
    read, write = os.pipe()
    saved = os.dup(2)
    os.dup2(write, 2)  # sys._debugmallocstats writes to the C stream stderr
    sys._debugmallocstats()
    os.dup2(saved, 2)
    os.close(write)
    out = b""
    while chunk := os.read(read, 65536):
        out += chunk
    return int(re.search(rb"([0-9]+) unused pools", out).group(1)) * 16384 / 2**20

data = SqlStore(sys.argv[1]).load()
held = rss_mib()
ctypes.CDLL("libc.so.6").malloc_trim(0)
print(len(data.projects), held - rss_mib(), unused_pools_mib())
"""


def test_a_full_load_leaves_no_freed_memory_in_the_heap(backend, tmp_path):
    folder = synth.make_dataset(tmp_path / "data", ROOT / "geodata", PROJECTS)
    url = new_database(backend, tmp_path / "db")
    stores.preseed(url, folder, None, 300)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("GEOSERVICE_SNAPSHOT_PATH", None)  # no snapshot thread allocating meanwhile
    done = subprocess.run([sys.executable, "-c", PROBE, url], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    projects, left_mib, pools_mib = done.stdout.split()
    assert int(projects) >= PROJECTS
    assert float(left_mib) < 1.0, f"{left_mib} MiB freed by the load were still held"
    # ~2 MiB read column by column, ~7.5 MiB with a dict per feature
    assert float(pools_mib) < 4.0, f"{pools_mib} MiB of emptied pools after the load"


ARENAS = """
import ctypes, os, sys, threading
from geoservice.storage import heap

if sys.argv[1] == "limit":
    heap.limit_arenas()
start = threading.Barrier(16)

def busy():
    start.wait()
    for _ in range(2000):
        kept = [bytearray(4096) for _ in range(32)]
        del kept

threads = [threading.Thread(target=busy) for _ in range(16)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL("libc.so.6").malloc_stats()  # one "Arena N:" block per arena, on stderr
"""


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # no store here
def test_the_threads_of_a_worker_share_two_malloc_arenas(backend):
    """create_app caps glibc's arenas (storage/heap.py, before the worker's threads start):
    16 threads allocating at once use at most 2, against one each without the cap (up to 8 per
    core), unless MALLOC_ARENA_MAX says otherwise."""
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}

    def arenas(mode: str, **extra) -> int:
        done = subprocess.run([sys.executable, "-c", ARENAS, mode], cwd=ROOT, env={**env, **extra},
                              capture_output=True, text=True, timeout=120, check=True)
        return done.stderr.count("Arena ")

    assert arenas("limit") <= 2
    assert arenas("none") > 2
    assert arenas("limit", MALLOC_ARENA_MAX="4") > 2  # the operator's setting wins
