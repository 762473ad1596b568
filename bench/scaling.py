"""The scale phases of a run: synthetic data of growing size, the store scale curve per
backend (start-up, RSS per worker, many bboxes) and the bbox curve (a mixin of bench.cli.Bench)."""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

from bench import load, report, stores, synth
from bench.scenarios import SCALE_PATH, Scenario, log


class ScaleRuns:
    """The scale and store-scale curves; needs Bench's start/measure/note/geoservice_env."""

    def scale_sizes(self) -> list[tuple[str, Path]]:
        """Return (label, data folder) of the scale curves: the bundled data, then synthetic."""
        sizes: list[tuple[str, Path]] = [("bundled", self.data_dir)]
        for count in self.args.scale:
            log(f"generating {count} synthetic projects")
            started = time.perf_counter()
            folder = synth.make_dataset(self.args.workdir.resolve() / f"scale-{count}",
                                        self.data_dir, count)
            log(f"  ready in {time.perf_counter() - started:.1f} s")
            sizes.append((str(count), folder))
        return sizes

    def sqlite_path(self, label: str) -> Path:
        """The SQLite file of one scale size (the store curve seeds it, the scale curve reuses it)."""
        return self.work / "db" / f"sqlite-{label}.sqlite3"

    def scale(self, server: str, sizes: list[tuple[str, Path]]) -> None:
        """Start geoservice on synthetic data of growing size: start-up, bbox latency, memory.

        Each size has its own SQLite store: seeded by the store scale curve when that ran before
        (then this start is a restart), otherwise seeded by this first start.
        """
        for label, folder in sizes:
            row = {"size": label, "server": server}
            db = self.sqlite_path(label)
            row["seeded_before"] = db.exists()
            db.parent.mkdir(parents=True, exist_ok=True)
            try:
                srv = self.start("geoservice", server,
                                 self.geoservice_env(folder, f"sqlite:///{db}"),
                                 timeout=self.args.startup_timeout, record=False)
            except (RuntimeError, TimeoutError) as exc:
                self.note(f"scale {label}: geoservice did not start: {exc}")
                row["error"] = "did not start"
                self.results["scale"].append(row)
                continue
            try:
                row["startup_s"] = srv.startup_s
                got = load.fetch(srv.url + SCALE_PATH)
                row.update(status=got["status"], bytes=got["bytes"], features=got["features"])
                scenario = Scenario("scale-bbox", "bbox ~200 m, limit 100", SCALE_PATH)
                stats = self.measure(srv, scenario, 1, self.args.duration,
                                     max(self.args.warmup, 1))
                row.update({k: stats[k] for k in ("rps", "p50_ms", "p99_ms", "non_2xx")})
                row.update(srv.memory())
            finally:
                srv.stop()
            self.results["scale"].append(row)

    def store_scale(self, server: str, sizes: list[tuple[str, Path]]) -> None:
        """Per size and backend (files as last committed, sqlite, postgresql): first start and restart,
        RSS per worker after start-up and after a load of many different bboxes, that load's
        req/s and latency; ratios against "files" are computed by the report."""
        backends = list(self.args.stores)
        if not backends:
            return
        if "postgresql" in backends:
            reason = stores.pg_unreachable(self.args.pg_url)
            if reason:
                self.note(f"store scale: postgresql skipped: {reason}")
                backends.remove("postgresql")
            else:
                for name in stores.pg_drop_stale(self.args.pg_url):
                    log(f"store scale: dropped {name}, left by a run that was killed")
        paths = stores.bbox_paths(self.work / "bboxes.txt")
        self.results["store_bboxes"] = {
            "count": stores.BBOX_COUNT, "seed": stores.BBOX_SEED, "size_deg": stores.BBOX_SIZE,
            "limit": stores.BBOX_LIMIT, "connections": self.args.concurrency[0],
            "example": paths.read_text(encoding="ascii").splitlines()[0]}
        with open("/proc/loadavg", encoding="ascii") as handle:
            self.results["store_loadavg"] = handle.read().split()[:3]
        checkout = None
        with contextlib.ExitStack() as stack:
            if "files" in backends:
                try:
                    checkout, commit = stack.enter_context(
                        stores.committed_checkout(self.args.workdir, stores.file_store_revision()))
                    self.results["store_files_commit"] = commit
                    log(f"store scale: files store from {commit[:12]} in {checkout}")
                except RuntimeError as exc:
                    self.note(f"store scale: files skipped: {exc}")
                    backends.remove("files")
            for label, folder in sizes:
                for backend in backends:
                    row = self.store_row(server, backend, label, folder, paths, checkout)
                    self.results["store_scale"].append(row)
                    log("store " + report.store_summary(row, self.results["store_scale"]))

    def store_row(self, server: str, backend: str, label: str, folder: Path, paths: Path,
                  checkout: Path | None) -> dict:
        """Measure one backend on one data folder; the server is stopped again, the database of
        postgresql dropped (sqlite's file is kept for the scale curve)."""
        row: dict = {"size": label, "backend": backend, "server": server}
        cwd, pg_name = None, None
        if backend == "files":
            env = {"GEOSERVICE_DATA_DIR": str(folder), "PYTHONPATH": str(checkout)}
            cwd = checkout
        elif backend == "sqlite":
            env = self.geoservice_env(folder, stores.sqlite_reset(self.sqlite_path(label)))
        else:
            pg_name = f"bench_store_{os.getpid()}_{label}"
            env = self.geoservice_env(folder, stores.pg_create(self.args.pg_url, pg_name))
        url = env.get("GEOSERVICE_DATABASE_URL", "")
        timeout = self.args.startup_timeout if backend == "files" else self.args.seed_timeout
        try:
            # (a) the first start (the stores seed themselves from the data folder), RSS
            try:
                srv = self.start("geoservice", server, env, cwd=cwd, timeout=timeout,
                                 ready_timeout=timeout, record=False)
                row["first_s"] = srv.startup_s
                row["rss_first_mib"] = srv.settled_memory(self.args.workers)["rss_worker_max_mib"]
                srv.stop()
            except (RuntimeError, TimeoutError) as exc:
                first = str(exc).splitlines()[0]
                row["first_error"] = (f"> {timeout} s" if isinstance(exc, TimeoutError)
                                      else "failed")
                self.note(f"store scale {label} {backend}: first start: {first}")
                if backend == "files":
                    row["error"] = "did not start"
                    return row
                # seed it here (same records, faster; see stores._preseed) to measure the rest
                if backend == "sqlite":
                    stores.sqlite_reset(self.sqlite_path(label))
                else:
                    stores.pg_create(self.args.pg_url, pg_name)
                log(f"store scale {label} {backend}: seeding outside the server")
                row["preseed_s"] = stores.preseed(url, folder, self.args.geoservice_root,
                                                  max(timeout, self.args.startup_timeout))
                self.note(f"store scale {label} {backend}: seeded by the bench in "
                          f"{row['preseed_s']:.1f} s (in-memory positions) to measure the rest")
            # (a) restart on the seeded store; (b) RSS per worker after start-up
            srv = self.start("geoservice", server, env, cwd=cwd, timeout=self.args.startup_timeout,
                             record=False)
            try:
                row["restart_s"] = srv.startup_s
                memory = srv.settled_memory(self.args.workers)  # every worker loaded, not just the first to answer
                row["rss_start_mib"], row["workers"] = memory["rss_worker_max_mib"], memory["workers"]
                # the answers, to compare backends: feature ids of the first bboxes
                row["answers"] = [self.feature_ids(srv.url + p) for p in
                                  paths.read_text(encoding="ascii").splitlines()[:20]]
                # (c) many different bboxes, ~100-feature pages; (b) RSS after that load
                scenario = Scenario("store-bbox", "many bboxes ~200 m, limit 100", "/")
                stats = self.measure(srv, scenario, self.args.concurrency[0], self.args.duration,
                                     max(self.args.warmup, 1), paths=paths)
                row.update({k: stats[k] for k in ("rps", "p50_ms", "p99_ms", "non_2xx",
                                                  "socket_errors", "other_cpu")})
                row["rss_load_mib"] = srv.worker_memory()["rss_worker_max_mib"]
            finally:
                srv.stop()
        except Exception as exc:  # noqa: BLE001 - one backend failing must not end the run
            self.note(f"store scale {label} {backend}: {(str(exc) or repr(exc)).splitlines()[0]}")
            row["error"] = "did not start" if "restart_s" not in row else "failed"
        finally:
            if pg_name:
                stores.pg_drop(self.args.pg_url, pg_name)
        return row

    @staticmethod
    def feature_ids(url: str) -> list[str] | str:
        """Return the ids of the features one items request returns (or its status)."""
        got = load.fetch(url)
        if got["status"] != 200:
            return f"status {got['status']}"
        try:
            return [str(f.get("id")) for f in json.loads(got["body"])["features"]]
        except (ValueError, KeyError, TypeError):
            return "not a FeatureCollection"
