"""The links of the e-mails, signed with the app's secret key (itsdangerous).

Each subscription has a random token; the store keeps only its SHA-256 (storage/mailing.py).
- The confirmation link carries the subscription's id and the token, signed with a time stamp:
  it is accepted for a day (an unconfirmed address is deleted after a day anyway).
- The unsubscribe link carries the id and the first half of the token's hash, signed: it works
  as long as the subscription exists, needs no login, and cannot be made without the secret key
  (a copy of the database alone does not give it).
"""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from geoservice.storage import mailing

CONFIRM_SECONDS = int(mailing.UNCONFIRMED_FOR.total_seconds())
MAX_TOKEN = 400  # characters of a signed token read at all
_HASH_PART = 32


class BadToken(ValueError):
    """The link is not one this service made (or no longer matches a subscription)."""


class ExpiredToken(BadToken):
    """The confirmation link is older than a day."""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def confirm_token(secret: str, subscription_id: int, token: str) -> str:
    return URLSafeTimedSerializer(secret, salt="mail-confirm").dumps([subscription_id, token])


def unsubscribe_token(secret: str, subscription: mailing.Subscription) -> str:
    return URLSafeSerializer(secret, salt="mail-unsubscribe").dumps(
        [subscription.id, subscription.token_hash[:_HASH_PART]])


def _pair(value) -> tuple[int, str]:
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or not isinstance(value[1], str)):
        raise BadToken("the link is damaged")
    return value[0], value[1]


def read_confirm(engine, secret: str, signed: str) -> mailing.Subscription:
    """Return the subscription a confirmation link names (BadToken / ExpiredToken otherwise)."""
    if len(signed) > MAX_TOKEN:
        raise BadToken("the link is too long")
    try:
        sub_id, token = _pair(URLSafeTimedSerializer(secret, salt="mail-confirm")
                              .loads(signed, max_age=CONFIRM_SECONDS))
    except SignatureExpired:
        raise ExpiredToken("the confirmation link is older than a day") from None
    except BadSignature:
        raise BadToken("the link is damaged or not from this service") from None
    found = mailing.get(engine, sub_id)
    if found is None or not hmac.compare_digest(found.token_hash, mailing.token_hash(token)):
        raise BadToken("no such subscription (already deleted, or never confirmed within a day)")
    return found


def read_unsubscribe(engine, secret: str, signed: str) -> mailing.Subscription | None:
    """Return the subscription an unsubscribe link names, or None when it no longer exists
    (BadToken for a link this service did not make)."""
    if len(signed) > MAX_TOKEN:
        raise BadToken("the link is too long")
    try:
        sub_id, part = _pair(URLSafeSerializer(secret, salt="mail-unsubscribe").loads(signed))
    except BadSignature:
        raise BadToken("the link is damaged or not from this service") from None
    found = mailing.get(engine, sub_id)
    if found is None or not hmac.compare_digest(found.token_hash[:_HASH_PART], part):
        return None  # already unsubscribed (or replaced): nothing left to do
    return found
