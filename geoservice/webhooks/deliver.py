"""The delivery worker: sends the outbox's due events, signed, with retries and back-off.

Run it supervised like the web workers (`flask --app geoservice webhooks deliver`; see
docs/NOTIFICATIONS.md). Any number of workers on any number of machines may run: each event is
leased by one worker at a time (storage/outbox.py). An event counts as delivered when the
receiver answers 2xx; anything else (refused address, connection error, timeout, another status)
is a failed attempt, retried after WEBHOOK_RETRY_SECONDS doubling per attempt (at most an hour),
and after WEBHOOK_MAX_ATTEMPTS marked failed, visible to administrators (`webhooks list`,
GET /admin/webhooks) until retried (`webhooks retry`).
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from standardwebhooks.webhooks import Webhook

from geoservice.storage import outbox
from geoservice.webhooks import guard

log = logging.getLogger(__name__)
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
MAX_DELAY = timedelta(hours=1)
BATCH = 5  # events claimed at once
ADDRESSES = 2  # addresses of a receiver tried per attempt


def sign(secret: str, event_id: str, moment: datetime, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of one message."""
    return {"webhook-id": event_id, "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": Webhook(secret).sign(event_id, moment, body.decode("utf-8"))}


class _PinnedHTTP(http.client.HTTPConnection):
    """A connection to one checked address (the Host header keeps the receiver's name)."""

    def __init__(self, address: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to one checked address, verified against the receiver's name (SNI included)."""

    def __init__(self, address: str, *args, **kwargs):
        super().__init__(*args, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: Mapping[str, str], allow_private: bool,
         timeout: float) -> int:
    """POST to a receiver after checking its addresses; return the status (raises on failure)."""
    target = guard.check(url, allow_private)  # again now: DNS may have changed since registration
    problem: Exception | None = None
    for address in target.addresses[:ADDRESSES]:
        kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
        connection = kind(address, target.host, target.port, timeout=timeout)
        try:
            connection.request("POST", target.path, body=body,
                               headers={**headers, "Content-Type": CONTENT_TYPE,
                                        "User-Agent": "geoservice-webhooks"})
            response = connection.getresponse()
            response.read(64 * 1024)
            return response.status
        except OSError as exc:
            problem = exc
        finally:
            connection.close()
    raise problem or OSError("no address answered")


def backoff(attempts: int, first: float) -> timedelta:
    return min(timedelta(seconds=first * 2 ** max(attempts - 1, 0)), MAX_DELAY)


def deliver_due(engine, config: Mapping, lease: timedelta | None = None) -> int:
    """Claim and send one batch of due events; return how many were claimed."""
    timeout = float(config["WEBHOOK_TIMEOUT_SECONDS"])
    # the lease outlasts the batch's slowest sends (each address may take the whole timeout), so
    # no other worker takes an event still being sent; a killed worker's lease runs out
    claimed = outbox.claim(engine, BATCH, lease or timedelta(seconds=timeout * BATCH * ADDRESSES + 2))
    for due in claimed:
        body = due.payload.encode("utf-8")
        try:
            status = post(due.subscription.url, body,
                          sign(due.subscription.secret, due.event_id, datetime.now(UTC), body),
                          bool(config["WEBHOOKS_ALLOW_PRIVATE"]), timeout)
            error = None if 200 <= status < 300 else f"the receiver answered {status}"
        except guard.RefusedReceiver as exc:
            error = f"refused: {exc}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        if error is None:
            outbox.delivered(engine, due.id)
            continue
        last = due.attempts >= int(config["WEBHOOK_MAX_ATTEMPTS"])
        log.warning("webhook %s to subscription %s: attempt %s failed: %s", due.event_id,
                    due.subscription.id, due.attempts, error)
        outbox.attempt_failed(engine, due, error, None if last else
                              backoff(due.attempts, float(config["WEBHOOK_RETRY_SECONDS"])))
    return len(claimed)


def run(engine, config: Mapping, stop: threading.Event | None = None, once: bool = False) -> None:
    """Deliver until stopped (or, with `once`, until nothing is due)."""
    stop = stop or threading.Event()
    pause = float(config["WEBHOOK_POLL_SECONDS"])
    while not stop.is_set():
        try:
            claimed = deliver_due(engine, config)
        except Exception:  # a database hiccup: log it, keep the worker alive, try again
            log.exception("webhook delivery failed; retrying")
            claimed = 0
        if once and claimed == 0:
            return
        if claimed == 0:
            stop.wait(pause)
