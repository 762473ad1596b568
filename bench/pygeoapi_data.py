"""Convert the two collections for pygeoapi's providers (runs in bench/.venv-pygeoapi).

Usage: python pygeoapi_data.py SOURCE_DIR OUT_DIR PROVIDER...
Writes OUT_DIR/<collection>.{gpkg,parquet,tinydb.json}; GeoJSON is served from SOURCE_DIR as is.
"""

import json
import sqlite3
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

COLLECTIONS = {"funding_areas": "valid_from", "projects": None}


def write_spatialite(gdf: gpd.GeoDataFrame, path: Path, table: str) -> None:
    """Write a SpatiaLite table with a spatial index.

    A SpatiaLite file, not a GeoPackage: pygeoapi's provider runs AutoGPKGStart() on every
    request for a GeoPackage, which writes to the file and fails ("database is locked") when
    two workers do it at once.
    """
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.enable_load_extension(True)
    con.load_extension("mod_spatialite")
    con.execute("SELECT InitSpatialMetadata(1)")
    columns = [c for c in gdf.columns if c != "geometry"]
    types = {c: "REAL" if pd.api.types.is_float_dtype(gdf[c]) else
             "INTEGER" if pd.api.types.is_integer_dtype(gdf[c]) else "TEXT" for c in columns}
    con.execute(f"CREATE TABLE {table} ("
                + ", ".join(f'"{c}" {types[c]}' for c in columns) + ")")
    con.execute(f"SELECT AddGeometryColumn('{table}', 'geometry', 4326, 'GEOMETRY', 'XY')")
    rows = []
    for values, geom in zip(gdf[columns].itertuples(index=False), gdf.geometry, strict=True):
        cells = [None if (isinstance(v, float) and v != v) or v is pd.NA else v for v in values]
        rows.append((*cells, geom.wkt))
    marks = ", ".join("?" for _ in columns)
    con.executemany(f"INSERT INTO {table} ({', '.join(chr(34) + c + chr(34) for c in columns)}, "
                    f"geometry) VALUES ({marks}, GeomFromText(?, 4326))", rows)
    con.execute(f"SELECT CreateSpatialIndex('{table}', 'geometry')")
    con.commit()
    con.close()


def main(source: Path, out: Path, providers: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, time_field in COLLECTIONS.items():
        path = source / f"{name}.geojson"
        if "TinyDB" in providers:
            features = json.loads(path.read_text(encoding="utf-8"))["features"]
            table = {str(i + 1): {**f, "id": f.get("id", f["properties"]["id"])}
                     for i, f in enumerate(features)}
            (out / f"{name}.tinydb.json").write_text(json.dumps({"_default": table}))
        gdf = gpd.read_file(path, engine="pyogrio")
        for column in gdf.columns:  # dates as ISO text, as in the GeoJSON
            if column != "geometry" and pd.api.types.is_datetime64_any_dtype(gdf[column]):
                gdf[column] = gdf[column].dt.strftime("%Y-%m-%d")
        if "SQLiteGPKG" in providers:
            write_spatialite(gdf, out / f"{name}.sqlite", name)
        if "Parquet" in providers:
            frame = gdf.copy()
            bounds = frame.geometry.bounds
            for column in ("minx", "miny", "maxx", "maxy"):
                frame[column] = bounds[column]
            if time_field:  # the provider compares its time field with datetimes
                frame[time_field] = pd.to_datetime(frame[time_field])
            for column in frame.columns:  # plain arrow strings: the provider rejects large_string
                if pd.api.types.is_string_dtype(frame[column]):
                    frame[column] = frame[column].astype(object)
            frame.to_parquet(out / f"{name}.parquet", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
