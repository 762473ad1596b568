"""Webhooks: signed CloudEvents 1.0 for every committed change, per subscription.

- storage/outbox.py: subscriptions and the outbox, filled in the change's own transaction
- guard.py: which receiver addresses may be reached (no SSRF), checked at registration and
  again before every connection, which then goes only to the checked address
- deliver.py: the delivery worker (`flask --app geoservice webhooks deliver`): claim, sign
  (Standard Webhooks, `standardwebhooks`), send, retry with back-off, mark failed
- cli.py: `webhooks add|list|remove|retry|deliver`; api/webhooks_admin.py: the same over HTTP
"""
