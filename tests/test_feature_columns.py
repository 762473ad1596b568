"""A load reads stored features column by column (storage/geojson.py FeatureColumns): the frame
and the Dataset built from them are the ones a list of Feature gives, whatever the properties."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geoservice.domain.dataset import frame
from geoservice.storage.geojson import Feature, FeatureColumns
from geoservice.storage.states import build_state

KEYS = st.sampled_from(["title", "status", "start_year", "funding", "note", "tags", "open"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
                    st.sampled_from(["laufend", "abgeschlossen"]))
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3),
                   st.dictionaries(st.text(max_size=4), SCALARS, max_size=2))
ROWS = st.lists(st.dictionaries(KEYS, VALUES, max_size=7), max_size=12)


def _features(rows: list[dict]) -> list[Feature]:
    return [Feature(f"p{i}", row,
                    None if i % 5 == 4 else shapely.to_wkb(shapely.Point(13.7 + i / 100, 51.0)), i)
            for i, row in enumerate(rows)]


def _columns(features: list[Feature]) -> FeatureColumns:
    columns, seen = FeatureColumns(), {}
    for feature in features:
        columns.append(feature.fid, feature.properties, feature.wkb, feature.record_id, seen)
    return columns


@settings(max_examples=150, deadline=None)
@given(rows=ROWS, spec_fields=st.lists(KEYS, max_size=3, unique=True))
def test_the_frame_of_columns_is_the_frame_of_the_features(rows, spec_fields):
    features = _features(rows)
    columns = _columns(features)
    assert list(columns) == features  # each Feature as it was, a lacking key still lacking
    pd.testing.assert_frame_equal(frame(columns, tuple(spec_fields)),
                                  frame(features, tuple(spec_fields)))


def test_columns_are_a_sequence_of_features():
    features = _features([{"title": "a", "status": "laufend"}, {"status": "geplant"}, {}])
    columns = _columns(features)
    assert len(columns) == 3 and columns[-1] == features[-1] and columns[1:] == features[1:]
    assert columns[1].properties == {"status": "geplant"}
    with pytest.raises(IndexError):
        columns[3]


def test_a_stored_state_read_by_column_builds_the_dataset_of_its_features(app):
    """The bundled state as the store reads it (columns) and as a list of Feature: one Dataset."""
    store = app.extensions["geoservice"].store
    change_id, when, read = store.features()
    assert all(isinstance(part, FeatureColumns) for part in read.values())
    by_column = build_state(change_id, when, read, False, 2026)
    by_row = build_state(change_id, when, {name: list(part) for name, part in read.items()},
                         False, 2026)
    assert by_column.version == by_row.version and by_column.record_ids == by_row.record_ids
    assert by_column.collections.keys() == by_row.collections.keys()
    for name, gdf in by_column.collections.items():
        pd.testing.assert_frame_equal(gdf, by_row.collections[name])
    pd.testing.assert_frame_equal(by_column.focus_areas, by_row.focus_areas)
    pd.testing.assert_frame_equal(by_column.context, by_row.context)
    assert by_column.timeline == by_row.timeline
