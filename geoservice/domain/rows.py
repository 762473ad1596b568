"""A collection's rows as plain values: what every serialization (JSON, files) starts from."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd


def columns(gdf: gpd.GeoDataFrame, fields: tuple[str, ...]) -> list[np.ndarray]:
    """Return each field as an object array with None for every null (NaN, NaT, None); a column
    whose nulls are all None already (a served collection's fields) is not copied."""
    out = []
    for name in fields:
        values = gdf[name].to_numpy(dtype=object)
        missing = pd.isna(values)
        if missing.any() and any(value is not None for value in values[missing]):
            values = values.copy()
            values[missing] = None
        out.append(values)
    return out


def rows(columns: list[np.ndarray], fields: tuple[str, ...], count: int) -> list[dict]:
    """Return `count` rows as dicts of the fields from their columns."""
    if not columns:
        return [{} for _ in range(count)]
    return [dict(zip(fields, row, strict=True))
            for row in zip(*(column.tolist() for column in columns), strict=True)]


def properties_of(gdf: gpd.GeoDataFrame, fields: tuple[str, ...]) -> list[dict]:
    """Return the rows' properties as plain dicts (None for nulls, dates kept for the encoder)."""
    return rows(columns(gdf, fields), fields, len(gdf))
