"""Accounts of the people who keep the register, in the store: only hashes are kept.

Passwords are hashed with Argon2 (argon2-cffi); API tokens are 256-bit random values, so a
SHA-256 of the token identifies it without being reversible. Every account change is recorded
as a change (kind "account") beside the feature changes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geoservice.errors import Conflict, NotFound
from geoservice.storage.sql import SqlStore, utcnow
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


def token_hash(token: str) -> str:
    """Return the stored form of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _account(row) -> Account:
    return Account(row.id, row.name, row.role, row.organisation, row.disabled, row.created_at)


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

    def check_password(self, name: str, password: str) -> Account | None:
        """Return the enabled account when the password is right (constant work either way)."""
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(accounts).where(accounts.c.name == name)).first()
        stored = row.password_hash if row else _DUMMY
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
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

    def note_login(self, name: str, address: str, ok: bool) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(login_attempts.insert().values(name=name[:100], address=address[:64],
                                                        at=utcnow(), ok=ok))

    def recent_failures(self, name: str, address: str, window: timedelta) -> int:
        """Count failed logins for this account from this address within the window."""
        since = utcnow() - window
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
                login_attempts.c.name == name[:100], login_attempts.c.address == address[:64],
                login_attempts.c.at >= since, login_attempts.c.ok.is_(False))).scalar_one()


_DUMMY = _hasher.hash(secrets.token_urlsafe(16))  # verify against something when the name is unknown
