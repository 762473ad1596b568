"""The scenarios of the benchmark: the URLs every target is measured on, and the progress log."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from bench.servers import ROOT

BENCH = ROOT / "bench"
BBOX = "13.795,51.005,13.805,51.012"  # centre of Prohlis, ~700 m x 780 m
SCALE_BBOX = "13.7986,51.0091,13.8014,51.0109"  # ~200 m x 200 m
SCALE_PATH = f"/collections/projects/items?bbox={SCALE_BBOX}&limit=100"


@dataclass(frozen=True)
class Scenario:
    """One URL, requested the same way from every target that serves it."""

    key: str
    title: str
    path: str
    data: bool = True  # a data scenario (targets: 85 % of bare Flask, 3x / 8x pygeoapi)
    competitors: bool = True  # pygeoapi serves it too
    accept: str = ""  # Accept header sent (none: like wrk's default)


SCENARIOS = (
    Scenario("areas-all", "all funding-area versions", "/collections/funding-areas/items"),
    Scenario("areas-at-date", "versions at 2018-06-01",
             "/collections/funding-areas/items?datetime=2018-06-01"),
    Scenario("projects-bbox", "projects in a small bbox", f"/collections/projects/items?bbox={BBOX}"),
    Scenario("project-by-id", "one project by id", "/collections/projects/items/{id}"),
    Scenario("landing", "landing page as JSON", "/?f=json"),
    # A browser asks for HTML; without Accept, `/` is the landing page as JSON.
    Scenario("home-page", "home map page (HTML)", "/", data=False, competitors=False,
             accept="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
)
CHOICE_SCENARIOS = ("areas-all", "projects-bbox", "landing")
PROVIDER_SCENARIOS = ("areas-all", "projects-bbox", "project-by-id")


def log(message: str) -> None:
    """Print a progress line (stderr, so stdout carries only the results)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
