"""Drive a URL with wrk (stats.lua prints the summary as JSON) and fetch single responses."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

LUA = Path(__file__).resolve().parent / "stats.lua"
PATHS_LUA = LUA.with_name("paths.lua")
MIX_LUA = LUA.with_name("mix.lua")
MARK = "BENCH_JSON "


def wrk(url: str, seconds: int, connections: int, threads: int = 2, accept: str = "",
        paths: Path | None = None, headers: dict[str, str] | None = None,
        blocks: bool = False) -> dict:
    """Run wrk against `url`; return rps, latency percentiles (ms) and error counts.

    With `paths` (a file of URL paths, one per line) wrk requests those in turn on `url`'s
    host (paths.lua) instead of `url` itself; with `blocks` each wrk thread replays its own
    disjoint block of them (mix.lua). `headers` are sent with every request.
    """
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"refusing to load anything but loopback: {url}")
    threads = max(1, min(threads, connections))
    script = (MIX_LUA if blocks else PATHS_LUA) if paths else LUA
    extra = [f"Accept: {accept}"] if accept else []
    extra += [f"{name}: {value}" for name, value in (headers or {}).items()]
    argv = [shutil.which("wrk") or "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
            "--timeout", "10s", "-s", str(script),
            *(arg for header in extra for arg in ("-H", header)), url,
            *(["--", str(paths), *([str(threads)] if blocks else [])] if paths else [])]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(MARK)), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary for {url}: {done.stdout}\n{done.stderr}")
    raw = json.loads(line[len(MARK):])
    seconds_run = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("errors_connect", "errors_read", "errors_write",
                                  "errors_timeout"))
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / seconds_run if seconds_run else 0.0,
        "mb_s": raw["bytes"] / seconds_run / 1e6 if seconds_run else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "non_2xx": raw["errors_status"],
        "socket_errors": errors,
    }


def fetch(url: str, timeout: float = 60, accept: str = "") -> dict:
    """GET `url` once; return status, content type, body, size, time and a feature count."""
    started = time.perf_counter()
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        status, headers, body = exc.code, exc.headers, exc.read()
    elapsed = time.perf_counter() - started
    content_type = headers.get("Content-Type", "")
    return {"status": status, "content_type": content_type, "body": body, "bytes": len(body),
            "seconds": elapsed, "features": count_features(body, content_type)}


def count_features(body: bytes, content_type: str) -> str:
    """Describe a response's content: 'N' features, 'feature', 'html' or 'json'."""
    if "html" in content_type:
        return "html"
    try:
        doc = json.loads(body)
    except ValueError:
        return "?"
    if isinstance(doc, dict) and isinstance(doc.get("features"), list):
        matched = doc.get("numberMatched")
        count = len(doc["features"])
        return f"{count}" + (f" of {matched}" if matched not in (None, count) else "")
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        return "feature"
    return "json"


TICK = os.sysconf("SC_CLK_TCK")


def cpu_snapshot(pids: list[int]) -> dict:
    """Return machine busy time, the server's CPU time and our children's (wrk) CPU time."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    busy = sum(values) - values[3] - values[4]  # minus idle and iowait
    server: dict[int, float] = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            server[pid] = (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
        except (OSError, IndexError, ValueError):
            continue
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"at": time.monotonic(), "busy": busy / TICK, "server": sum(server.values()),
            "pids": server, "children": children.ru_utime + children.ru_stime,
            "self": time.process_time()}


def server_cpu(before: dict, after: dict) -> float:
    """Return the CPU seconds the server's processes used between two snapshots, per process: a
    worker started in between counts from 0. One that exited in between (a worker recycled after
    gunicorn's max_requests) cannot be read any more: its part is missing (see `replaced`)."""
    return sum(cpu - before["pids"].get(pid, 0.0) for pid, cpu in after["pids"].items())


def replaced(before: dict, after: dict) -> int:
    """Return how many of the server's processes exited between two snapshots."""
    return len(set(before["pids"]) - set(after["pids"]))


def other_cpu(before: dict, after: dict) -> float:
    """Return the cores used by processes other than the server, wrk and us during a run.

    The machine may be shared (tests, builds): this says how much a measurement was disturbed.
    A server process that exited during the run makes it too high by what that process used
    (before, a recycled worker's whole CPU was subtracted: "22.7 cores" on 2 cores).
    """
    elapsed = after["at"] - before["at"]
    if elapsed <= 0:
        return 0.0
    ours = server_cpu(before, after) + sum(after[k] - before[k] for k in ("children", "self"))
    return max(0.0, (after["busy"] - before["busy"] - ours) / elapsed)
