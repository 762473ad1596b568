"""Accounts of the people who keep the register, in the store: only hashes are kept.

Passwords are hashed with Argon2 (argon2-cffi); API tokens are 256-bit random values, so a
SHA-256 of the token identifies it without being reversible. Every account change is recorded
as a change (kind "account") beside the feature changes.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geoservice.domain.editing import MAX_NOTE
from geoservice.errors import Conflict, NotFound
from geoservice.storage.sql import LOGIN_LOCK_KEY, SqlStore, utcnow
from geoservice.storage.tables import ACCOUNT_KIND, accounts, changes, editor_sessions, login_attempts

ROLES = ("editor", "admin")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Account:
    """An account as the service sees it (never its hashes)."""

    id: int
    name: str
    role: str
    organisation: str
    disabled: bool
    created_at: datetime
    if_match_optional: bool = False  # may write without If-Match (an administrator's choice)
    default_note: str | None = None  # recorded when a write brings no change note


def token_hash(token: str) -> str:
    """Return the stored form of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _account(row) -> Account:
    return Account(row.id, row.name, row.role, row.organisation, row.disabled, row.created_at,
                   bool(row.if_match_optional), row.default_note)


class Accounts:
    """Account operations on a SqlStore."""

    def __init__(self, store: SqlStore):
        self.store = store

    def _record(self, conn, actor: str, note: str) -> None:
        conn.execute(changes.insert().values(recorded_at=utcnow(), author=actor,
                                             author_role="Verwaltung", kind=ACCOUNT_KIND, note=note))

    def add(self, name: str, role: str, organisation: str, actor: str) -> tuple[Account, str, str]:
        """Create an account; return it with its generated password and token (shown once)."""
        name = name.strip()
        if not name or len(name) > 100:
            raise ValueError("the account name must have 1 to 100 characters")
        if role not in ROLES:
            raise ValueError(f"role '{role}' is not one of {', '.join(ROLES)}")
        password, token = secrets.token_urlsafe(15), secrets.token_urlsafe(32)
        with self.store.engine.begin() as conn:
            if conn.execute(sa.select(accounts.c.id).where(accounts.c.name == name)).first():
                raise Conflict(f"account '{name}' exists already")
            conn.execute(accounts.insert().values(
                name=name, role=role, organisation=organisation, password_hash=_hasher.hash(password),
                token_hash=token_hash(token), disabled=False, created_at=utcnow()))
            self._record(conn, actor, f"Konto {name} angelegt ({role}, {organisation})")
        return self.by_name(name), password, token

    def all(self) -> list[Account]:
        with self.store.engine.connect() as conn:
            return [_account(r) for r in conn.execute(sa.select(accounts).order_by(accounts.c.name))]

    def by_name(self, name: str) -> Account | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(accounts).where(accounts.c.name == name)).first()
        return _account(row) if row else None

    def by_token(self, token: str) -> Account | None:
        """Return the enabled account an API token belongs to."""
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(accounts).where(accounts.c.token_hash == token_hash(token))).first()
        return _account(row) if row and not row.disabled else None

    def check_password(self, name: str, password: str, nice: int = 0) -> Account | None:
        """Return the enabled account when the password is right (constant work either way),
        checked at CPU priority `nice` (0: on the calling thread)."""
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(accounts).where(accounts.c.name == name)).first()
        stored = row.password_hash if row else _dummy_hash()
        if not _low_priority(nice, _verify, stored, password):
            return None
        return _account(row) if row and not row.disabled else None

    def _require(self, conn, name: str):
        row = conn.execute(sa.select(accounts).where(accounts.c.name == name)).first()
        if row is None:
            raise NotFound(f"account '{name}' does not exist")
        return row

    def disable(self, name: str, actor: str) -> None:
        """Disable an account: its password and token stop working at once."""
        with self.store.engine.begin() as conn:
            self._require(conn, name)
            row = self._require(conn, name)
            conn.execute(accounts.update().where(accounts.c.name == name)
                         .values(disabled=True, token_hash=None))
            conn.execute(editor_sessions.delete().where(editor_sessions.c.account_id == row.id))
            self._record(conn, actor, f"Konto {name} gesperrt")

    def new_token(self, name: str, actor: str) -> str:
        """Issue a new API token; the old one is revoked."""
        token = secrets.token_urlsafe(32)
        with self.store.engine.begin() as conn:
            self._require(conn, name)
            conn.execute(accounts.update().where(accounts.c.name == name)
                         .values(token_hash=token_hash(token)))
            self._record(conn, actor, f"neues API-Token für Konto {name}")
        return token

    def set_write_options(self, name: str, actor: str, *, if_match_optional: bool | None = None,
                          default_note: str | None = None) -> Account:
        """Set how the account's API writes may come: without If-Match, with a default note.

        `None` leaves an option as it is; an empty default note removes it.
        """
        values: dict = {}
        said = []
        if if_match_optional is not None:
            values["if_match_optional"] = if_match_optional
            said.append("If-Match " + ("optional" if if_match_optional else "erforderlich"))
        if default_note is not None:
            note = default_note.strip()
            if len(note) > MAX_NOTE:
                raise ValueError(f"the default note has {len(note)} characters; at most "
                                 f"{MAX_NOTE}")
            values["default_note"] = note or None
            said.append(f"Standardnotiz „{note}“" if note else "keine Standardnotiz")
        if not values:
            raise ValueError("nothing to set: give --if-match and/or --default-note")
        with self.store.engine.begin() as conn:
            self._require(conn, name)
            conn.execute(accounts.update().where(accounts.c.name == name).values(**values))
            self._record(conn, actor, f"Schreibzugriff für Konto {name}: {', '.join(said)}")
        return self.by_name(name)

    # --- editor sessions ------------------------------------------------------------------------

    def open_session(self, account_id: int, lifetime: timedelta) -> str:
        """Start an editor session; return its token (kept only in the session cookie)."""
        token, now = secrets.token_urlsafe(32), utcnow()
        with self.store.engine.begin() as conn:
            conn.execute(editor_sessions.delete().where(editor_sessions.c.expires_at < now))
            conn.execute(editor_sessions.insert().values(
                token_hash=token_hash(token), account_id=account_id, created_at=now,
                expires_at=now + lifetime))
        return token

    def by_session(self, account_id: int, token: str) -> Account | None:
        """Return the enabled account of a live session (None: ended, expired or not its own)."""
        query = (sa.select(accounts).join(editor_sessions,
                                          editor_sessions.c.account_id == accounts.c.id)
                 .where(editor_sessions.c.token_hash == token_hash(token),
                        accounts.c.id == account_id, editor_sessions.c.expires_at > utcnow()))
        with self.store.engine.connect() as conn:
            row = conn.execute(query).first()
        return _account(row) if row and not row.disabled else None

    def close_session(self, token: str) -> None:
        """End an editor session (its cookie stops working, wherever it was copied to)."""
        with self.store.engine.begin() as conn:
            conn.execute(editor_sessions.delete().where(editor_sessions.c.token_hash == token_hash(token)))

    # --- login throttling -----------------------------------------------------------------------

    def reserve_login(self, name: str, address: str, window: timedelta,
                      limits: LoginLimits) -> int | None:
        """Count a login attempt before its password is checked; None when a limit is reached.

        The failures within the window are counted per (name, address), per address and per
        name, and the attempt is inserted as a failure, in one transaction under the login lock:
        concurrent attempts cannot all see the same count and run past the limit. Attempts
        older than the window are deleted here too (at most once a minute per process).
        """
        name, address, now = name[:100], address[:64], utcnow()
        since = now - window
        failed = sa.and_(login_attempts.c.at >= since, login_attempts.c.ok.is_(False))

        def count(conn, *where) -> int:
            return conn.execute(sa.select(sa.func.count()).select_from(login_attempts)
                                .where(failed, *where)).scalar_one()

        with self.store.exclusive(LOGIN_LOCK_KEY) as conn:
            if self._prune_due(now):
                conn.execute(login_attempts.delete().where(login_attempts.c.at < since))
            if (count(conn, login_attempts.c.name == name,
                      login_attempts.c.address == address) >= limits.pair
                    or count(conn, login_attempts.c.address == address) >= limits.address
                    or count(conn, login_attempts.c.name == name) >= limits.name):
                return None
            return conn.execute(login_attempts.insert().values(
                name=name, address=address, at=now, ok=False)).inserted_primary_key[0]

    def login_succeeded(self, attempt: int) -> None:
        """Mark a reserved attempt as a successful login (it no longer counts as a failure)."""
        with self.store.engine.begin() as conn:
            conn.execute(login_attempts.update().where(login_attempts.c.id == attempt).values(ok=True))

    _pruned: datetime | None = None

    @classmethod
    def _prune_due(cls, now: datetime) -> bool:
        if cls._pruned is not None and now - cls._pruned < PRUNE_EVERY:
            return False
        cls._pruned = now
        return True

    def attempts(self) -> int:
        """Return how many login attempts the store keeps (tests, monitoring)."""
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(login_attempts)).scalar_one()


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins allowed within the window: per (name, address), per address, per name."""

    pair: int
    address: int
    name: int


PRUNE_EVERY = timedelta(minutes=1)
_dummy: list[str] = []


def _dummy_hash() -> str:
    """A hash to verify against when the name is unknown (the same work as for a known one); made
    on the first such login, not at import (it costs what a check costs: ~0.3 s per process)."""
    if not _dummy:
        _dummy.append(_hasher.hash(secrets.token_urlsafe(16)))
    return _dummy[0]


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


# Password checks run on threads of a low CPU priority (Linux: nice 19 by default, which Argon2's
# lane threads inherit): a flood of logins then takes CPU only that nothing else wants, so public
# requests keep their speed and logins get slower instead (bench/reliability.py --fault
# login-flood). How many run at once is bounded by the caller (auth.py, LOGIN_CONCURRENCY).
_pools: dict[int, ThreadPoolExecutor] = {}
_pools_pid: int | None = None
_pools_lock = threading.Lock()


def _niced(nice: int):
    def initializer() -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        except (AttributeError, OSError):  # not Linux, or not allowed: the normal priority
            pass
    return initializer


def _low_priority(nice: int, function, *args):
    """Run `function(*args)` on a thread of this process at priority `nice`; return its result."""
    global _pools_pid
    if nice <= 0:
        return function(*args)
    with _pools_lock:
        if _pools_pid != os.getpid():  # a forked worker starts its own threads
            _pools.clear()
            _pools_pid = os.getpid()
        pool = _pools.get(nice)
        if pool is None:
            pool = _pools[nice] = ThreadPoolExecutor(
                max_workers=64, thread_name_prefix="geoservice-password", initializer=_niced(nice))
    return pool.submit(function, *args).result()
