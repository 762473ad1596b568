"""Sending: the SMTP connection, the confirmation mail and the digest worker (`mail send`).

The digests come from the committed change log (storage/changelog.py), read after each
subscription's cursor. A worker leases a batch of due subscriptions (storage/mailing.py
`claim()`), builds each one's mail from the changes in its scope, hands it to the SMTP server and
only then moves the cursor past them. So a restart misses nothing, and nothing is mailed twice;
the one exception is a crash in the moment between the SMTP server's acceptance and the
cursor's commit, after which the same digest (same Message-ID) goes out once more. A mail the
server does not accept leaves the cursor where it was: it is tried again on the next run.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Mapping
from datetime import timedelta
from email.message import EmailMessage

from geoservice.mail import compose
from geoservice.storage import changelog, mailing

log = logging.getLogger(__name__)
BATCH = 20  # subscriptions leased at once
READ = 1000  # changes read after a cursor per mail; more wait for the next mail


class MailNotSent(RuntimeError):
    """The SMTP server could not be reached or did not accept the message."""


def connect(config: Mapping) -> smtplib.SMTP:
    """Open an (authenticated, encrypted as configured) connection to the SMTP server."""
    host, port = str(config["SMTP_HOST"]), int(config["SMTP_PORT"])
    timeout = float(config["SMTP_TIMEOUT_SECONDS"])
    context = ssl.create_default_context()
    if config["SMTP_TLS"] == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config["SMTP_TLS"] == "starttls":
            smtp.starttls(context=context)
    if config["SMTP_USER"]:
        smtp.login(str(config["SMTP_USER"]), str(config["SMTP_PASSWORD"]))
    return smtp


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def problem(exc: BaseException) -> str:
    """Name what went wrong without the recipient's address (the server's refusals quote it)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _ in exc.recipients.values()})
        return f"the SMTP server refused the recipient ({', '.join(codes)})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the SMTP server answered {exc.smtp_code}"
    return f"{type(exc).__name__}: {exc}"


def send_one(config: Mapping, message: EmailMessage) -> None:
    """Send one message now (MailNotSent naming the problem, never the password)."""
    smtp = None
    try:
        smtp = connect(config)
        smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSent(problem(exc)) from None
    finally:
        _close(smtp)


def send_due(engine, config: Mapping, frequency: str) -> int:
    """Mail every due subscription of a frequency its changes; return the number of mails sent.

    Prunes unconfirmed subscriptions older than a day first. A subscription whose mail fails is
    left for the next run (its cursor unmoved)."""
    pruned = mailing.prune(engine)
    if pruned:
        log.info("deleted %s unconfirmed subscriptions older than a day", pruned)
    lease = timedelta(seconds=float(config["SMTP_TIMEOUT_SECONDS"]) * 3 * BATCH + 60)
    sent, failed = 0, set()
    while True:
        subs, head = mailing.claim(engine, frequency, BATCH, lease, exclude=failed)
        if not subs:
            return sent
        read: dict[int, list[changelog.Entry]] = {}  # cursor -> changes after it (shared cursors)
        smtp = None
        try:
            for sub in subs:
                cursor = int(sub.cursor or 0)
                if cursor not in read:
                    read[cursor] = changelog.since(engine, cursor, head, READ)
                entries = read[cursor]
                upto = entries[-1].record_id if len(entries) == READ else head
                mine = [entry for entry in entries if sub.wants(entry)]
                if not mine:
                    mailing.advance(engine, sub.id, upto)
                    continue
                message = compose.digest(config, sub, mine, upto)
                try:
                    smtp = smtp or connect(config)
                    smtp.send_message(message)
                except (OSError, smtplib.SMTPException) as exc:
                    log.warning("mail to subscription %s not sent: %s", sub.id, problem(exc))
                    failed.add(sub.id)
                    mailing.release(engine, sub.id)
                    if not isinstance(exc, smtplib.SMTPRecipientsRefused):
                        _close(smtp)
                        smtp = None
                    continue
                mailing.advance(engine, sub.id, upto)
                sent += 1
        except BaseException:
            for sub in subs:  # leave none leased by a worker that stops here
                mailing.release(engine, sub.id)
            raise
        finally:
            _close(smtp)


def run(engine, config: Mapping, stop: threading.Event | None = None, once: bool = False) -> int:
    """Send immediate mails until stopped (or, with `once`, one pass); return the mails sent."""
    stop = stop or threading.Event()
    pause = float(config["MAIL_POLL_SECONDS"])
    total = 0
    while not stop.is_set():
        try:
            total += send_due(engine, config, mailing.IMMEDIATE)
        except Exception:  # a database hiccup: log it, keep the worker alive, try again
            log.exception("mail sending failed; retrying")
        if once:
            break
        stop.wait(pause)
    return total
