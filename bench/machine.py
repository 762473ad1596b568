"""Describe the machine and the software under test, for the results file."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path

from bench.servers import MAIN_PY, PYGEOAPI_VENV, SERVERS_VENV

MAIN_PACKAGES = ("flask", "werkzeug", "gunicorn", "geopandas", "shapely", "pandas", "numpy",
                 "pyogrio", "pyproj", "folium", "orjson")
SERVER_PACKAGES = ("granian", "gevent", "meinheld")
PYGEOAPI_PACKAGES = ("pygeoapi", "gunicorn", "flask", "pyarrow", "tinydb")


def _first(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip() if ":" in line else line.split("=", 1)[1]
    except OSError:
        pass
    return "?"


def _versions(python: Path, packages: tuple[str, ...]) -> dict[str, str]:
    if not python.exists():
        return {}
    code = ("import importlib.metadata as m, json, sys, platform\n"
            f"out = {{'python': platform.python_version()}}\n"
            f"for name in {list(packages)!r}:\n"
            "    try: out[name] = m.version(name)\n"
            "    except m.PackageNotFoundError: pass\n"
            "print(json.dumps(out))")
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=60)
    return json.loads(done.stdout) if done.returncode == 0 else {}


def describe() -> dict:
    """Return CPU, cores, memory, kernel, OS, tool and package versions."""
    mem_kb = int(_first("/proc/meminfo", "MemTotal").split()[0])
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return {
        "cpu": _first("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": _first("/etc/os-release", "PRETTY_NAME").strip('"'),
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else "?",
        "main": _versions(MAIN_PY, MAIN_PACKAGES),
        "servers": _versions(SERVERS_VENV / "bin" / "python", SERVER_PACKAGES),
        "pygeoapi": _versions(PYGEOAPI_VENV / "bin" / "python", PYGEOAPI_PACKAGES),
    }
