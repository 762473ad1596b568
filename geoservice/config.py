"""Configuration defaults; every key can be overridden by a GEOSERVICE_* environment variable."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    """Default settings, read by create_app before the environment and the caller's mapping."""

    # The database: sqlite:///PATH (embedded; default: a file in the instance folder) or
    # postgresql://USER@HOST/DB (PostGIS; for several service instances).
    DATABASE_URL = ""
    # Migrate an older database and seed an empty one from DATA_DIR when the service starts.
    AUTO_UPGRADE = True
    # Folder of the reviewable data files (funding_areas.geojson, projects.geojson, ...): an empty
    # store is seeded from it, `geodata dump` writes the store's state back into it.
    DATA_DIR = str(ROOT / "geodata")
    # SQLite: seconds between checks of the store's change counter; 0 = every request.
    # PostgreSQL needs no polling (LISTEN/NOTIFY).
    RELOAD_INTERVAL = 1.0
    # Public base URL (e.g. https://geo.example.org/prohlis); empty = derive from the request.
    BASE_URL = ""
    # Host names the service answers to (e.g. ["geo.example.org"]); others get a 400. Empty:
    # any (local runs). Set it (or BASE_URL) in production: links never follow a forged Host.
    ALLOWED_HOSTS: list[str] = []
    # Behind N reverse proxies: trust their X-Forwarded-For/-Proto/-Host/-Prefix (0 = none).
    PROXY_FIX_HOPS = 0
    # Base-map tiles. Empty TILE_URL = OpenStreetMap behind two-click consent. A first-party tile
    # server (same host or one the operator controls) can be set here and is then loaded directly.
    TILE_URL = ""
    TILE_ATTRIBUTION = ""
    TILE_CONSENT_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    TILE_CONSENT_ATTRIBUTION = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )
    # Items paging limits (OGC API - Features).
    DEFAULT_LIMIT = 100
    MAX_LIMIT = 10_000
    # Seconds clients/proxies may cache data responses.
    CACHE_MAX_AGE = 60
    DEFAULT_LANGUAGE = "de"
    # Sessions of the web editor. Empty SECRET_KEY: one is generated into the instance folder
    # (shared by the workers of one machine; set it for several machines). Set
    # SESSION_COOKIE_SECURE=true when the service is served over HTTPS.
    SECRET_KEY = ""
    SESSION_COOKIE_SECURE = False
    # Login throttling: this many failed logins per account and address lock it for the window.
    # An editor session ends after this many hours (and at logout, on the server).
    EDITOR_SESSION_HOURS = 12
    LOGIN_MAX_FAILURES = 5
    LOGIN_WINDOW_MINUTES = 15
    JSON_SORT_KEYS = False
