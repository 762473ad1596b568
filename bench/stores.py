"""The store scale curve's backends and load: files, SQLite, PostgreSQL, many different bboxes.

- "files": the file store as last committed (the parent of the commit that removed
  geoservice/storage/files.py), run from a git worktree in the work folder (removed afterwards),
  reading the data folder on every start.
- "sqlite": the SQL store on a fresh SQLite file per size; the first start seeds it.
- "postgresql": the SQL store on a fresh PostgreSQL database per size (dropped afterwards);
  skipped with a note when the server is not reachable.

The bbox load is a list of ~200 m x 200 m bboxes drawn from a fixed seed over the synthetic
data's extent (synth.LON/LAT), requested in turn by wrk (paths.lua), `limit=100`.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import synth
from bench.servers import MAIN_PY, ROOT

BACKENDS = ("files", "sqlite", "postgresql")
PG_URL = "postgresql://postgres@127.0.0.1:5432"
BBOX_SEED = 20240601
BBOX_COUNT = 2000
BBOX_SIZE = (0.0028, 0.0018)  # degrees lon x lat, like scenarios.SCALE_BBOX: ~150 of 100k projects
BBOX_LIMIT = 100


def bbox_paths(target: Path, count: int = BBOX_COUNT, seed: int = BBOX_SEED) -> Path:
    """Write `count` item requests with different bboxes inside the data's extent, one a line."""
    rng = random.Random(seed)
    width, height = BBOX_SIZE
    lines = []
    for _ in range(count):
        west = rng.uniform(synth.LON[0], synth.LON[1] - width)
        south = rng.uniform(synth.LAT[0], synth.LAT[1] - height)
        lines.append(f"/collections/projects/items?bbox={west:.5f},{south:.5f},"
                     f"{west + width:.5f},{south + height:.5f}&limit={BBOX_LIMIT}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="ascii")
    return target


def _git(*argv: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(argv)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


FILE_STORE = "geoservice/storage/files.py"


def file_store_revision() -> str:
    """Return the last commit that still served files: HEAD, or the parent of the commit that
    removed the file store (found in history, so the reference never silently becomes HEAD)."""
    removed = _git("log", "-1", "--diff-filter=D", "--format=%H", "--", FILE_STORE)
    return f"{removed}^" if removed else "HEAD"


@contextmanager
def committed_checkout(parent: Path, rev: str = "HEAD") -> Iterator[tuple[Path, str]]:
    """Check `rev` out as a git worktree under `parent`; yield (folder, commit); remove it after.

    The vendored browser libraries (git-ignored) are linked in, so pages render as here.
    """
    commit = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    target = parent.resolve() / f"files-{commit[:12]}"
    if target.exists():  # left over from an interrupted run
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(target)],
                       capture_output=True, timeout=120)
        shutil.rmtree(target, ignore_errors=True)
    parent.mkdir(parents=True, exist_ok=True)
    _git("worktree", "add", "--detach", "--quiet", str(target), commit)
    try:
        vendor = ROOT / "geoservice" / "static" / "vendor"
        linked = target / "geoservice" / "static" / "vendor"
        if vendor.is_dir() and not linked.exists():
            linked.symlink_to(vendor, target_is_directory=True)
        yield target, commit
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(target)],
                       capture_output=True, timeout=120)
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True,
                       timeout=120)


# -- PostgreSQL -------------------------------------------------------------------------------
def pg_unreachable(base: str) -> str | None:
    """Return why PostgreSQL (with PostGIS) at `base` cannot be used, or None if it can."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed in the main venv"
    try:
        with psycopg.connect(f"{base}/postgres", connect_timeout=3, autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_available_extensions "
                                 "WHERE name = 'postgis'").fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means: skip the backend
        return f"PostgreSQL at {base} is not reachable ({str(exc).strip().splitlines()[0]})"
    return None if found else f"PostgreSQL at {base} has no PostGIS extension available"


def pg_create(base: str, name: str, template: str | None = None) -> str:
    """Create a fresh database (dropping one of the same name): empty, or a copy of `template`
    (a database nobody is connected to); return its URL."""
    import psycopg

    with psycopg.connect(f"{base}/postgres", connect_timeout=10, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return f"{base}/{name}"


def pg_drop_stale(base: str, prefix: str = "bench_store_") -> list[str]:
    """Drop the databases named `prefix<pid>...` of earlier runs whose process is gone (killed
    runs); return them."""
    import psycopg

    dropped = []
    with psycopg.connect(f"{base}/postgres", connect_timeout=10, autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database "
                                            "WHERE starts_with(datname, %s)", (prefix,))]
        for name in names:
            pid = name[len(prefix):].split("_")[0]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                dropped.append(name)
    return dropped


def pg_drop_mine(base: str) -> list[str]:
    """Drop every database this process made (`bench_store_<pid>_...`): at the end of a run, also
    those it made before something failed or was interrupted; return them."""
    import psycopg

    dropped = []
    with psycopg.connect(f"{base}/postgres", connect_timeout=10, autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                            (f"bench\\_store\\_{os.getpid()}\\_%",))]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            dropped.append(name)
    return dropped


def pg_drop(base: str, name: str) -> None:
    """Drop a database this run created (closing any connection still open to it)."""
    import psycopg

    with psycopg.connect(f"{base}/postgres", connect_timeout=10, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_reset(path: Path) -> str:
    """Remove an SQLite database file with its WAL and shared-memory files; return its URL."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


# -- seeding outside the server ---------------------------------------------------------------
def preseed(url: str, data_dir: Path, geoservice_root: Path | None, timeout: float) -> float:
    """Seed an empty store in a separate process (see _preseed); return the seconds it took.

    Used only when a store's first start did not finish within the seed timeout, so that the
    restart, memory and bbox figures can still be measured on a seeded store.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        str(p) for p in (geoservice_root, ROOT) if p)}
    started = time.perf_counter()
    done = subprocess.run([str(MAIN_PY), "-m", "bench.stores", "preseed", url, str(data_dir)],
                          cwd=geoservice_root or ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"seeding {url} failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def _preseed(url: str, data_dir: str) -> None:
    """Migrate and seed through the store's own code, with one change for speed: the next
    position of a collection is counted in memory instead of asked of the database per feature
    (`SELECT max(position)` over the collection had no index before migration 0010, which made a
    seed quadratic; older checkouts measured with `--before` still lack it).
    The records written are the same: seeding is the only writer of its transaction."""
    from geoservice.storage import sql

    writer_class = getattr(sql, "Writer", None) or getattr(sql, "_Writer", None)
    original = getattr(writer_class, "_position", None)

    def counted(writer, collection: str) -> int:
        nexts = writer.__dict__.setdefault("_bench_next", {})
        if collection not in nexts:
            nexts[collection] = original(writer, collection)
        nexts[collection] += 1
        return nexts[collection] - 1

    if original is not None:  # the store's code moves on; without the hook, seed as it does
        writer_class._position = counted
    store = sql.SqlStore(url)
    store.upgrade()
    result = store.seed(Path(data_dir))
    store.dispose()
    print(f"seeded change {result.change_id}: {result.created} features", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "preseed":
        _preseed(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: python -m bench.stores preseed DATABASE_URL DATA_DIR")
