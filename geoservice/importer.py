"""Import of official data for the planners' GIS staff: read any format, transform, validate, replace.

Nothing is written unless every feature passes the same rules as start-up; the write goes through
geoservice.writes like every other: one store transaction recorded like any other change (author,
note), changed features get a new record, missing ones are retired, unchanged ones stay as they are.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geoservice import exports, xplan
from geoservice.domain import crs as crs_domain
from geoservice.domain import derived, editing
from geoservice.domain.dataset import Dataset
from geoservice.domain.schema import CollectionSpec, promote
from geoservice.errors import DataError, InvalidParameter
from geoservice.writes import Author, Writes, collection_problems

SHAPEFILE_FIELD_LENGTH = 10  # DBF truncates field names; map them back


@dataclass
class ImportReport:
    """What an import found and did."""

    collection: str
    features: int = 0
    source_crs: str = ""
    written: bool = False
    change_id: int | None = None
    created: int = 0
    changed: int = 0
    retired: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)


def _open_path(path: Path) -> str:
    # zipped Shapefiles (and other zipped sources) are read through GDAL's /vsizip/
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


# --- remote sources: OGC API - Features collections and WFS ----------------------------------------

PAGE_SIZE = 1000  # features per request; GDAL follows `next` links (OAPIF) or startIndex (WFS)
HTTP_TIMEOUT = 60  # seconds per request; a stalled server ends the import instead of hanging it
_DRIVER_PREFIX = re.compile(r"^(OAPIF|WFS):", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(source: str | Path) -> bool:
    """True for `http(s)://…`, `OAPIF:…`, `WFS:…` and any other `scheme://…` (rejected later)."""
    text = str(source) if isinstance(source, str) else ""
    return bool(_DRIVER_PREFIX.match(text) or _SCHEME.match(text))


def redact(url: str) -> str:
    """The URL without user:password@ (for messages and the change note)."""
    prefix = _DRIVER_PREFIX.match(url)
    head, rest = (prefix.group(0), url[prefix.end():]) if prefix else ("", url)
    parts = urlsplit(rest)
    if parts.username is None and parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return head + urlunsplit(parts._replace(netloc=host))


def _remote(source: str) -> tuple[str, str, str]:
    """Return (driver, URL, GDAL dataset name) of a collection URL or a WFS URL."""
    prefix = _DRIVER_PREFIX.match(source)
    url = source[prefix.end():] if prefix else source
    if urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).hostname:
        raise DataError(redact(source), ["only http:// and https:// URLs can be imported"])
    if prefix:
        driver = prefix.group(1).upper()
    else:
        query = {k.lower(): v for k, v in parse_qsl(urlsplit(url).query)}
        driver = "WFS" if query.get("service", "").upper() == "WFS" else "OAPIF"
    return driver, url, f"{driver}:{url}"


def _one_line(message: object, secrets: list[str]) -> str:
    parts = [" ".join(part.split()) for part in str(message).split(";")]
    text = "; ".join(dict.fromkeys(part for part in parts if part))  # GDAL repeats its last error
    for secret in secrets:  # "user:password@" first, then a bare password
        text = text.replace(secret, "" if secret.endswith("@") else "***")
    return text if len(text) <= 300 else text[:299] + "…"


@contextmanager
def _http_settings():
    """Time-outs (and the WFS page size) for GDAL's HTTP requests during one read, restored afterwards."""
    wanted = {"GDAL_HTTP_TIMEOUT": str(HTTP_TIMEOUT), "GDAL_HTTP_CONNECTTIMEOUT": str(min(HTTP_TIMEOUT, 15)),
              "GDAL_HTTP_MAX_RETRY": "0", "OGR_WFS_PAGE_SIZE": str(PAGE_SIZE)}
    before = {key: pyogrio.get_gdal_config_option(key) for key in wanted}
    pyogrio.set_gdal_config_options(wanted)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)


def _layer_names(name: str) -> str:
    try:
        with _http_settings():
            return ", ".join(str(row[0]) for row in pyogrio.list_layers(name)[:20]) or "(none)"
    except Exception:  # the listing is a courtesy; the read error is what counts
        return "(cannot be listed)"


def _read_remote(source: str, layer: str | None, notes: list[str] | None) -> tuple[gpd.GeoDataFrame, str]:
    driver, url, name = _remote(source)
    label = redact(source)
    userinfo = urlsplit(url).netloc.rpartition("@")[0]
    secrets = [s for s in (userinfo and f"{userinfo}@", urlsplit(url).password) if s]
    # OAPIF takes the page size as open option; the WFS driver pages (startIndex) when the server
    # declares ImplementsResultPaging, with OGR_WFS_PAGE_SIZE set in _http_settings
    options = {"PAGE_SIZE": str(PAGE_SIZE)} if driver == "OAPIF" else {}
    try:
        with _http_settings(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if layer is None:
                layers = [str(row[0]) for row in pyogrio.list_layers(name)]
                if len(layers) != 1:  # e.g. a landing page instead of a collection, or a WFS
                    raise DataError(label, [f"offers {len(layers)} layers, not one collection; choose one "
                                            f"with --layer: {', '.join(layers[:20]) or '(none)'}"])
            gdf = gpd.read_file(name, layer=layer, engine="pyogrio", **options)
        if notes is not None:
            notes.extend(f"reader: {_one_line(w.message, secrets)}" for w in caught)
    except DataError:
        raise
    except pyogrio.errors.DataLayerError as exc:
        raise DataError(label, [f"{_one_line(exc, secrets)}; layers: {_layer_names(name)}"]) from None
    except (pyogrio.errors.DataSourceError, ValueError, OSError) as exc:
        what = "an OGC API - Features collection" if driver == "OAPIF" else "a WFS"
        raise DataError(label, [f"cannot be read as {what}: {_one_line(exc, secrets)}"]) from None
    except Exception as exc:  # GDAL surfaces HTTP and XML failures as various pyogrio/GDAL errors
        raise DataError(label, [f"{driver} read failed: {_one_line(exc, secrets)}"]) from None
    if notes is not None:
        notes.append(f"read {len(gdf)} features from {label} ({driver})")
    return gdf, label


def source_label(source: str | Path) -> str:
    """How a source is named in messages and change notes (URLs without credentials)."""
    return redact(str(source)) if is_url(source) else str(source)


def read_source(path: Path | str, crs: str | None = None, layer: str | None = None,
                notes: list[str] | None = None) -> tuple[gpd.GeoDataFrame, str]:
    """Read GeoJSON, GeoPackage, zipped Shapefile, GML, an OGC API - Features collection URL or a WFS
    URL and return it in CRS84 with the source CRS."""
    if is_url(path):
        gdf, label = _read_remote(str(path), layer, notes)
        geojson_like = False
    else:
        path = Path(path)
        label = str(path)
        if not path.is_file():
            raise DataError(label, ["file does not exist"])
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                gdf = gpd.read_file(_open_path(path), layer=layer, engine="pyogrio")
            if notes is not None:
                notes.extend(f"reader: {w.message}" for w in caught)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, OSError) as exc:
            raise DataError(label, [
                f"cannot be read as GeoJSON, GeoPackage, zipped Shapefile or GML: {exc}"]) from None
        geojson_like = path.suffix.lower() in (".geojson", ".json")
    declared = gdf.crs
    if crs:
        try:
            wanted = crs_domain.pyproj_crs(crs)
        except Exception:  # pyproj raises CRSError for unknown input
            raise InvalidParameter(f"--crs: '{crs}' is not a CRS pyproj knows (e.g. EPSG:25833)") from None
        if declared is not None and not declared.equals(wanted):
            raise DataError(label, [
                f"the source declares {declared.to_string()} but --crs says {crs}; "
                "drop --crs or fix the source"])
        gdf = gdf.set_crs(wanted, allow_override=True)
    elif declared is None:
        if geojson_like:
            gdf = gdf.set_crs("OGC:CRS84")  # RFC 7946: GeoJSON without crs member is CRS84
        else:
            raise DataError(label, ["the source declares no CRS; pass --crs (e.g. EPSG:25833 or EPSG:31469)"])
    source_crs = gdf.crs.to_string()
    return gdf.to_crs("OGC:CRS84"), source_crs


def _restore_field_names(gdf: gpd.GeoDataFrame, spec: CollectionSpec) -> gpd.GeoDataFrame:
    renames = {}
    for name in spec.fields:
        short = name[:SHAPEFILE_FIELD_LENGTH]
        if name not in gdf.columns and short != name and short in gdf.columns:
            renames[short] = name
    return gdf.rename(columns=renames)


def normalize(gdf: gpd.GeoDataFrame, spec: CollectionSpec, current: Dataset, notes: list[str]) -> gpd.GeoDataFrame:
    """Derive computed fields the way the bundled data does (area_ha, project area_id)."""
    gdf = promote(_restore_field_names(gdf, spec), spec)  # a Polygon area -> MultiPolygon
    return derived.derive_frame(gdf, spec, current, notes)


def _note_name(source: Path | str) -> str:
    return source_label(source) if is_url(source) else Path(source).name


def import_file(writes: Writes, current: Dataset, spec: CollectionSpec, path: Path | str,
                crs: str | None = None, layer: str | None = None, dry_run: bool = False,
                author: Author | None = None, note: str = "") -> ImportReport:
    """Validate a file or URL against every rule and, unless dry_run, replace the collection in one change."""
    report = ImportReport(collection=spec.name)
    gdf, report.source_crs = read_source(path, crs, layer, report.notes)
    report.features = len(gdf)
    gdf = normalize(gdf, spec, current, report.notes)
    problems = collection_problems(gdf, spec, current)
    if problems:
        raise DataError(source_label(path), problems)
    if not dry_run:
        result = writes.replace_collection(
            author or Author("import", "Datenpflege"), note or f"Import aus {_note_name(path)}", spec, gdf)
        report.written = result.change_id is not None
        report.change_id = result.change_id
        report.created, report.changed = result.created, result.changed
        report.retired, report.unchanged = result.retired, result.unchanged
    return report


def export(current: Dataset, spec: CollectionSpec, out: Path) -> int:
    """Write a collection as GeoPackage for QGIS users: the same file as the API's f=gpkg."""
    from geoservice.storage.geojson import write_atomically

    gdf = current.collection(spec.name)
    # atomically: a failed or killed export never leaves half a GeoPackage under the name
    write_atomically(out, exports.geopackage(gdf, spec, spec.fields, crs_domain.CRS84,
                                               skip_geometry=False))
    return len(gdf)


# --- XPlanGML: SO_Gebiet as new boundary versions ----------------------------------------------

def read_xplan_file(path: Path) -> bytes:
    """The bytes of an XPlanGML file (a DataError if it is missing or larger than xplan.MAX_BYTES)."""
    if not path.is_file():
        raise DataError(str(path), ["file does not exist"])
    if path.stat().st_size > xplan.MAX_BYTES:
        raise DataError(str(path), [f"larger than {xplan.MAX_BYTES // (1024 * 1024)} MB"])
    return path.read_bytes()


def _xplan_rows(data: bytes, name: str, spec: CollectionSpec, current: Dataset,
                area_id: str | None, programme: str | None, replaces: str | None,
                taken: set[str]) -> list[dict]:
    """The file's SO_Gebiet as funding-area rows (metric geometry), gaps filled from the options."""
    label = name
    rows = xplan.parse(data, label)
    if replaces is not None and len(rows) != 1:
        raise DataError(label, [f"--replaces names one version, the file holds {len(rows)} SO_Gebiet"])
    problems = []
    for number, row in enumerate(rows, 1):
        plan = row.pop("plan", None)
        for field_name, value in (("area_id", area_id), ("programme", programme)):
            if value is not None and row.get(field_name, value) != value:
                problems.append(f"SO_Gebiet {number}: the file says {field_name} "
                                f"'{row[field_name]}', the option '{value}'")
            row.setdefault(field_name, value)
        row.setdefault("accuracy", "official")  # an XPlanGML plan of the authority, not ours
        row.setdefault("source", f"XPlanGML {Path(name).name}" + (f" ({plan})" if plan else ""))
        if replaces is not None:
            row["id"] = replaces
        if not row.get("id") and row.get("area_id") and row.get("valid_from"):
            row["id"] = editing.new_id(f"{row['area_id']}-{row['valid_from'].year}", taken)
            taken.add(row["id"])
        missing = [field_name for field_name in ("area_id", "name", "programme", "valid_from", "decision")
                   if row.get(field_name) in (None, "")]
        hints = {"area_id": "--area-id", "programme": "--programme",
                 "valid_from": "startBedingung/datumAbsolut",
                 "decision": "startBedingung/bedingung", "name": "aufschrift or SO_Plan/name"}
        if missing:
            problems.append(f"SO_Gebiet {number}: no " + ", ".join(
                f"{field} ({hints[field]})" for field in missing))
    if problems:
        raise DataError(label, problems)
    geometry = current.collection(spec.name).geometry.name
    for row in rows:  # a boundary read back within the written precision is the stored one
        stored = current.row(spec.name, row["id"])
        if stored is not None and shapely.equals_exact(
                stored["metric"], row["metric"], tolerance=xplan.TOLERANCE):
            row["metric"] = stored["metric"]
            row["geometry"] = stored[geometry]
    return rows


def import_xplan(writes: Writes, current: Dataset, spec: CollectionSpec, data: bytes, name: str,
                 note: str,
                 author: Author | None = None, area_id: str | None = None,
                 programme: str | None = None, replaces: str | None = None,
                 dry_run: bool = False) -> ImportReport:
    """Import the SO_Gebiet of an XPlanGML 6.0 file (its bytes and name) as boundary versions, in one change.

    A version whose id the store knows (the plan's internalId, or `replaces`) gets a new record:
    the one it replaces stays in the history; the collection's other versions stay as they are."""
    if not spec.versioned:
        raise InvalidParameter(f"XPlanGML holds funding areas, not {spec.name}")
    report = ImportReport(collection=spec.name, source_crs=f"EPSG:{xplan.EPSG}")
    rows = _xplan_rows(data, name, spec, current, area_id, programme, replaces,
                       set(writes.store.feature_ids(spec.name)))
    report.features = len(rows)
    geoms = [row.pop("geometry", None) or crs_domain.metric_to_lonlat(row["metric"]) for row in rows]
    gdf = gpd.GeoDataFrame([{k: v for k, v in row.items() if k != "metric"} for row in rows],
                           geometry=geoms, crs=crs_domain.CRS84)
    gdf = normalize(gdf, spec, current, report.notes)
    live = current.collection(spec.name)
    kept = live[~live.index.isin(list(gdf["id"]))]
    columns = [c for c in spec.fields if c in kept.columns]
    kept = kept[[*columns, kept.geometry.name]]
    if kept.geometry.name != "geometry":
        kept = kept.rename_geometry("geometry")
    merged = pd.concat([kept,
                        gdf[[c for c in columns if c in gdf.columns] + ["geometry"]]],
                       ignore_index=True)
    problems = collection_problems(gpd.GeoDataFrame(merged, geometry="geometry",
                                                    crs=crs_domain.CRS84), spec, current)
    if problems:
        raise DataError(name, problems)
    if not dry_run:
        result = writes.add_features(author or Author("import", "Datenpflege"), note, spec, gdf)
        report.written = result.change_id is not None
        report.change_id = result.change_id
        report.created, report.changed = result.created, result.changed
        report.unchanged = result.unchanged
    return report
