"""The one write path of the API (api/edit.py), the editor (web/editor*.py) and the import.

Every write takes the same steps, in this order:
  1. check      the domain's rules: editing.check() for one feature (the import's rules applied
                to it, derived fields), collection_problems() for a whole imported collection
  2. operations Put / Retire of storage/writer.py, with the record id the writer based it on
  3. store      SqlStore.write(): one transaction, one recorded change (author, kind, note)
  4. reload     this instance serves the new state at once (others on NOTIFY or their poll)
Authentication and the client's locking token (If-Match, a form's record id) stay with the
caller; this module knows neither Flask nor requests.

Also defined once here: the change kinds' labels (German source strings, translated by the
caller's `_`) and the feature ETag, whose leading record id is what optimistic locking compares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import geopandas as gpd

from geoservice import i18n
from geoservice.domain import editing
from geoservice.domain.dataset import prepare
from geoservice.domain.schema import COLLECTIONS, CollectionSpec, check_references, validate
from geoservice.storage.geojson import Feature, features_from_frame
from geoservice.storage.writer import Author, Kind, Put, Retire, WriteResult

if TYPE_CHECKING:
    from geoservice.domain.dataset import Dataset
    from geoservice.storage.holder import DataHolder
    from geoservice.storage.sql import SqlStore

__all__ = ["Author", "Kind", "KIND_LABELS", "Writes", "collection_problems", "feature_etag",
           "kind_label", "record_of_etag"]

# the label of each kind in the public and the editor's history: German source, English
_LABELS: dict[Kind, tuple[str, str]] = {
    Kind.SEED: ("Erstbefüllung", "initial load"),
    Kind.IMPORT: ("Import", "import"),
    Kind.CREATE: ("Neuanlage", "creation"),
    Kind.REPLACE: ("Bearbeitung", "edit"),
    Kind.UPDATE: ("Bearbeitung", "edit"),
    Kind.RETIRE: ("Stilllegung", "retirement"),
    Kind.RESTORE: ("Wiederherstellung", "restoration"),
}
KIND_LABELS: dict[str, str] = {kind.value: german for kind, (german, _english) in _LABELS.items()}
i18n.register(dict(_LABELS.values()))


def kind_label(kind: str, translate: Callable[[str], str] = str) -> str:
    """Return the readable label of a change kind in the caller's language (unknown: as stored)."""
    label = KIND_LABELS.get(kind)
    return translate(label) if label else kind


# --------------------------------------------------------------------------- feature ETags

RETIRED = "retired"  # the variant of the answer to a DELETE: the feature has no body any more


def feature_etag(record_id: int | None, variant: str) -> str:
    """Return the ETag (unquoted) of one representation of a feature: '<record id>-<variant>'.

    The record id in front is what optimistic locking compares (If-Match): any representation
    of the current record matches, one of an older record does not.
    """
    return f"{record_id or 0}-{variant}"


def record_of_etag(tag: str) -> int | None:
    """Return the record id a feature ETag names (None for a foreign tag); quotes are allowed."""
    head = tag.strip().strip('"').split("-", 1)[0]
    return int(head) if head.isascii() and head.isdigit() else None


# --------------------------------------------------------------------------- checks

def collection_problems(gdf: gpd.GeoDataFrame, spec: CollectionSpec, current: Dataset) -> list[str]:
    """Every rule a whole collection (an import) breaks, the references between collections included."""
    problems = validate(gdf, spec)
    if problems:
        return problems
    prepared = prepare(gdf, spec)
    frames = {**current.collections, spec.name: prepared}
    problems = check_references(prepared, spec, frames)
    for other in COLLECTIONS.values():
        if other is not spec and any(ref.collection == spec.name for ref in other.references):
            problems += [f"the current {other.name} would break: {p}"
                         for p in check_references(frames[other.name], other, frames)]
    return problems


# --------------------------------------------------------------------------- the service

class Writes:
    """Checks, operations, the one store transaction and the reload, for one store."""

    def __init__(self, store: SqlStore, reload: Callable[[], object] | None = None,
                 valid_head: Callable[[], int | None] = lambda: None):
        self.store = store
        self._reload = reload
        self._valid_head = valid_head

    @classmethod
    def of(cls, holder: DataHolder) -> Writes:
        """The writes of a serving instance: every write is served by it at once, or refused.

        The store validates the state a write produces unless it lands on the state this
        instance serves and knows to be valid (see SqlStore.write's `valid_head`).
        """
        return cls(holder.store, lambda: holder.maybe_reload(force=True),
                   lambda: 0 if holder.last_error else holder.dataset.change_id)

    def commit(self, author: Author, note: str, kind: Kind, ops: Iterable[Put | Retire],
               replace: Iterable[str] = ()) -> WriteResult:
        """Apply the operations as one recorded change, then serve the new state."""
        result = self.store.write(author, note, kind, ops, replace=replace,
                                  valid_head=self._valid_head())
        if self._reload is not None:
            self._reload()
        return result

    # one feature ------------------------------------------------------------------------------

    @staticmethod
    def checked(spec: CollectionSpec, current: Dataset, draft: editing.Draft) -> Feature:
        """The draft as it will be stored: checked by the import's rules, derived fields set.

        Raises editing.InvalidFeature listing every problem.
        """
        return features_from_frame(editing.check(spec, current, draft), spec)[0]

    def create(self, author: Author, note: str, spec: CollectionSpec, feature: Feature,
               fresh_id: bool = False) -> tuple[str, WriteResult]:
        """Write a checked new feature; return its id and the result. Conflict if its id exists,
        unless `fresh_id`: then the id is the feature's or, if taken (retired ids stay taken),
        the first free one of id-2, id-3, ..., chosen inside the write transaction."""
        result = self.commit(author, note, Kind.CREATE,
                             [Put(spec.name, feature, create_only=True, fresh_id=fresh_id)])
        fid = next((key_fid for (name, key_fid) in result.records if name == spec.name), feature.fid)
        return fid, result

    def put(self, author: Author, note: str, spec: CollectionSpec, feature: Feature, expect: int,
            kind: Kind = Kind.UPDATE) -> WriteResult:
        """Write a checked feature's new state based on record `expect` (PreconditionFailed if stale)."""
        return self.commit(author, note, kind, [Put(spec.name, feature, expect=expect)])

    def retire(self, author: Author, note: str, spec: CollectionSpec, fid: str,
               expect: int) -> WriteResult:
        """Retire a feature based on record `expect`: no longer served, kept in the history."""
        return self.commit(author, note, Kind.RETIRE, [Retire(spec.name, fid, expect=expect)])

    def restore(self, author: Author, note: str, spec: CollectionSpec, feature: Feature,
                expect: int) -> WriteResult:
        """Serve a retired feature again (a new record of `feature`, usually its last content),
        based on its retirement record `expect` (PreconditionFailed if anything was written since)."""
        return self.commit(author, note, Kind.RESTORE,
                           [Put(spec.name, feature, expect=expect, restore=True)])

    # a whole collection -----------------------------------------------------------------------

    def add_features(self, author: Author, note: str, spec: CollectionSpec,
                     gdf: gpd.GeoDataFrame) -> WriteResult:
        """Write checked features of an import (new ones created, same ids replaced, unchanged
        ones kept) without retiring the collection's other features."""
        ops = [Put(spec.name, feature) for feature in features_from_frame(gdf, spec)]
        return self.commit(author, note, Kind.IMPORT, ops)

    def replace_collection(self, author: Author, note: str, spec: CollectionSpec,
                           gdf: gpd.GeoDataFrame) -> WriteResult:
        """Replace a collection by checked features (an import): changed ones get a new record,
        missing ones are retired, unchanged ones stay."""
        ops = [Put(spec.name, feature) for feature in features_from_frame(gdf, spec)]
        return self.commit(author, note, Kind.IMPORT, ops, replace=[spec.name])
