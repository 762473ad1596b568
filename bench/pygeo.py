"""pygeoapi as a competitor: the same two collections from the same files, one config per provider.

Configs, converted data and the OpenAPI document are generated into the run's work folder.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from bench.servers import PYGEOAPI_VENV

PROVIDERS = ("GeoJSON", "SQLiteGPKG", "Parquet", "TinyDB")
DRESDEN_BBOX = [13.57, 50.97, 13.97, 51.18]
TEMPORAL_BEGIN = "2000-07-13T00:00:00Z"  # first funding-area version
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
COLLECTIONS = {
    # name in the URL: (file stem, title, time field or None)
    "funding-areas": ("funding_areas", "Fördergebiete Prohlis / Am Koitschgraben", "valid_from"),
    "projects": ("projects", "Projekte im Fördergebiet", None),
}


def python() -> str:
    """Return the interpreter of the pygeoapi venv."""
    return str(PYGEOAPI_VENV / "bin" / "python")


def usable_providers() -> list[str]:
    """Return the providers whose libraries load in the pygeoapi venv."""
    checks = {
        "GeoJSON": "import pygeoapi.provider.geojson",
        "SQLiteGPKG": ("import sqlite3; c = sqlite3.connect(':memory:'); "
                       "c.enable_load_extension(True); c.load_extension('mod_spatialite')"),
        "Parquet": "import pygeoapi.provider.parquet",
        "TinyDB": "import pygeoapi.provider.tinydb_",
    }
    return [name for name, code in checks.items()
            if subprocess.run([python(), "-c", code], capture_output=True, timeout=120)
            .returncode == 0]


def version() -> str:
    """Return the installed pygeoapi version."""
    done = subprocess.run([python(), "-c", "import pygeoapi; print(pygeoapi.__version__)"],
                          capture_output=True, text=True, timeout=60)
    return done.stdout.strip() or "?"


def _provider(name: str, source: Path, converted: Path, stem: str, time_field: str | None) -> dict:
    base = {"type": "feature", "name": name, "id_field": "id"}
    if time_field:
        base["time_field"] = time_field
    if name == "GeoJSON":
        return {**base, "data": str(source / f"{stem}.geojson")}
    if name == "SQLiteGPKG":
        return {**base, "data": str(converted / f"{stem}.sqlite"), "table": stem}
    if name == "Parquet":
        return {**base, "data": {"source": str(converted / f"{stem}.parquet")},
                "x_field": ["minx", "maxx"], "y_field": ["miny", "maxy"]}
    if name == "TinyDB":
        return {**base, "data": str(converted / f"{stem}.tinydb.json")}
    raise ValueError(name)


def config(provider: str, port: int, source: Path, converted: Path) -> dict:
    """Return a pygeoapi configuration publishing both collections with `provider`."""
    resources = {}
    for name, (stem, title, time_field) in COLLECTIONS.items():
        resources[name] = {
            "type": "collection",
            "title": title,
            "description": title,
            "keywords": ["Dresden", "Prohlis"],
            "links": [],
            "extents": {"spatial": {"bbox": DRESDEN_BBOX, "crs": CRS84},
                        # pygeoapi has one time field per provider; the extent is metadata
                        **({"temporal": {"begin": TEMPORAL_BEGIN, "end": None}}
                           if time_field else {})},
            "providers": [_provider(provider, source, converted, stem, time_field)],
        }
    url = f"http://127.0.0.1:{port}"
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": url,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "cors": False,
            "pretty_print": False,
            "limits": {"default_items": 100, "max_items": 10000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    "attribution": "OpenStreetMap contributors"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "Prohlis (benchmark)", "description": "benchmark",
                               "keywords": ["benchmark"], "keywords_type": "theme",
                               "terms_of_service": "https://creativecommons.org/licenses/by/4.0/",
                               "url": url},
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": url},
            "contact": {"name": "bench", "position": "bench", "email": "bench@example.org",
                        "url": url, "role": "pointOfContact"},
        },
        "resources": resources,
    }


def prepare(provider: str, port: int, source: Path, work: Path) -> dict[str, str]:
    """Write config + OpenAPI document for `provider`; return the environment to run pygeoapi."""
    source, work = source.resolve(), work.resolve()
    converted = work / "pygeoapi-data"
    folder = work / f"pygeoapi-{provider}"
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / "pygeoapi-config.yml"
    openapi_path = folder / "pygeoapi-openapi.yml"
    # JSON is YAML: no YAML writer needed in the main venv. pygeoapi wants the temporal extent
    # as a YAML timestamp, not a string: tag it.
    text = json.dumps(config(provider, port, source, converted), indent=1, ensure_ascii=False)
    text = text.replace(f'"begin": "{TEMPORAL_BEGIN}"', f'"begin": !!timestamp "{TEMPORAL_BEGIN}"')
    config_path.write_text(text, encoding="utf-8")
    cli = str(PYGEOAPI_VENV / "bin" / "pygeoapi")
    subprocess.run([cli, "openapi", "generate", str(config_path), "--output-file",
                    str(openapi_path)], check=True, capture_output=True, timeout=300)
    return {"PYGEOAPI_CONFIG": str(config_path), "PYGEOAPI_OPENAPI": str(openapi_path)}


def convert(source: Path, work: Path, providers: list[str]) -> None:
    """Convert the collections for every provider that needs another format."""
    source, work = source.resolve(), work.resolve()
    script = Path(__file__).resolve().parent / "pygeoapi_data.py"
    subprocess.run([python(), str(script), str(source), str(work / "pygeoapi-data"), *providers],
                   check=True, capture_output=True, timeout=600)
