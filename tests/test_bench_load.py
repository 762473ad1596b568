"""The bench's CPU accounting (bench/load.py): a server worker recycled during a run (gunicorn's
max_requests) took its whole CPU out of the server's sum, and the mixed bench reported 22.7
cores of "other load" on a 2-core machine."""

from __future__ import annotations

import os
import subprocess
import sys

from bench import load


def _snapshot(at: float, busy: float, pids: dict[int, float]) -> dict:
    return {"at": at, "busy": busy, "server": sum(pids.values()), "pids": pids,
            "children": 0.0, "self": 0.0}


def test_a_recycled_worker_does_not_count_as_other_load():
    # worker 11 had used 50 s before the run and exits; worker 13 starts and uses 0.8 s; the
    # other worker (12) uses 1.0 s; the machine was busy 2.0 s in a 1 s run: nothing else ran
    before = _snapshot(0.0, 100.0, {11: 50.0, 12: 40.0})
    after = _snapshot(1.0, 102.0, {12: 41.0, 13: 0.8})
    assert load.replaced(before, after) == 1
    assert abs(load.server_cpu(before, after) - 1.8) < 1e-9
    assert abs(load.other_cpu(before, after) - 0.2) < 1e-9  # what 11 used before it exited
    assert load.other_cpu(_snapshot(0.0, 100.0, {12: 40.0}),
                          _snapshot(1.0, 101.5, {12: 41.0})) == 0.5  # another process: 0.5 cores


def test_a_snapshot_reads_each_process():
    child = subprocess.Popen([sys.executable, "-c", "sum(range(3 * 10**7))"])
    try:
        child.wait(timeout=60)
    finally:
        child.kill()
    snap = load.cpu_snapshot([os.getpid(), child.pid])
    assert set(snap["pids"]) == {os.getpid()}  # the exited child cannot be read
    assert snap["pids"][os.getpid()] > 0 and snap["server"] == snap["pids"][os.getpid()]
