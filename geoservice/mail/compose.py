"""The e-mails: the confirmation (plain text) and the digest (plain text with the same as HTML),
in the subscriber's language.

Times are Dresden's, days in the pages' convention (web/display.py); what changed is said in
the words of the feeds and the history page (api/feeds.py). Every message carries an
unsubscribe link in its text and in `List-Unsubscribe` with `List-Unsubscribe-Post:
List-Unsubscribe=One-Click` (RFC 8058), so a mail program can end the subscription with one
click. Built inside an app context (a request's, or the `mail` command's).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from urllib.parse import quote

from flask import current_app, g, render_template

from geoservice.api import feeds
from geoservice.api.links import url
from geoservice.domain.schema import PROJECTS
from geoservice.http import _
from geoservice.mail import tokens
from geoservice.storage import changelog, mailing
from geoservice.web import display

SHOWN = 50  # changes listed in one digest; more are counted and linked
SERVICE = "Fördergebiete Prohlis / Am Koitschgraben"


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Render in `lang` (the subscriber's), whatever the request's language is."""
    before = g.get("lang")
    g.lang = lang
    try:
        yield
    finally:
        if before is None:
            g.pop("lang", None)
        else:
            g.lang = before


def scope_title(sub: mailing.Subscription) -> str:
    """Name what a subscription covers, in the current language."""
    data = current_app.extensions["geoservice"].dataset
    if sub.scope == mailing.AREA:
        areas = data.funding_areas
        names = areas.loc[areas["area_id"] == sub.scope_id, "name"]
        return _("das Fördergebiet {name}", name=str(names.iloc[-1]) if len(names) else sub.scope_id)
    if sub.scope == mailing.PROJECT:
        row = data.row(PROJECTS.name, sub.scope_id)
        title = row["title"] if row is not None else sub.scope_id
        return _("das Projekt „{title}“", title=title)
    return _("alle Fördergebiete und Projekte")


def frequency_label(frequency: str) -> str:
    return _("sofort bei jeder Änderung") if frequency == mailing.IMMEDIATE else _("einmal täglich")


def unsubscribe_url(sub: mailing.Subscription) -> str:
    return url("abbestellen/" + tokens.unsubscribe_token(current_app.secret_key, sub))


def _message(config: Mapping, sub: mailing.Subscription, subject: str, text: str,
             message_id: str | None = None) -> EmailMessage:
    sender = str(config["MAIL_FROM"])
    message = EmailMessage()
    message["From"] = formataddr((SERVICE, sender))
    message["To"] = sub.email
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid(domain=sender.rpartition("@")[2])
    message["Content-Language"] = sub.lang
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{unsubscribe_url(sub)}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    return message


def confirmation(config: Mapping, sub: mailing.Subscription, token: str) -> EmailMessage:
    """The double opt-in mail: a link valid for a day confirms the subscription."""
    with language(sub.lang):
        link = url("abonnieren/bestaetigen/" + tokens.confirm_token(current_app.secret_key, sub.id, token))
        text = render_template("mail/confirm.txt", _=_, link=link, scope=scope_title(sub),
                               frequency=frequency_label(sub.frequency), service=_(SERVICE),
                               unsubscribe=unsubscribe_url(sub))
        return _message(config, sub, _("Bitte bestätigen Sie Ihr Abonnement: {scope}",
                                       scope=scope_title(sub)), text)


def _item(entry: changelog.Entry, lang: str) -> dict[str, str]:
    when = feeds.dresden_time(entry)
    path = f"collections/{entry.collection}/items/{quote(entry.fid, safe='')}"
    live = current_app.extensions["geoservice"].dataset.has(entry.collection, entry.fid)
    return {"title": feeds.entry_title(entry), "status": _(feeds.STATUS_LABELS[entry.status]),
            "when": display.fmt_date(when.date(), lang) + when.strftime(" %H:%M"),
            "role": entry.author_role, "note": entry.note, "what": feeds.what_changed(entry),
            "link": url(path, f="html") if live else url(f"{path}/history", f="html")}


def digest(config: Mapping, sub: mailing.Subscription, entries: list[changelog.Entry],
           upto: int) -> EmailMessage:
    """The mail of a subscription's changes after its cursor up to record `upto` (oldest first)."""
    with language(sub.lang):
        shown = [_item(entry, sub.lang) for entry in entries[:SHOWN]]
        scope = scope_title(sub)
        count = len(entries)
        subject = (_("{scope}: eine Änderung", scope=scope) if count == 1
                   else _("{scope}: {count} Änderungen", scope=scope, count=count))
        values = dict(_=_, items=shown, more=count - len(shown), scope=scope, subject=subject,
                      frequency=frequency_label(sub.frequency), service=_(SERVICE), lang=sub.lang,
                      feed=url("feed", lang="en" if sub.lang == "en" else None),
                      unsubscribe=unsubscribe_url(sub))
        text = render_template("mail/digest.txt", **values)
        html = render_template("mail/digest.html", **values)  # the same, autoescaped
        domain = str(config["MAIL_FROM"]).rpartition("@")[2]
        # the same digest gets the same Message-ID: sent twice (a crash between the SMTP server's
        # acceptance and the cursor's commit), mail programs show it once
        first = entries[0].record_id
        message = _message(config, sub, subject, text, f"<digest.{sub.id}.{first}.{upto}@{domain}>")
        message.add_alternative(html, subtype="html")
        return message
