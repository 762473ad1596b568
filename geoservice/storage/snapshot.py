"""The last good state of the store in a local file, so a worker can start while the database is away.

After every successful load of the state it serves, a worker writes that state's features here
(gzipped JSON, written to a temporary file and renamed: a reader never sees half a file). A worker
that starts while the database cannot be reached builds its Dataset from this file instead and
serves it read-only until the database answers again (storage/holder.py). The file holds only
what the public API serves anyway (no accounts, no history).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path

from geoservice.storage.geojson import Feature, shared_strings

FORMAT = 1


def default_path(instance_path: str, database_url: str) -> Path:
    """Return the snapshot file of a database: one per database URL in the instance folder, so a
    worker never serves another database's state."""
    key = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return Path(instance_path) / "snapshots" / f"state-{key}.json.gz"


def write(path: Path, change_id: int, when: datetime | None, collections: dict[str, list[Feature]]) -> None:
    """Write a state atomically (temporary file in the same folder, fsync, rename)."""
    body = {"format": FORMAT, "change_id": change_id,
            "recorded_at": when.isoformat() if when else None,
            "collections": {name: [[f.fid, f.properties,
                                    base64.b64encode(f.wkb).decode() if f.wkb is not None else None,
                                    f.record_id, f.digest] for f in features]
                            for name, features in collections.items()}}
    data = gzip.compress(json.dumps(body, separators=(",", ":")).encode(), compresslevel=3, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read(path: Path) -> tuple[int, datetime | None, dict[str, list[Feature]]]:
    """Return (change id, its time, features per collection) of the state kept in `path`.

    Raises OSError when there is none, ValueError when it is unreadable or of another format.
    """
    body = json.loads(gzip.decompress(path.read_bytes()))
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ValueError(f"{path}: not a snapshot of this version")
    when = datetime.fromisoformat(body["recorded_at"]) if body.get("recorded_at") else None
    seen: dict = {}  # one object per distinct string (geojson.shared_strings)
    collections = {name: [Feature(seen.setdefault(fid, fid), shared_strings(properties, seen),
                                  base64.b64decode(wkb) if wkb is not None else None, record_id,
                                  digest)
                          for fid, properties, wkb, record_id, digest in features]
                   for name, features in body["collections"].items()}
    return int(body["change_id"]), when, collections
