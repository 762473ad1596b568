"""The dataset the current request reads (with `recorded=`: the register as it stood then).

Below http.py, cache.py and params.py, which all read it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app, g, request

from geoservice.domain import timeutil
from geoservice.domain.dataset import Dataset
from geoservice.errors import InvalidParameter, NotFound


def dataset() -> Dataset:
    """Return the dataset for this request (the same object for the whole request).

    With `recorded=INSTANT` it is the register as it stood then (every items, item, page and
    download request accepts it), so a report can cite the map of a given day.
    """
    if "dataset" not in g:
        holder = current_app.extensions["geoservice"]
        raw = request.args.get("recorded")
        g.dataset = holder.dataset if raw is None else _recorded(holder, raw)
    return g.dataset


def _recorded(holder, raw: str) -> Dataset:
    if len(set(request.args.getlist("recorded"))) > 1:  # the same value twice is one (http.py)
        raise InvalidParameter(f"recorded: given more than once with different values "
                               f"({', '.join(request.args.getlist('recorded'))}); give it once")
    instant = timeutil.parse_recorded(raw)
    change_id = holder.store.state_at(instant)
    if change_id is None:
        raise NotFound(f"recorded: '{raw}' is before the register's first record")
    # every write is recorded at its own "now", so a state more than a moment in the past can
    # never change any more (the second covers a write committing while we read): keep it for good
    g.immutable = instant < datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    return holder.at(change_id)
