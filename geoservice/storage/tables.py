"""The database schema as SQLAlchemy Core tables (the migrations create it; code reads it here).

Bitemporal records: every change to a feature closes its current record (`recorded_to`,
`closed_by`) and inserts a new one (`recorded_from`, `change_id`); nothing is updated otherwise
and nothing is deleted. A retired feature gets a last record with `retired` set. The legal
validity of boundary versions (`valid_from`/`valid_to`) is a second, separate time axis.
"""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

ACCOUNT_KIND = "account"  # an account change: recorded beside the data's changes, never part of them

changes = Table(
    "changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recorded_at", DateTime, nullable=False),  # UTC, strictly increasing with id
    Column("author", String(200), nullable=False),  # account name (shown to administrators only)
    Column("author_role", String(200), nullable=False),  # public label: role or organisation
    Column("kind", String(20), nullable=False),  # seed | import | create | replace | update | retire | account
    Column("note", Text, nullable=False),
)

records = Table(
    "records", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("collection", String(40), nullable=False),
    Column("fid", String(200), nullable=False),
    Column("position", Integer, nullable=False),  # order in the published file, fixed per feature
    Column("properties", Text, nullable=False),  # JSON object
    Column("geom", LargeBinary, nullable=True),  # WKB, lon/lat (CRS84)
    Column("digest", String(32), nullable=False),  # of properties + geometry: unchanged = equal
    Column("area_id", String(200), nullable=True),  # funding areas: for the no-overlap rule
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
    Column("retired", Boolean, nullable=False, default=False),
    Column("recorded_from", DateTime, nullable=False),
    Column("recorded_to", DateTime, nullable=True),
    Column("change_id", Integer, ForeignKey("changes.id"), nullable=False),
    Column("closed_by", Integer, ForeignKey("changes.id"), nullable=True),
)

accounts = Table(
    "accounts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),  # editor | admin
    Column("organisation", String(200), nullable=False),  # what the public history shows
    Column("password_hash", String(300), nullable=False),
    Column("token_hash", String(128), nullable=True, unique=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    # set by an administrator for clients that cannot send If-Match or a change note (QGIS,
    # OWSLib): writes without If-Match overwrite the current record (kept in the history), and
    # a write without a note records default_note
    Column("if_match_optional", Boolean, nullable=False, default=False),
    Column("default_note", Text, nullable=True),
)

# Editor sessions: the cookie holds a random token, the store its SHA-256, so logging out or
# disabling the account ends the session on the server (a copied cookie stops working).
editor_sessions = Table(
    "editor_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

login_attempts = Table(
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
)

# Messages of the feedback form (accessibility statement): read by administrators in the editor.
# `address` is a keyed hash of the sender's IP address (only to limit messages per hour), never
# the address itself.
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("received_at", DateTime, nullable=False, index=True),  # UTC
    Column("address", String(64), nullable=False),
    Column("name", String(200), nullable=False),  # optional: empty
    Column("contact", String(300), nullable=False),  # optional e-mail or phone: empty
    Column("page", String(500), nullable=False),  # which page the message is about (optional)
    Column("message", Text, nullable=False),
    Column("lang", String(5), nullable=False),
)

# Webhooks (storage/outbox.py): an administrator's subscriptions, and the outbox of events
# written in the same transaction as the change they announce, one row per subscription.
webhook_subscriptions = Table(
    "webhook_subscriptions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    Column("secret", String(200), nullable=False),  # whsec_...: the key that signs (must be kept)
    Column("collections", Text, nullable=True),  # JSON list; null = every collection
    Column("features", Text, nullable=True),  # JSON list of "collection/id"; null = every feature
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
)

webhook_outbox = Table(
    "webhook_outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", Integer, ForeignKey("webhook_subscriptions.id"), nullable=False),
    Column("change_id", Integer, ForeignKey("changes.id"), nullable=False),
    Column("event_id", String(100), nullable=False),  # webhook-id and CloudEvents id
    Column("payload", Text, nullable=False),  # the CloudEvent (structured JSON)
    Column("status", String(12), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("lease_until", DateTime, nullable=True),  # a worker is sending it until then
    Column("last_error", Text, nullable=True),
    Column("delivered_at", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
)

# E-mail subscriptions of residents (storage/mailing.py): only what sending needs. `token_hash`
# is the SHA-256 of the random token the confirmation and unsubscribe links carry (signed);
# `cursor` is the last change-log record mailed (or skipped as out of scope). A row without
# `confirmed_at` is deleted after a day.
mail_subscriptions = Table(
    "mail_subscriptions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, index=True),
    Column("scope", String(20), nullable=False),  # all | area | project
    Column("scope_id", String(200), nullable=True),  # the area's or project's id
    Column("lang", String(5), nullable=False),
    Column("frequency", String(12), nullable=False),  # immediate | daily
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),  # UTC
    Column("confirmed_at", DateTime, nullable=True),
    Column("cursor", Integer, nullable=True),  # set at confirmation: the change log's head then
    Column("lease_until", DateTime, nullable=True),  # a worker is sending its digest until then
)

# Subscription requests per keyed hash (HMAC) of the client's IP address or of the e-mail
# address, for the hourly limit; rows older than a day are deleted.
mail_requests = Table(
    "mail_requests", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
)
