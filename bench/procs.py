"""What the reliability runs share (bench/reliability.py, bench/faults.py): where they work, the
gunicorn configuration, and looks at processes and answers from outside (/proc, a GET)."""

from __future__ import annotations

from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "reliability"
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return found


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def status_of(url: str) -> int:
    try:
        with urlopen(url, timeout=10) as response:
            return response.status
    except OSError as exc:
        return getattr(exc, "code", 0) or 0
