"""geoservice: funding areas and projects of Dresden-Prohlis / Am Koitschgraben as maps and APIs."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from flask import Flask, g

from geoservice import cache, edge, http, i18n
from geoservice.cache import ResponseCache
from geoservice.config import ROOT, SettingsError, settings
from geoservice.errors import unavailable
from geoservice.storage import SchemaOutdated, heap, open_store
from geoservice.storage.holder import DataHolder, NoSnapshot

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then GEOSERVICE_* environment variables, then `config`."""
    heap.limit_arenas()  # before the worker's threads allocate (storage/heap.py)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.request_class = http.Request
    logging.basicConfig(level=logging.INFO)
    try:
        checked = settings(config)
    except SettingsError as exc:
        _fail_to_start_with(str(exc))
        raise
    app.config.from_prefixed_env("GEOSERVICE")  # Flask's own keys (e.g. SESSION_COOKIE_SAMESITE)
    app.config.update(checked)
    app.config.update({k: v for k, v in (config or {}).items() if k not in checked})
    if app.config.get("ALLOWED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = list(app.config["ALLOWED_HOSTS"])  # Flask answers others 400

    # Open (migrate, seed) the store and load its state before serving anything. A server whose
    # PostgreSQL cannot be reached starts from the snapshot of the last good state (read-only,
    # not ready) instead of exiting: gunicorn's master would otherwise stop the whole service.
    offline = None
    try:
        store = open_store(app.config, app.instance_path)
    except Exception as exc:  # noqa: BLE001 - a read-only folder, a full disk, ...: one line
        if isinstance(exc, SchemaOutdated):
            return _outdated(app, exc)
        offline = _unreachable(app, exc)
        if offline is None:
            _fail_to_start(exc, app.config.get("DATABASE_URL")
                           or f"sqlite:///{Path(app.instance_path) / 'geoservice.sqlite3'}")
            raise
        store = open_store(app.config, app.instance_path, prepare=False)
    try:
        app.extensions["geoservice"] = DataHolder(store, interval=float(app.config["RELOAD_INTERVAL"]),
                                                  offline=offline)
    except NoSnapshot as exc:
        store.dispose()
        _wait_for_the_database(str(exc))
        raise
    except BaseException:
        store.dispose()
        raise

    @app.before_request
    def _choose_language() -> None:
        g.lang = http.language(app.config["DEFAULT_LANGUAGE"])

    @app.context_processor
    def _template_helpers() -> dict[str, Any]:
        lang = g.get("lang", app.config["DEFAULT_LANGUAGE"])
        return {"_": lambda message, **values: i18n.translate(message, lang, **values),
                "lang": lang}

    # the factory wires the layers together: HTTP helpers, then the blueprints that use them
    from geoservice import api, auth, cli, web
    from geoservice.mail import views as mail_views

    http.init_app(app)
    edge.init_app(app)
    try:
        auth.init_app(app)  # may write instance/secret_key
    except OSError as exc:
        _fail_to_start(exc, app.instance_path)
        raise
    api.register(app)
    web.register(app)
    mail_views.register(app)  # e-mail subscriptions (geoservice/mail/; shown only with SMTP)
    cli.init_app(app)
    # no body reaches anything unbounded, every answer carries the security headers (edge.py);
    # inside the response cache, which keeps the answers with those headers and reads no body
    app.wsgi_app = edge.SecureHeaders(edge.BodyLimit(app.wsgi_app, int(app.config["MAX_BODY_BYTES"])))
    # repeated GETs are answered from final bytes without entering Flask (see cache.py)
    app.after_request(cache.mark_canonical)  # only canonical requests may be kept
    app.wsgi_app = ResponseCache(app.wsgi_app, app.extensions["geoservice"], app.config)
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops:  # X-Forwarded-* only from the configured proxies (settings require them)
        from geoservice.proxies import TrustedProxyFix

        app.wsgi_app = TrustedProxyFix(app.wsgi_app, hops, app.config["TRUSTED_PROXIES"])
    return app


# gunicorn's exit code for "the application cannot be loaded": its master then stops (with this
# code) instead of starting new workers that would fail the same way
APP_LOAD_ERROR = 4


# a worker that cannot start until the database answers exits with another code, after a pause:
# gunicorn's master then starts a new one (it stops the service only for APP_LOAD_ERROR)
DATABASE_AWAY_EXIT, DATABASE_AWAY_PAUSE = 1, 2.0


def _unreachable(app: Flask, exc: BaseException) -> str | None:
    """Return the reason when a server's PostgreSQL cannot be reached (start offline), else None."""
    url = app.config.get("DATABASE_URL") or ""
    if _under_flask_command() or not url.startswith("postgres"):
        return None  # a command reports it; an SQLite file that cannot be opened is a set-up error
    return unavailable(exc)


def _under_flask_command() -> bool:
    """True under a `flask` command; False in a server's worker, also granian's, which is forked
    inside granian's own click command (its context is then current too)."""
    from flask.cli import FlaskGroup

    context = click.get_current_context(silent=True)
    return context is not None and isinstance(context.find_root().command, FlaskGroup)


def _wait_for_the_database(line: str) -> None:
    """Stop a server's worker that has nothing to serve (no database, no snapshot) so that it is
    started again: a `flask` command reports the error instead."""
    if _under_flask_command():
        raise click.ClickException(f"cannot start: {line}") from None
    log.error("cannot start yet: %s; exiting to be started again", line)
    time.sleep(DATABASE_AWAY_PAUSE)
    raise SystemExit(DATABASE_AWAY_EXIT) from None


def _fail_to_start(exc: BaseException, database: str) -> None:
    """Stop with one line for an operating-system or database problem (no traceback): under a
    `flask` command as its error, in a server process with exit code APP_LOAD_ERROR."""
    from sqlalchemy.engine import make_url

    from geoservice.errors import environment_problem

    try:
        shown = make_url(database).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a folder, not a URL
        shown = database
    line = environment_problem(exc, shown)
    if line is None:
        return  # anything else keeps its traceback
    _fail_to_start_with(line)


def _fail_to_start_with(line: str) -> None:
    """Stop with `line`: a `flask` command's error, or a server's log line and exit code."""
    if _under_flask_command():
        raise click.ClickException(f"cannot start: {line}") from None
    log.error("cannot start: %s", line)
    raise SystemExit(APP_LOAD_ERROR) from None


def _outdated(app: Flask, exc: SchemaOutdated) -> Flask:
    """A database on an older schema: a server must not start on it; under the `flask` command
    only `db upgrade` can help, so the app is built with the commands alone."""
    log.error("%s", exc)
    if not _under_flask_command():
        raise exc
    exc.store.dispose()
    from geoservice import cli

    cli.init_app(app)
    return app
