"""Smoke run of the benchmark: it runs end to end and writes a well-formed results table.

Speed is never asserted; this only proves `python -m bench` still works on the current code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("wrk") is None,
                                                   reason="wrk is not installed (bash bench/run.sh installs it)")]


def _section(text: str, heading: str) -> list[str]:
    """Return the table lines under a Markdown heading."""
    lines = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0].splitlines()
    return [line for line in lines if line.startswith("|")]


def _leftovers(marker: str) -> list[int]:
    """Return ids of live processes whose environment mentions `marker` (the test's folder)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                if marker.encode() in Path(f"/proc/{entry}/environ").read_bytes():
                    found.append(int(entry))
            except OSError:
                continue
    return found


def test_smoke_run_writes_well_formed_results(tmp_path):
    out, raw = tmp_path / "RESULTS.md", tmp_path / "results.json"
    done = subprocess.run(
        # the store scale curve on SQLite only: the file store's worktree of an old commit and a
        # PostgreSQL database cost 25 of the smoke run's ~100 s and are not this checkout's code
        [sys.executable, "-m", "bench", "--smoke", "--workers", "1", "--workdir", str(tmp_path / "work"),
         "--out", str(out), "--json", str(raw), "--stores", "sqlite"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    text = out.read_text(encoding="utf-8")
    for heading in ("Machine", "Throughput (req/s)", "Ratios (req/s)", "Targets of issue 5",
                    "Scale curve (synthetic projects)", "Uncached: mixed URLs"):
        table = _section(text, heading)
        assert len(table) >= 3, heading  # header, separator, at least one row
        widths = {line.count("|") for line in table}
        assert len(widths) == 1, f"ragged table under {heading}"
    results = json.loads(raw.read_text(encoding="utf-8"))
    measured = {(row["scenario"], row["target"]) for row in results["matrix"]}
    for target in ("geoservice@gunicorn", "bare-wsgi@gunicorn", "bare-flask@gunicorn"):
        assert ("areas-all", target) in measured
    assert [row["size"] for row in results["scale"]] == ["bundled", "1000"]
    assert [(row["backend"], row["size"]) for row in results["store_scale"]] == [("sqlite", "1000")]
    mixed = json.loads((tmp_path / "work" / "mix" / "mix.json").read_text(encoding="utf-8"))
    scenarios = {(row["scenario"], row["app"]) for row in mixed["rows"]}
    for scenario in ("mix", "mix-gzip", "items", "locate", "changes"):
        assert (scenario, "geoservice") in scenarios
    assert ("mix", "bare-flask") in scenarios
    assert not any(row["non_2xx"] for row in mixed["rows"] if row["app"] != "pygeoapi")
    assert not _leftovers(str(tmp_path)), "a benchmark server outlived the run"
