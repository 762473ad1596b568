"""The journal beside a snapshot file (storage/snapshot.py): the changes applied to its state.

Writing the whole state costs one pass over it (about a second of CPU at 100,000 features). A
change applied to the served state (the few features it changed, storage/changed.py's Delta)
is therefore appended to the journal instead: one JSON line per change, naming the change it
follows (`after`) and giving its features (a retired one: null), a tab and the line's CRC-32.
Its first line names the head of the file it was made for (change id and time).

The file's state is its head's with every line that follows on applied in order (`replay`, as
domain/delta.py applies a change: a changed feature keeps its place, a new one is appended, a
retired one leaves, a collection given whole is replaced). A journal made for another file is
ignored, and so are a line cut short by a crash and a line damaged on disk, with the lines
after them (`following`). When to write the whole state again instead is the keeper's choice
(snapshot.py: past SHARE of the file, or changes that do not follow on).
"""

from __future__ import annotations

import json
import logging
import os
import re
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

from geoservice.storage.geojson import Feature, FeatureColumns

log = logging.getLogger(__name__)

Base = tuple[int, str | None]  # a state's change id and the ISO time of that change
# the start of every line after the first: the change it follows, its id and time
_LINE = re.compile(rb'\{"after":(\d+),"change_id":(\d+),"recorded_at":(null|"[^"\\]*")')
# appended to until it would hold more than this share of the file's bytes (but at least MIN):
# then the whole state is written again (a journal's byte costs about as much to load as a
# byte of the file, whose bytes are compressed)
SHARE = 0.5
MIN = 2**20


def recorded(when: datetime | None) -> str | None:
    """The time of a change as the file and the journal keep it."""
    return when.isoformat() if when else None


def path_of(snapshot: Path) -> Path:
    """The journal of the changes applied to the state in the snapshot file `snapshot`."""
    return snapshot.with_name(f"{snapshot.name}.journal")


def following(snapshot: Path, base: Base) -> bytes:
    """The journal's first line and the lines after it that follow on from the file's head
    `base`, each from the change the one before led to (b'': none, or made for another file)."""
    try:
        data = path_of(snapshot).read_bytes()
    except OSError:
        return b""
    first = start(base)
    if not data.startswith(first):
        return b""
    current, end = base[0], len(first)
    while (stop := data.find(b"\n", end)) >= 0:  # a line cut short by a crash has no newline
        found = _LINE.match(data, end)
        if found is None or int(found[1]) > current or int(found[2]) <= current or \
                not _intact(memoryview(data)[end:stop]):
            break
        current, end = int(found[2]), stop + 1
    return data[:end]


def _intact(line: memoryview) -> bool:
    """True when a journal line (without its newline) ends in the checksum of the rest."""
    return len(line) > 9 and line[-9:-8] == b"\t" and \
        bytes(line[-8:]) == b"%08x" % zlib.crc32(line[:-9])


def start(base: Base) -> bytes:
    """The first line of a journal made for a file whose head is `base`."""
    return json.dumps({"base": base[0], "recorded_at": base[1]}, separators=(",", ":")).encode() + b"\n"


def ends(journal: bytes, base: Base) -> Base:
    """The change id and time of the state a journal (as `following` returns it) leads to."""
    last = journal.rfind(b"\n", 0, len(journal) - 1) + 1
    found = _LINE.match(journal, last) if journal else None
    if found is None:
        return base
    return int(found[2]), None if found[3] == b"null" else found[3][1:-1].decode()


def line(step: Any) -> bytes:
    """One journal line: a change applied to a state (storage/changed.py Delta) as JSON, a tab
    and the CRC-32 of the JSON (JSON has no raw tab)."""
    features = {name: {fid: None if f is None else
                       [f.properties, bytes(f.wkb).hex() if f.wkb is not None else None, f.record_id]
                       for fid, f in items.items()} for name, items in step.features.items()}
    body = json.dumps({"after": step.after, "change_id": step.change_id,
                       "recorded_at": recorded(step.recorded_at), "whole": sorted(step.whole),
                       "features": features}, separators=(",", ":"), default=plain).encode()
    return body + b"\t%08x\n" % zlib.crc32(body)  # a line damaged on disk is known as such


def append(snapshot: Path, base: Base, journal: bytes, lines: list[bytes]) -> None:
    """Append lines to the journal of the snapshot file (its head: `base`), whose lines that
    follow on are `journal` (as `following` returns them): those are kept, anything after them
    (a line cut short, a journal made for another file) is cut; fsynced."""
    with open(path_of(snapshot), "ab") as out:
        out.truncate(len(journal))
        out.write((journal or start(base))[len(journal):] + b"".join(lines))
        out.flush()
        os.fsync(out.fileno())


def replay(collections: dict[str, FeatureColumns], journal: bytes, seen: dict, base: Base) -> Base:
    """Apply the lines of a journal after its first to the features read from its file (whose
    head is `base`), as a change is applied to a served state (domain/delta.py): a changed
    feature keeps its place, a new one is appended, a retired one leaves; a collection given
    whole is replaced. Return the change id and time of the last line applied: the lines before
    one that cannot be read (damaged on disk) are applied, it and those after it not."""
    by_fid: dict[str, dict[str, Feature | int]] = {}  # an int: the feature's row as read
    end = base
    for text in journal.splitlines()[1:]:
        try:
            change = json.loads(text[:-9])  # without the tab and the checksum
            whole = set(change["whole"])
            changes = {name: {fid: None if item is None else _feature(fid, item)
                              for fid, item in items.items()}
                       for name, items in change["features"].items()}
            reached = int(change["change_id"]), change["recorded_at"]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("snapshot journal: a line after change %s cannot be read (%r); "
                        "serving the state of that change", end[0], exc)
            break
        for name, items in changes.items():
            if name in whole:
                by_fid[name] = {}
            elif name not in by_fid:
                read = collections.get(name) or FeatureColumns()
                by_fid[name] = {fid: row for row, fid in enumerate(read.fids)}
            features = by_fid[name]
            for fid, feature in items.items():
                if feature is None:
                    features.pop(fid, None)
                else:  # its strings shared with the others' when the columns are made
                    features[fid] = feature
        end = reached
    for name, features in by_fid.items():
        read, replayed = collections.get(name) or FeatureColumns(), FeatureColumns()
        for feature in features.values():
            if isinstance(feature, int):
                feature = read[feature]
            replayed.append(feature.fid, feature.properties, feature.wkb, feature.record_id, seen)
        collections[name] = replayed
    return end


def _feature(fid: str, item: list) -> Feature:
    """A feature of a journal line: [properties, hex WKB or null, record id]."""
    properties, wkb, record_id = item
    if not isinstance(properties, dict):
        raise TypeError("the properties are no object")
    return Feature(fid, properties, bytes.fromhex(wkb) if wkb is not None else None, record_id)


def plain(value: Any) -> Any:
    """A value json cannot encode as it is (the `default` of the file and the journal): a NumPy
    scalar."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} cannot be kept in the snapshot")
