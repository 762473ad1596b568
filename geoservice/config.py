"""The settings: each with its type, its constraints and its default, checked before the app starts.

Every key can be set by a GEOSERVICE_* environment variable (GEOSERVICE_MAX_LIMIT=5000); the
mapping given to create_app overrides both. A value that does not fit stops the start with one
line naming the variable and what it accepts (settings()), never a failing request later.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "GEOSERVICE_"

_DATABASE = r"^(|sqlite://.*|(postgres|postgresql)(\+psycopg)?://.+)$"
_HTTP_URL = r"^(|https?://.+)$"
_PASSWORD = re.compile(r"://[^/@]*@")  # user:password@ of a URL, never shown in a message


class SettingsError(ValueError):
    """One or more settings do not fit: the message is one line naming each and what it accepts."""


class Settings(BaseSettings):
    """Every setting of the service with its default (the app.config key is the field's name)."""

    # an empty variable means the default (as if it were not set)
    model_config = SettingsConfigDict(env_prefix=PREFIX, case_sensitive=True, extra="ignore",
                                      env_ignore_empty=True, validate_default=True)

    # The database: sqlite:///PATH (embedded; default: a file in the instance folder) or
    # postgresql://USER@HOST/DB (PostGIS; for several service instances).
    DATABASE_URL: Annotated[str, Field(pattern=_DATABASE, description=(
        "empty, sqlite:///PATH or postgresql://USER@HOST/DB"))] = ""
    # PostgreSQL: the file each worker keeps the last good state in (written atomically after
    # every load), so that a worker can start and serve reads while the database cannot be
    # reached. Empty: instance/snapshots/state-<hash of DATABASE_URL>.json.gz.
    SNAPSHOT_PATH: str = ""
    # Migrate an older database and seed an empty one from DATA_DIR when the service starts.
    AUTO_UPGRADE: bool = True
    # Folder of the reviewable data files (funding_areas.geojson, projects.geojson, ...): an empty
    # store is seeded from it, `geodata dump` writes the store's state back into it.
    DATA_DIR: Annotated[str, Field(min_length=1)] = str(ROOT / "geodata")
    # SQLite: at most this many seconds between checks of the store's change counter; 0 = every
    # request. A commit by another connection (PRAGMA data_version) is checked at once.
    # PostgreSQL needs no polling (LISTEN/NOTIFY).
    RELOAD_INTERVAL: Annotated[float, Field(ge=0, le=3600)] = 1.0
    # Public base URL (e.g. https://geo.example.org/prohlis); empty = derive from the request.
    BASE_URL: Annotated[str, Field(pattern=_HTTP_URL)] = ""
    # Host names the service answers to (e.g. ["geo.example.org"] or geo.example.org,other.org);
    # others get a 400. Empty: any (local runs). Set it (or BASE_URL) in production: links
    # never follow a forged Host.
    ALLOWED_HOSTS: Annotated[list[Annotated[str, Field(min_length=1)]], NoDecode] = []
    # Behind N reverse proxies: trust their X-Forwarded-For/-Proto/-Host/-Prefix (0 = none), and
    # only on connections from TRUSTED_PROXIES (addresses or networks, e.g. 127.0.0.1,10.1.0.0/16):
    # a client that connects directly cannot choose its address by sending the header.
    PROXY_FIX_HOPS: Annotated[int, Field(ge=0, le=10)] = 0
    TRUSTED_PROXIES: Annotated[list[Annotated[str, Field(min_length=1)]], NoDecode] = []
    # Base-map tiles. Empty TILE_URL = OpenStreetMap behind two-click consent. A first-party tile
    # server (same host or one the operator controls) can be set here and is then loaded directly.
    TILE_URL: str = ""
    TILE_ATTRIBUTION: str = ""
    TILE_CONSENT_URL: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    TILE_CONSENT_ATTRIBUTION: str = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )
    # Items paging limits (OGC API - Features).
    DEFAULT_LIMIT: Annotated[int, Field(ge=1, le=1_000_000)] = 100
    MAX_LIMIT: Annotated[int, Field(ge=1, le=1_000_000)] = 10_000
    # Seconds clients/proxies may cache data responses.
    CACHE_MAX_AGE: Annotated[int, Field(ge=0, le=31_536_000)] = 60
    DEFAULT_LANGUAGE: Literal["de", "en"] = "de"
    # The longest query string answered; a longer one is a 414 (http.py, cache.py).
    MAX_QUERY_BYTES: Annotated[int, Field(ge=1024, le=1_048_576)] = 8192
    # The largest request body on any endpoint, chunked ones included: more is a 413 before
    # anything parses it (edge.py). An API feature is at most this large.
    MAX_BODY_BYTES: Annotated[int, Field(ge=65_536, le=1_073_741_824)] = 5 * 2**20
    # The most vertices a written geometry may have (API writes): more is a 413 naming the limit.
    MAX_GEOMETRY_VERTICES: Annotated[int, Field(ge=100, le=10_000_000)] = 100_000
    # Sessions of the web editor. Empty SECRET_KEY: one is generated into the instance folder
    # (shared by the workers of one machine; set it for several machines). Set
    # SESSION_COOKIE_SECURE=true when the service is served over HTTPS.
    SECRET_KEY: str = ""
    SESSION_COOKIE_SECURE: bool = False
    # An editor session ends after this many hours (and at logout, on the server).
    EDITOR_SESSION_HOURS: Annotated[float, Field(gt=0, le=24 * 366)] = 12
    # Login throttling, counted in the store within the window (unknown names like known ones):
    # failed logins per account name and address, per address (any names), per account name
    # (any addresses); past a limit no password is checked (429). Attempts older than the
    # window are deleted. LOGIN_CONCURRENCY: password checks at once per worker (Argon2, 64 MiB
    # each); a login beyond it is answered 503 at once instead of waiting.
    LOGIN_MAX_FAILURES: Annotated[int, Field(ge=1, le=1000)] = 5
    LOGIN_MAX_ADDRESS_FAILURES: Annotated[int, Field(ge=1, le=100_000)] = 20
    LOGIN_MAX_NAME_FAILURES: Annotated[int, Field(ge=1, le=100_000)] = 50
    LOGIN_WINDOW_MINUTES: Annotated[float, Field(gt=0, le=24 * 60 * 366)] = 15
    LOGIN_CONCURRENCY: Annotated[int, Field(ge=1, le=64)] = 2
    # the CPU priority of password checks (Linux nice, 0-19): 19 = only CPU nothing else wants
    LOGIN_CHECK_NICE: Annotated[int, Field(ge=0, le=19)] = 19
    JSON_SORT_KEYS: bool = False
    # The operator (imprint, privacy page, accessibility statement: web/legal.py). Empty: the
    # pages show "to be filled in by the operator" in their place; set every one before going
    # public. Lines of an address are separated by "\n" or "|".
    OPERATOR_NAME: Annotated[str, Field(max_length=300)] = ""
    OPERATOR_ADDRESS: Annotated[str, Field(max_length=1000)] = ""
    OPERATOR_EMAIL: Annotated[str, Field(pattern=r"^(|[^@\s]+@[^@\s]+)$", max_length=300,
                                         description="empty or an e-mail address")] = ""
    OPERATOR_PHONE: Annotated[str, Field(max_length=100)] = ""
    OPERATOR_REPRESENTATIVE: Annotated[str, Field(max_length=300)] = ""  # who represents it
    PRIVACY_OFFICER: Annotated[str, Field(max_length=1000)] = ""  # data protection officer
    # Accessibility statement: the law that applies (its name as the operator's lawyers give it),
    # the enforcement body (name, address, web), and the day the statement was prepared
    ACCESSIBILITY_LAW: Annotated[str, Field(max_length=500)] = ""
    ENFORCEMENT_BODY: Annotated[str, Field(max_length=1000)] = ""
    ACCESSIBILITY_STATEMENT_DATE: Annotated[str, Field(
        pattern=r"^(|\d{4}-\d{2}-\d{2})$", description="empty or a date YYYY-MM-DD")] = ""
    # The DCAT-AP.de catalogue (/catalog): the system that delivers this catalogue to GovData, an
    # IRI of GovData's list http://dcat-ap.de/def/contributors/ (GovData's conventions K12/13).
    # Only the operator knows it; empty: no dcatde:contributorID is published.
    GOVDATA_CONTRIBUTOR_ID: Annotated[str, Field(
        pattern=r"^(|http://dcat-ap\.de/def/contributors/[A-Za-z0-9_-]+)$",
        description="empty or an IRI http://dcat-ap.de/def/contributors/…")] = ""
    # Feedback form: messages one address may send per hour (then 429)
    FEEDBACK_PER_HOUR: Annotated[int, Field(ge=1, le=1000)] = 5
    # Webhooks (docs/NOTIFICATIONS.md). Receivers on private, loopback, link-local or other
    # non-public addresses are refused (no SSRF into the operator's network) unless allowed here.
    WEBHOOKS_ALLOW_PRIVATE: bool = False
    # The delivery worker: attempts per event before it is marked failed, the first retry's delay
    # in seconds (doubling each time, at most an hour), the receiver's time to answer, the pause
    # between polls of the outbox when nothing is due.
    WEBHOOK_MAX_ATTEMPTS: Annotated[int, Field(ge=1, le=100)] = 12
    WEBHOOK_RETRY_SECONDS: Annotated[float, Field(gt=0, le=3600)] = 30
    WEBHOOK_TIMEOUT_SECONDS: Annotated[float, Field(gt=0, le=120)] = 10
    WEBHOOK_POLL_SECONDS: Annotated[float, Field(gt=0, le=600)] = 2
    # E-mail for residents (docs/NOTIFICATIONS.md). Empty SMTP_HOST: no e-mail anywhere (no form,
    # no link). With it, MAIL_FROM and BASE_URL (the links in the mails) must be set too.
    SMTP_HOST: Annotated[str, Field(max_length=255)] = ""
    SMTP_PORT: Annotated[int, Field(ge=1, le=65535)] = 587
    SMTP_USER: Annotated[str, Field(max_length=255)] = ""
    SMTP_PASSWORD: str = ""  # never shown in a message or log line
    # starttls (port 587), ssl (implicit TLS, port 465) or none (a relay on the same host only)
    SMTP_TLS: Literal["starttls", "ssl", "none"] = "starttls"
    SMTP_TIMEOUT_SECONDS: Annotated[float, Field(gt=0, le=120)] = 10
    MAIL_FROM: Annotated[str, Field(pattern=r"^(|[^@\s<>]+@[^@\s<>]+)$", max_length=300,
                                    description="empty or an e-mail address")] = ""
    # Subscription requests (and so confirmation mails) per client address and per e-mail address
    # within an hour; more get a 429.
    MAIL_REQUESTS_PER_HOUR: Annotated[int, Field(ge=1, le=1000)] = 5
    # The `mail send` worker: seconds between looks at the change log for immediate subscribers.
    MAIL_POLL_SECONDS: Annotated[float, Field(gt=0, le=3600)] = 30

    @field_validator("TRUSTED_PROXIES")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        """Each an IP address or network (192.0.2.10, 10.1.0.0/16, ::1)."""
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"'{item}' is not an IP address or network") from None
        return value

    @field_validator("ALLOWED_HOSTS", "TRUSTED_PROXIES", mode="before")
    @classmethod
    def _host_list(cls, value: Any) -> Any:
        """A JSON list or comma-separated names (GEOSERVICE_ALLOWED_HOSTS=a.org,b.org)."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return json.loads(text)
                except ValueError:
                    raise ValueError("a JSON list of host names, or names separated by commas") from None
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _proxies_named(self) -> Settings:
        if self.PROXY_FIX_HOPS and not self.TRUSTED_PROXIES:
            raise ValueError("PROXY_FIX_HOPS needs TRUSTED_PROXIES: the addresses of the proxies "
                             "whose X-Forwarded-* headers are trusted (e.g. 127.0.0.1)")
        return self

    @model_validator(mode="after")
    def _default_within_max(self) -> Settings:
        if self.DEFAULT_LIMIT > self.MAX_LIMIT:
            raise ValueError(f"DEFAULT_LIMIT ({self.DEFAULT_LIMIT}) is larger than MAX_LIMIT "
                             f"({self.MAX_LIMIT})")
        if self.SMTP_HOST and not (self.MAIL_FROM and self.BASE_URL):
            raise ValueError("SMTP_HOST is set: MAIL_FROM (the sender address) and BASE_URL (the "
                             "public address the mails link to) must be set too")
        return self


# what each kind of value accepts, for the one-line message
_ACCEPTS = {
    "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_parsing": "a number", "bool_parsing": "true or false",
    "literal_error": None, "string_pattern_mismatch": None,
    "greater_than_equal": None, "less_than_equal": None, "greater_than": None,
}


def _accepts(name: str, error: dict) -> str:
    field = Settings.model_fields.get(name)
    if field is not None and field.description:
        return field.description
    ctx = error.get("ctx") or {}
    if error["type"] == "literal_error":
        return "one of " + ctx.get("expected", "")
    if error["type"] in ("greater_than_equal", "less_than_equal", "greater_than"):
        meta = {type(m).__name__: m for m in (field.metadata if field else [])}
        low = getattr(meta.get("Ge"), "ge", None)
        low = low if low is not None else getattr(meta.get("Gt"), "gt", None)
        high = getattr(meta.get("Le"), "le", None)
        kind = "a whole number" if field is not None and field.annotation is int else "a number"
        if "Gt" in meta:
            return f"{kind} above {low}, at most {high}"
        return f"{kind} from {low} to {high}"
    return _ACCEPTS.get(error["type"]) or error["msg"].removeprefix("Value error, ")


def settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return every setting checked: defaults, then GEOSERVICE_* variables, then `overrides`.

    Keys of `overrides` that are no setting of the service (TESTING, WTF_CSRF_ENABLED, ...) are
    left to the caller. Raises SettingsError with one line naming each bad value.
    """
    given = {k: v for k, v in (overrides or {}).items() if k in Settings.model_fields}
    try:
        return Settings(**given).model_dump()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            if not error["loc"]:  # a rule over two settings
                problems.append(error["msg"].removeprefix("Value error, "))
                continue
            name = str(error["loc"][0])
            where = name if name in given else f"{PREFIX}{name}"
            shown = _PASSWORD.sub("://***@", error["input"]) if isinstance(error["input"], str) else error["input"]
            problems.append(f"{where}={shown!r} is not accepted: expected {_accepts(name, error)}")
        raise SettingsError("; ".join(problems)) from None
