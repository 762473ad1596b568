"""The comparison phases of a run: which production server and which pygeoapi provider, then
the matrix of every scenario x concurrency x target (a mixin of bench.cli.Bench)."""

from __future__ import annotations

from bench import pygeo
from bench.scenarios import CHOICE_SCENARIOS, PROVIDER_SCENARIOS
from bench.servers import CANDIDATES, Server, available


class Comparisons:
    """Server choice, provider choice and the matrix; needs Bench's start/shootout/measure."""

    def choose_production(self, geo_gunicorn: Server) -> str:
        """Measure geoservice under each candidate server (and gunicorn); return the fastest."""
        if self.args.production != "auto":
            return self.args.production
        candidates = [name for name in CANDIDATES if available(name)]
        missing = [name for name in CANDIDATES if name not in candidates]
        if missing:
            self.note(f"server candidates that do not install/import here: {', '.join(missing)}")
        servers = [geo_gunicorn]
        for name in candidates:
            try:
                servers.append(self.start("geoservice", name, self.geoservice_env()))
            except (RuntimeError, TimeoutError) as exc:
                self.note(f"geoservice@{name} failed to start: {exc}")
        self.rows = self.results["server_choice"]
        scores = self.shootout(servers, CHOICE_SCENARIOS, self.args.concurrency)
        p99 = self.p99_scores
        # Throughput decides, but not at any price: a server whose tail latency is more than
        # twice that of plain gunicorn (e.g. an event loop starving some connections) is out.
        limit = 2 * p99[geo_gunicorn.label]
        eligible = {k: v for k, v in scores.items() if p99[k] <= limit}
        best = max(eligible, key=eligible.get)
        self.results["server_scores"] = scores
        self.results["server_p99"] = p99
        for srv in servers[1:]:
            srv.stop()
        choice = next(s.server for s in servers if s.label == best)
        self.note(f"production server: {choice}: highest geometric-mean req/s over "
                  f"{', '.join(CHOICE_SCENARIOS)} at {self.args.concurrency} connections among "
                  f"servers whose geometric-mean p99 is at most 2x gunicorn's ({limit:.1f} ms). "
                  + "; ".join(f"{k}: {v:.0f} req/s, p99 {p99[k]:.1f} ms"
                              + ("" if k in eligible else " (excluded: tail latency)")
                              for k, v in scores.items()))
        return choice

    def choose_provider(self) -> Server | None:
        """Start pygeoapi with each usable provider; keep the fastest, stop the rest."""
        if self.args.no_pygeoapi or not (pygeo.PYGEOAPI_VENV / "bin" / "python").exists():
            self.note("pygeoapi skipped (not installed or --no-pygeoapi)")
            return None
        usable = pygeo.usable_providers()
        if self.args.provider != "auto":
            usable = [p for p in usable if p == self.args.provider]
        unusable = [p for p in pygeo.PROVIDERS if p not in usable]
        if not usable:
            self.note("pygeoapi skipped: no usable provider")
            return None
        pygeo.convert(self.data_dir, self.work, usable)
        servers = []
        for provider in usable:
            try:
                servers.append(self.start("pygeoapi", "gunicorn", variant=provider, cwd=self.work))
            except (RuntimeError, TimeoutError) as exc:
                self.note(f"pygeoapi[{provider}] failed to start: {exc}")
        if not servers:
            return None
        if len(servers) == 1:
            return servers[0]
        if unusable:
            self.note(f"pygeoapi providers not measured: {', '.join(unusable)}")
        self.check_responses(servers)
        self.rows = self.results["provider_choice"]
        scores = self.shootout(servers, PROVIDER_SCENARIOS, self.args.concurrency[:1])
        self.results["provider_scores"] = scores
        best = max(scores, key=scores.get)
        for srv in servers:
            if srv.label != best:
                srv.stop()
        self.note(f"pygeoapi provider: {best} (geometric mean {scores[best]:.0f} req/s over "
                  f"{', '.join(PROVIDER_SCENARIOS)} at {self.args.concurrency[0]} connections; "
                  + ", ".join(f"{k} {v:.0f}" for k, v in scores.items()) + ")")
        return next(s for s in servers if s.label == best)

    def matrix(self, targets: list[Server]) -> None:
        """Every scenario x concurrency x target, targets rotated per run, repeated rounds."""
        runs = 0
        for round_no in range(self.args.rounds):
            for s_no, scenario in enumerate(self.scenarios):
                for connections in self.args.concurrency:
                    shift = (round_no + s_no + runs) % len(targets)
                    for srv in targets[shift:] + targets[:shift]:
                        if scenario not in self.applicable(srv):
                            continue
                        stats = self.measure(srv, scenario, connections, self.args.duration,
                                             self.args.warmup)
                        self.results["matrix"].append({
                            "round": round_no, "scenario": scenario.key, "target": srv.label,
                            "app": srv.app, "server": srv.server, "connections": connections,
                            **stats})
                    runs += 1
