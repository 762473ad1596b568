"""E-mail for residents: subscriptions to the whole register, a funding area or a project.

Only where an SMTP server is configured (config.py: SMTP_HOST, MAIL_FROM, BASE_URL); without
one nothing of it is shown or runs.

- storage/mailing.py: the subscriptions (pending, confirmed), their cursors, the hourly limit
- tokens.py: the signed links (itsdangerous): confirmation (expires after a day) and unsubscribe
- compose.py: the messages (plain text, in the subscriber's language, Dresden time)
- send.py: the SMTP connection, the confirmation mail and the digest worker (`mail send`)
- cli.py: `flask --app geoservice mail send|list|delete`
- views.py: the form, the confirmation and unsubscribe pages, the administrators' list
- strings.py: their English
"""

from __future__ import annotations

from collections.abc import Mapping


def enabled(config: Mapping) -> bool:
    """Return True if e-mail subscriptions are offered (an SMTP server is configured)."""
    return bool(config.get("SMTP_HOST"))
