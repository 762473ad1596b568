"""`flask --app geoservice mail send|list|delete`: the digest worker and the administrators' tools."""

from __future__ import annotations

import json
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from geoservice import mail
from geoservice.mail import send
from geoservice.storage import mailing

mail_group = AppGroup("mail", help="E-mail subscriptions of residents and their sending.")


def _engine():
    return current_app.extensions["geoservice"].store.engine


@mail_group.command("send")
@click.option("--daily", is_flag=True, help="Send the daily digests once, then stop (run it by a "
              "timer once a day).")
@click.option("--once", is_flag=True, help="Send the immediate mails that are due, then stop "
              "(default: run until stopped).")
def send_command(daily: bool, once: bool) -> None:
    """Mail the subscribers their changes (supervise it like the web workers; SIGTERM stops it)."""
    if not mail.enabled(current_app.config):
        raise click.ClickException("no SMTP server is configured (GEOSERVICE_SMTP_HOST): "
                                   "e-mail subscriptions are off")
    if daily:
        count = send.send_due(_engine(), current_app.config, mailing.DAILY)
        click.echo(f"{count} daily digests sent")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if not once:
        click.echo("mail worker running")
    try:
        count = send.run(_engine(), current_app.config, stop, once=once)
    except KeyboardInterrupt:
        return
    if once:
        click.echo(f"{count} mails sent")


@mail_group.command("list")
@click.option("--email", default=None, help="Only this address's subscriptions.")
def list_command(email: str | None) -> None:
    """Every subscription with its address (for administrators; JSON)."""
    rows = [{"id": s.id, "email": s.email, "scope": s.scope, "scope_id": s.scope_id,
             "lang": s.lang, "frequency": s.frequency,
             "created_at": s.created_at.isoformat() + "Z",
             "confirmed_at": s.confirmed_at.isoformat() + "Z" if s.confirmed_at else None}
            for s in mailing.listing(_engine(), email)]
    click.echo(json.dumps(rows, ensure_ascii=False, indent=1))


@mail_group.command("delete")
@click.argument("subscription_id", type=int, required=False)
@click.option("--email", default=None, help="Delete every subscription of this address.")
def delete_command(subscription_id: int | None, email: str | None) -> None:
    """Delete a subscription, or every subscription of an address (on its owner's request)."""
    if (subscription_id is None) == (email is None):
        raise click.UsageError("give either a SUBSCRIPTION_ID or --email")
    if email is not None:
        click.echo(f"{mailing.delete_address(_engine(), email)} subscriptions deleted")
    elif not mailing.delete(_engine(), subscription_id):
        raise click.ClickException(f"no subscription {subscription_id}")
    else:
        click.echo(f"subscription {subscription_id} deleted")
