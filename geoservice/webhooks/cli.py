"""`flask --app geoservice webhooks add|list|remove|retry|deliver` for administrators."""

from __future__ import annotations

import json
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from geoservice.errors import GeoserviceError
from geoservice.storage import outbox
from geoservice.webhooks import deliver, registry

webhooks = AppGroup("webhooks", help="Webhook subscriptions and their delivery worker.")


def _engine():
    return current_app.extensions["geoservice"].store.engine


@webhooks.command("add")
@click.argument("url")
@click.option("--collection", "collections", multiple=True, help="Only this collection (repeatable).")
@click.option("--feature", "features", multiple=True, help="Only this feature, collection/id (repeatable).")
@click.option("--secret", default=None, help="A whsec_ key (default: a new random one, printed).")
def add_command(url, collections, features, secret) -> None:
    """Subscribe URL to the changes (all, or some collections or features)."""
    try:
        sub_id, secret = registry.register(_engine(), current_app.config, url, collections, features,
                                           secret, created_by="cli")
    except GeoserviceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"subscription: {sub_id}\nsecret: {secret}")


@webhooks.command("list")
def list_command() -> None:
    """Every subscription with its events per status and its latest problems (JSON)."""
    click.echo(json.dumps(outbox.report(_engine()), ensure_ascii=False, indent=1))


@webhooks.command("remove")
@click.argument("subscription_id", type=int)
def remove_command(subscription_id: int) -> None:
    """End a subscription (its pending events are not sent)."""
    if not outbox.remove(_engine(), subscription_id):
        raise click.ClickException(f"no active subscription {subscription_id}")
    click.echo(f"subscription {subscription_id} removed")


@webhooks.command("retry")
@click.argument("subscription_id", type=int)
def retry_command(subscription_id: int) -> None:
    """Send a subscription's failed events again."""
    click.echo(f"{outbox.retry_failed(_engine(), subscription_id)} events due again")


@webhooks.command("deliver")
@click.option("--once", is_flag=True, help="Send what is due, then stop (default: run until stopped).")
def deliver_command(once: bool) -> None:
    """Run the delivery worker (supervise it like the web workers; SIGTERM stops it cleanly)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("webhook delivery worker running" + (" once" if once else ""))
    try:
        deliver.run(_engine(), current_app.config, stop, once=once)
    except KeyboardInterrupt:
        pass
