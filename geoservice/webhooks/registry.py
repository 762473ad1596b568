"""Registering a subscription (CLI and API): the checks both apply, then the store."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Mapping

from geoservice.domain.schema import COLLECTIONS
from geoservice.errors import InvalidParameter
from geoservice.storage import outbox
from geoservice.webhooks import guard


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def register(engine, config: Mapping, url: str, collections: Iterable[str] = (),
             features: Iterable[str] = (), secret: str | None = None,
             created_by: str = "admin") -> tuple[int, str]:
    """Check and store a subscription; return its id and secret.

    Raises InvalidParameter naming the problem: an unknown collection, a feature not written
    `collection/id`, a secret that is no whsec_ key, or a receiver that may not be reached
    (guard.check: resolved, never contacted).
    """
    collections = list(dict.fromkeys(collections))
    features = list(dict.fromkeys(features))
    for name in collections:
        if name not in COLLECTIONS:
            raise InvalidParameter(f"collection '{name}' does not exist; collections: "
                                   f"{', '.join(COLLECTIONS)}")
    for item in features:
        collection, _, fid = item.partition("/")
        if collection not in COLLECTIONS or not fid:
            raise InvalidParameter(f"feature '{item}' is not written collection/id "
                                   f"(e.g. projects/some-project)")
    if secret is not None:
        try:
            from standardwebhooks.webhooks import Webhook

            Webhook(secret)
        except Exception:
            raise InvalidParameter("secret: expected whsec_ followed by base64 (or leave it out: "
                                   "one is made)") from None
    try:
        guard.check(url, bool(config["WEBHOOKS_ALLOW_PRIVATE"]))
    except guard.RefusedReceiver as exc:
        raise InvalidParameter(f"url: {exc}") from None
    secret = secret or new_secret()
    return outbox.add(engine, url, secret, collections or None, features or None, created_by), secret
