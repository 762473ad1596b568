"""Start, probe and stop the servers under test: each in its own process group, on 127.0.0.1."""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
MAIN_PY = ROOT / ".venv" / "bin" / "python"
SERVERS_VENV = BENCH / ".venv-servers"
PYGEOAPI_VENV = BENCH / ".venv-pygeoapi"
TIPG_VENV = BENCH / ".venv-tipg"

# WSGI targets per app: (python that has the app, gunicorn target, granian target, factory?)
APPS = {
    "geoservice": ("geoservice:create_app()", "geoservice:create_app", True),
    "bare-wsgi": ("bench.refs:make_wsgi()", "bench.refs:make_wsgi", True),
    "bare-flask": ("bench.refs:make_flask()", "bench.refs:make_flask", True),
    "pygeoapi": ("pygeoapi.flask_app:APP", "pygeoapi.flask_app:APP", False),
}

# Servers: "gunicorn" is the documented set-up (sync workers); the others are candidates for
# production. Each candidate runs from .venv-servers, which sees the main venv's packages.
CANDIDATES = ("granian", "gunicorn-gthread", "gunicorn-gevent", "gunicorn-meinheld")

# Servers run from the main venv: plain gunicorn, and gunicorn with the production configuration
# (deploy/gunicorn.conf.py: gthread workers, limits, recycling), as docs/OPERATIONS.md "Production" starts it,
# also with its sync workers (GEOSERVICE_WORKER_CLASS=sync, for a buffering proxy in front).
MAIN_SERVERS = ("gunicorn", "gunicorn-deploy", "gunicorn-deploy-sync")
DEPLOY_CONF = ROOT / "deploy" / "gunicorn.conf.py"

_RUNNING: list[Server] = []


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def venv_python(app: str, server: str) -> Path:
    """Return the interpreter that runs `app` under `server`."""
    if app == "pygeoapi":
        return PYGEOAPI_VENV / "bin" / "python"
    return MAIN_PY if server in MAIN_SERVERS else SERVERS_VENV / "bin" / "python"


def available(server: str) -> bool:
    """Return True if the server (and its worker class) can be imported where it would run."""
    module = {"granian": "granian", "gunicorn-gthread": "gunicorn", "gunicorn-gevent": "gevent",
              "gunicorn-meinheld": "meinheld", "gunicorn": "gunicorn",
              "gunicorn-deploy": "gunicorn", "gunicorn-deploy-sync": "gunicorn"}[server]
    python = MAIN_PY if server in MAIN_SERVERS else SERVERS_VENV / "bin" / "python"
    if not python.exists():
        return False
    return subprocess.run([str(python), "-c", f"import {module}"], capture_output=True,
                          timeout=60).returncode == 0


def command(app: str, server: str, port: int, workers: int, timeout: int = 30) -> list[str]:
    """Return the argv that serves `app` with `server` and `workers` processes on `port`."""
    gunicorn_target, granian_target, factory = APPS[app]
    python = str(venv_python(app, server))
    if server == "granian":
        return [python, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(workers), "--no-ws",
                "--log-level", "warning", *(["--factory"] if factory else []), granian_target]
    if server in ("gunicorn-deploy", "gunicorn-deploy-sync"):
        # the command line wins over the file: -k sync is GEOSERVICE_WORKER_CLASS=sync
        sync = ["-k", "sync", "--threads", "1"] if server == "gunicorn-deploy-sync" else []
        return [python, "-m", "gunicorn", "-c", str(DEPLOY_CONF), "-w", str(workers),
                "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", str(timeout),
                *sync, gunicorn_target]
    worker_class = {
        "gunicorn": [],
        "gunicorn-gthread": ["-k", "gthread", "--threads", "8"],
        "gunicorn-gevent": ["-k", "gevent", "--worker-connections", "1000"],
        "gunicorn-meinheld": ["-k", "egg:meinheld#gunicorn_worker"],
    }[server]
    return [python, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
            "--log-level", "warning", "--timeout", str(timeout), *worker_class, gunicorn_target]


@dataclass
class Server:
    """One server process group serving one app."""

    app: str
    server: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log_path: Path
    cwd: Path = ROOT
    variant: str = ""
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    startup_s: float | None = None
    ready_status: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """Return e.g. 'geoservice@gunicorn' or 'pygeoapi[SQLiteGPKG]@gunicorn'."""
        variant = f"[{self.variant}]" if self.variant else ""
        return f"{self.app}{variant}@{self.server}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        """Spawn the server in a new session (its own process group)."""
        env = {**os.environ, **self.env}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [self.env.get("PYTHONPATH"), str(ROOT)]))
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=env, stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        log.close()
        _RUNNING.append(self)
        return self

    def wait_ready(self, path: str, timeout: float, require_200: bool = True) -> float:
        """Poll `path` until it answers 200; return seconds since start (the start-up time).

        With require_200=False any HTTP answer below 500 counts (a route that does not exist
        yet still proves the app is loaded and serving).
        """
        deadline = self.started_at + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited with {self.proc.returncode}; "
                                   f"see {self.log_path}:\n{tail(self.log_path)}")
            status = None
            try:
                with urllib.request.urlopen(self.url + path, timeout=30) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if status == 200 or (status is not None and status < 500 and not require_200):
                self.startup_s = time.perf_counter() - self.started_at
                self.ready_status = status
                return self.startup_s
            time.sleep(0.05)
        raise TimeoutError(f"{self.label} did not answer 200 on {path} within {timeout:.0f} s; "
                           f"see {self.log_path}:\n{tail(self.log_path)}")

    def pids(self) -> list[int]:
        """Return the ids of every live process in this server's process group."""
        if self.proc is None:
            return []
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    stat = handle.read()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2:].split()
            if fields[0] != "Z" and int(fields[2]) == self.proc.pid:  # state, ppid, pgrp
                found.append(int(entry))
        return found

    def memory(self) -> dict[str, float]:
        """Return RSS of the largest process and RSS/PSS summed over the group, in MiB."""
        rss, pss = [], []
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
                    values = {line.split(":")[0]: int(line.split()[1])
                              for line in handle if line.split(":")[0] in ("Rss", "Pss")}
            except OSError:
                continue
            rss.append(values.get("Rss", 0) / 1024)
            pss.append(values.get("Pss", 0) / 1024)
        return {"processes": len(rss), "rss_max_mib": max(rss, default=0.0),
                "rss_sum_mib": sum(rss), "pss_sum_mib": sum(pss)}

    def worker_memory(self) -> dict[str, float]:
        """Return the RSS of the worker processes (every process but the one started), in MiB."""
        rss = self.worker_rss()
        return {"workers": len(rss), "rss_worker_max_mib": max(rss, default=0.0),
                "rss_worker_mean_mib": sum(rss) / len(rss) if rss else 0.0}

    def worker_rss(self) -> list[float]:
        """Return the RSS of each worker process in MiB."""
        rss = []
        for pid in self.pids():
            if pid == self.proc.pid:
                continue
            try:
                with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
                    kib = next((int(line.split()[1]) for line in handle
                                if line.startswith("Rss:")), 0)
            except OSError:
                continue
            rss.append(kib / 1024)
        return rss

    def settled(self, workers: int, limit: float = 120) -> dict[str, float]:
        """Wait until `workers` workers run and their RSS holds still for 1 s (the first answer
        may come while another worker still loads); return worker_memory() then."""
        deadline = time.monotonic() + limit
        last, still = None, 0
        while time.monotonic() < deadline:
            memory = self.worker_memory()
            now = sorted(round(v) for v in self.worker_rss())
            still = still + 1 if now == last and len(now) >= workers else 0
            if still >= 4:
                return memory
            last = now
            time.sleep(0.25)
        return self.worker_memory()

    def stop(self) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL after 10 s."""
        if self.proc is None:
            return
        if self.proc.poll() is None or self.pids():
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            deadline = time.monotonic() + 5
            while self.pids() and time.monotonic() < deadline:
                time.sleep(0.1)
            if self.pids():
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        if self in _RUNNING:
            _RUNNING.remove(self)


def tail(path: Path, lines: int = 15) -> str:
    """Return the last lines of a log file."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop_all() -> None:
    """Stop every server this process started (also called at exit and on SIGTERM/SIGINT)."""
    for server in list(_RUNNING):
        server.stop()


def _on_signal(signum, _frame):
    stop_all()
    raise SystemExit(128 + signum)


def install_cleanup() -> None:
    """Make sure no server outlives the benchmark, however it ends."""
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
