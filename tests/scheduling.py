"""How `make test` hands modules to its pytest-xdist workers (`--dist loadfile`).

xdist's own order is by number of tests, so a module of one long test (the benchmark's smoke run,
the memory flood) came last and ran alone at the end while the other workers had finished: a
tail of 60-100 s. Here the modules go out longest first by their measured time (SECONDS), and two
modules of one heavy kind do not fill the workers while another module is waiting: three Chromium
modules at once, or two modules that flood servers with requests, slowed each other down and
made the run longer than xdist's order (820 s against 740 s, docs/TESTING.md). At most AT_ONCE
modules of a kind run side by side (one lane of Chromium modules alone would be the longest).
"""

from __future__ import annotations

from collections import Counter

from xdist.scheduler import LoadFileScheduling

# seconds per module, one worker's span in a `make test` run on the 2-core machine (2026-12-07,
# three workers); a module missing here counts 0.1 s per test
SECONDS = {
    "test_maps_browser": 234, "test_browser": 100, "test_bench_smoke": 96, "test_schemathesis": 94,
    "test_store": 87, "test_editor": 86, "test_edit_api": 85, "test_os_errors": 81,
    "test_memory": 64, "test_production": 63, "test_places_browser": 62, "test_import": 59,
    "test_a11y_lists_browser": 52, "test_a11y_pages_browser": 50, "test_hostile": 49,
    "test_editor_browser": 40, "test_import_url": 31, "test_formats": 22, "test_legal_browser": 19,
    "test_cql2": 18, "test_webhooks": 18, "test_ogc_clients": 18, "test_outage": 17,
    "test_hardening": 17, "test_stream": 16, "test_mail": 15, "test_xplan": 14, "test_edge": 13,
    "test_edge_production": 13, "test_answer_browser": 12, "test_versions": 11,
    "test_login_flood": 10, "test_clock": 10,
}
# modules that load the machine the same way: Chromium, or servers under a flood of requests
BROWSER = "browser"
AT_ONCE = {BROWSER: 2, "load": 1}
LOAD = {"test_bench_smoke", "test_memory", "test_production", "test_schemathesis", "test_store",
        "test_stream", "test_outage", "test_edge_production", "test_login_flood"}


def module_name(scope: str) -> str:
    return scope.rsplit("/", 1)[-1].removesuffix(".py")


def kind(scope: str) -> str | None:
    name = module_name(scope)
    if name.endswith("_browser"):
        return BROWSER
    return "load" if name in LOAD else None


def weight(scope: str, tests: int) -> float:
    return SECONDS.get(module_name(scope), 0.1 * tests)


class LongestFirst(LoadFileScheduling):
    """Whole modules, longest first, at most AT_ONCE of a heavy kind at once while there is a choice."""

    def _assign_work_unit(self, node) -> None:
        if not getattr(self, "_sorted", False):
            ordered = sorted(self.workqueue.items(), key=lambda item: -weight(item[0], len(item[1])))
            self.workqueue.clear()
            self.workqueue.update(ordered)
            self._sorted = True
        running = Counter(kind(scope) for other, scopes in self.assigned_work.items()
                          if other is not node for scope, tests in scopes.items()
                          if not all(tests.values()))
        choice = next((scope for scope in self.workqueue
                       if running[kind(scope)] < AT_ONCE.get(kind(scope), len(self.nodes))),
                      next(iter(self.workqueue)))
        self.workqueue.move_to_end(choice, last=False)
        super()._assign_work_unit(node)
