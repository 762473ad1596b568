"""Who may write: accounts from the store, API tokens, editor sessions, roles and login throttling.

- API clients authenticate with the account's token and never with a cookie, so the API needs no
  CSRF token; a browser session can never write through it. The token comes as
  `Authorization: Bearer TOKEN`, as the password of HTTP Basic (`NAME:TOKEN`, the name may be
  empty; what QGIS's and OWSLib's user/password settings send) or as `X-API-Key: TOKEN` (QGIS's
  "API Header" authentication). No answer asks for Basic (`WWW-Authenticate` names Bearer), so a
  browser never prompts for it and keeps no credentials to send on its own; a cross-site page can
  neither set these headers nor send a JSON body without a CORS preflight, which writes fail.
- The web editor uses a login form, a session cookie (Flask-Login; HttpOnly, SameSite=Lax,
  Secure behind HTTPS) and CSRF tokens on every form (Flask-WTF). The cookie names a session
  kept in the store (only its token's hash), so logout, expiry (EDITOR_SESSION_HOURS) and
  disabling the account end it on the server: a copied cookie stops working.
- Roles: an editor may create, change and retire projects; an admin everything.
- Failed logins are counted in the store (so across every instance) per account name and
  address, per address and per name, within LOGIN_WINDOW_MINUTES; past a limit no password is
  checked. At most LOGIN_CONCURRENCY password checks run at once per worker.
- No credential ever appears in a URL, a log line or an error message.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect

from geoservice.domain.schema import CollectionSpec
from geoservice.errors import (
    Forbidden,
    GeoserviceError,
    ServiceUnavailable,
    Unauthorized,
    database_away,
)
from geoservice.storage.accounts import Account, Accounts, LoginLimits

login_manager = LoginManager()
csrf = CSRFProtect()


class TooManyAttempts(GeoserviceError):
    """Too many failed logins for this account from this address."""

    status = 429
    code = "TooManyRequests"


class User(UserMixin):
    """The logged-in account of an editor session, with the session's token."""

    def __init__(self, account: Account, session_token: str):
        self.account = account
        self.session_token = session_token

    def get_id(self) -> str:
        return f"{self.account.id}:{self.session_token}"


def accounts() -> Accounts:
    """Return the account operations on the app's store (503 at once while it cannot be reached)."""
    holder = current_app.extensions["geoservice"]
    if holder.outage:
        raise database_away(holder.outage)
    return Accounts(holder.store)


def may_write(account: Account, spec: CollectionSpec) -> bool:
    """Return True if the account's role may change features of the collection."""
    return account.role in spec.write_roles


def credentials() -> tuple[str | None, str | None]:
    """Return (Basic user name or None, API token or None) of the request.

    The token comes as Bearer, as the password of Basic or as X-API-Key. A malformed credential
    is a 401 naming the problem (never the credential itself).
    """
    header = request.headers.get("Authorization", "")
    if not header:
        return None, request.headers.get("X-API-Key", "").strip() or None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return None, value
    if scheme.lower() != "basic" or not value:
        raise Unauthorized("Authorization: use 'Bearer <token>' or Basic with the token as the "
                           "password")
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("Authorization: Basic credentials are not base64 of UTF-8 "
                           "'name:token'") from None
    name, colon, token = decoded.partition(":")
    if not colon or not token.strip():
        raise Unauthorized("Authorization: Basic needs the API token as the password")
    return name.strip() or None, token.strip()


def token_account() -> Account | None:
    """Return the enabled account of the request's token (None without one); 401 for a bad one.

    With Basic, a user name that is given must be the token's account's.
    """
    name, token = credentials()
    if token is None:
        return None
    account = accounts().by_token(token)
    if account is None or (name is not None and name != account.name):
        raise Unauthorized("the token is not valid (unknown, revoked, its account is disabled, or "
                           "the Basic user name is not its account's)")
    return account


def api_account(spec: CollectionSpec) -> Account:
    """Return the account of a token allowed to write `spec`; 401/403 otherwise."""
    account = token_account()
    if account is None:
        raise Unauthorized("writing needs an account's token: send 'Authorization: Bearer "
                           "<token>', Basic with the token as the password, or 'X-API-Key: "
                           "<token>' (flask --app geoservice users token NAME issues one)")
    if not may_write(account, spec):
        raise Forbidden(f"the role '{account.role}' may not change {spec.name}; ask an administrator")
    return account


def admin_viewer() -> Account | None:
    """Return the administrator reading this request (token or editor session), else None.

    Reads are public and a bad token on a read is simply ignored; only administrators see
    account names in histories.
    """
    try:
        account = token_account()
    except Unauthorized:
        account = None
    except ServiceUnavailable:
        return None  # a read goes on while the database is away, as the public sees it
    account = account or session_account()
    return account if account is not None and account.role == "admin" else None


def session_account() -> Account | None:
    """Return the account of the editor session, or None."""
    return current_user.account if current_user.is_authenticated else None


def client_address() -> str:
    """Return the client's address as the WSGI server (or a configured ProxyFix) saw it."""
    return request.remote_addr or "unknown"


class LoginsBusy(ServiceUnavailable):
    """All of this worker's password checks are in use (a flood): answered at once, not queued."""


def login(name: str, password: str) -> Account | None:
    """Check a login, throttled: at most LOGIN_CONCURRENCY password checks at once per worker
    (503 beyond), and no check at all once the failures of this name and address, of this address
    or of this name reached their limits (429). The attempt is counted before the check, in the
    store (across every instance), so concurrent attempts cannot run past a limit."""
    config = current_app.config
    store_accounts = accounts()
    checks: threading.BoundedSemaphore = current_app.extensions["geoservice_logins"]
    if not checks.acquire(blocking=False):
        raise LoginsBusy("too many logins are being checked right now; try again in a moment",
                         retry_after=2)
    try:
        window = timedelta(minutes=float(config["LOGIN_WINDOW_MINUTES"]))
        limits = LoginLimits(int(config["LOGIN_MAX_FAILURES"]),
                             int(config["LOGIN_MAX_ADDRESS_FAILURES"]),
                             int(config["LOGIN_MAX_NAME_FAILURES"]))
        attempt = store_accounts.reserve_login(name, client_address(), window, limits)
        if attempt is None:
            raise TooManyAttempts(f"too many failed logins for this account or from your address; "
                                  f"try again in {int(window.total_seconds() // 60)} minutes")
        account = store_accounts.check_password(name, password, int(config["LOGIN_CHECK_NICE"]))
    finally:
        checks.release()
    if account is not None:
        store_accounts.login_succeeded(attempt)
    return account


def start_session(account: Account) -> User:
    """Open a stored editor session for an account that has just logged in."""
    lifetime = timedelta(hours=float(current_app.config["EDITOR_SESSION_HOURS"]))
    return User(account, accounts().open_session(account.id, lifetime))


def end_session() -> None:
    """End the current editor session in the store (before the cookie is cleared)."""
    if current_user.is_authenticated:
        accounts().close_session(current_user.session_token)


def _secret_key(app: Flask) -> str:
    """Return SECRET_KEY: configured, or one kept in the instance folder (shared by all workers)."""
    if app.config.get("SECRET_KEY"):
        return app.config["SECRET_KEY"]
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="ascii") as handle:  # the first worker writes it
            path.chmod(0o600)
            handle.write(secrets.token_urlsafe(48))
    except FileExistsError:
        pass
    return path.read_text(encoding="ascii").strip()


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building a signer for a request that has no cookie
    (almost every request: only editors have one) or reading the cookie settings to save nothing."""

    def open_session(self, app: Flask, request):
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        if not session and not session.modified:  # nothing to set or delete: Flask's first step
            vary = response.headers.get("Vary", "")
            if session.accessed and "cookie" not in (v.strip().lower() for v in vary.split(",")):
                response.vary.add("Cookie")  # (parses and rewrites the header: only when needed)
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Set up sessions, CSRF protection and the login manager."""
    app.config["SECRET_KEY"] = _secret_key(app)
    app.extensions["geoservice_logins"] = threading.BoundedSemaphore(int(app.config["LOGIN_CONCURRENCY"]))
    app.session_interface = _SessionInterface()
    # Flask's defaults hold SESSION_COOKIE_SAMESITE = None, so setdefault() would never apply
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session, not one hour
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "editor.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load(user_id: str) -> User | None:
        account_id, _, token = user_id.partition(":")
        if not account_id.isdigit() or not token:
            return None  # a cookie of an older release or a forged one: log in again
        try:
            account = accounts().by_session(int(account_id), token)
        except ServiceUnavailable:
            return None  # the database is away: reads as a visitor; writing needs it anyway
        return User(account, token) if account else None
