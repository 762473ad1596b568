"""What changed in the store since a state a worker serves: the features of the changes after it.

A worker that serves the state after change `n` and sees the store at change `m > n` reads only
the records made by changes n+1..m (the newest of each feature: its content, or that it was
retired) instead of every feature, and applies them to its Dataset (domain/delta.py). When the
result could differ from what a full load would build, there is no delta and the worker loads
the whole state: a restored feature (it takes back its old place in the order, not the end), a
change of a collection that is not served as one (focus areas, timeline, context), or more
changed features than `limit` (an import: a full load is then as quick).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from geoservice.domain.schema import COLLECTIONS
from geoservice.storage.geojson import FILES, Feature
from geoservice.storage.states import as_of, data_head
from geoservice.storage.tables import changes, records


@dataclass(frozen=True)
class Delta:
    """The newest record of every feature changed after a state, per collection (None: retired)."""

    change_id: int  # the store's last data change: the state the delta leads to
    recorded_at: datetime | None
    features: dict[str, dict[str, Feature | None]]
    whole: frozenset[str] = frozenset()  # collections given with every current feature
    after: int | None = None  # the change of the state it leads from

    def __len__(self) -> int:
        return sum(map(len, self.features.values()))


def changes_since(store, change_id: int, limit: int) -> Delta | None:
    """Return the delta from the state after `change_id` to the newest one, or None when only a
    full load gives the newest state exactly (see the module's text)."""
    with store._snapshot() as conn:
        head = data_head(conn)
        if head <= change_id:
            return Delta(change_id, None, {})  # nothing new
        when = conn.execute(sa.select(changes.c.recorded_at).where(changes.c.id == head)).scalar()
        newest = sa.and_(records.c.change_id > change_id, records.c.change_id <= head,
                         sa.or_(records.c.closed_by.is_(None), records.c.closed_by > head))
        out: dict[str, dict[str, Feature | None]] = {}
        whole: set[str] = set()
        counts = dict(conn.execute(sa.select(records.c.collection, sa.func.count())
                                   .where(newest).group_by(records.c.collection)).all())
        for name in dict.fromkeys([*COLLECTIONS, *FILES]):
            count = counts.get(name, 0)
            if not count:
                continue
            if name not in COLLECTIONS or count > limit:
                return None
            columns = (records.c.fid, records.c.properties, records.c.geom, records.c.id,
                       records.c.digest, records.c.retired)
            if COLLECTIONS[name].versioned:  # rules across its rows: the whole (small) collection
                whole.add(name)
                condition = sa.and_(as_of(head), records.c.retired.is_(False))
            else:
                condition = newest
            rows = conn.execute(sa.select(*columns).where(records.c.collection == name, condition)
                                .order_by(records.c.position)).all()
            out[name] = {fid: None if retired else Feature(fid, json.loads(props), wkb, rid, digest)
                         for fid, props, wkb, rid, digest, retired in rows}
            live = [fid for fid, feature in out[name].items() if feature is not None]
            if name in whole:
                continue
            restored = conn.execute(sa.select(records.c.id).where(
                records.c.collection == name, records.c.fid.in_(live),
                records.c.change_id <= change_id, records.c.retired.is_(True),
                records.c.closed_by > change_id).limit(1)).first() if live else None
            if restored is not None:  # retired in the old state, served again at its old place
                return None
        return Delta(head, when, out, frozenset(whole), change_id)
