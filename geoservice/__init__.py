"""geoservice: funding areas and projects of Dresden-Prohlis / Am Koitschgraben as maps and APIs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import click
from flask import Flask, g

from geoservice import http, i18n
from geoservice.cache import ResponseCache
from geoservice.config import ROOT, Defaults
from geoservice.storage import SchemaOutdated, open_store
from geoservice.storage.holder import DataHolder

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then GEOSERVICE_* environment variables, then `config`."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("GEOSERVICE")
    if config:
        app.config.update(config)
    logging.basicConfig(level=logging.INFO)
    if app.config.get("ALLOWED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = list(app.config["ALLOWED_HOSTS"])  # Flask answers others 400

    # Open (migrate, seed) the store and load its state before serving anything.
    try:
        store = open_store(app.config, app.instance_path)
    except SchemaOutdated as exc:
        store = exc.store
        # a server must not start on it; under the `flask` command only `db upgrade` can help
        log.error("%s", exc)
        if click.get_current_context(silent=True) is None:
            raise
        store.dispose()
        from geoservice import cli

        cli.init_app(app)
        return app
    try:
        app.extensions["geoservice"] = DataHolder(store, interval=float(app.config["RELOAD_INTERVAL"]))
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

    http.init_app(app)
    auth.init_app(app)
    api.register(app)
    web.register(app)
    cli.init_app(app)
    # repeated GETs are answered from final bytes without entering Flask (see cache.py)
    app.wsgi_app = ResponseCache(app.wsgi_app, app.extensions["geoservice"])
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    return app
