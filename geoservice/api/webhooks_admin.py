"""Webhook subscriptions over HTTP, for administrators (the token of an admin account).

POST /admin/webhooks {url, collections?, features?, secret?} registers one (201 with its id and
secret), GET /admin/webhooks lists them with their events per status and latest problems,
DELETE /admin/webhooks/{id} ends one. The checks are the CLI's (webhooks/registry.py).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request

from geoservice import auth, edge
from geoservice.errors import Forbidden, InvalidParameter, NotFound, Unauthorized, UnsupportedMediaType
from geoservice.http import check_params
from geoservice.storage import outbox
from geoservice.webhooks import registry

bp = Blueprint("webhooks_admin", __name__)
PRIVATE = {"Cache-Control": "private, no-store"}


def _admin():
    account = auth.token_account()
    if account is None:
        raise Unauthorized("webhook subscriptions need an administrator's 'Authorization: Bearer <token>'")
    if account.role != "admin":
        raise Forbidden("only administrators manage webhook subscriptions")
    return account


def _engine():
    return current_app.extensions["geoservice"].store.engine


def _json(value, status: int = 200) -> Response:
    return Response(json.dumps(value, ensure_ascii=False), status, mimetype="application/json",
                    headers=PRIVATE)


def _names(body: dict, key: str) -> list[str]:
    value = body.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidParameter(f"{key}: expected a list of strings")
    return value


@bp.post("/admin/webhooks")
def add():
    account = _admin()
    check_params(())
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the subscription as application/json")
    body = edge.parse_json(request.get_data(cache=False))
    if not isinstance(body, dict) or not isinstance(body.get("url"), str):
        raise InvalidParameter("expected a JSON object with url (and optionally collections, "
                               "features, secret)")
    secret = body.get("secret")
    if secret is not None and not isinstance(secret, str):
        raise InvalidParameter("secret: expected a string")
    sub_id, secret = registry.register(_engine(), current_app.config, body["url"],
                                       _names(body, "collections"), _names(body, "features"),
                                       secret, created_by=account.name)
    return _json({"id": sub_id, "url": body["url"], "secret": secret}, 201)


@bp.get("/admin/webhooks")
def listing():
    _admin()
    check_params(())
    return _json(outbox.report(_engine()))


@bp.delete("/admin/webhooks/<int:subscription_id>")
def remove(subscription_id: int):
    _admin()
    check_params(())
    if not outbox.remove(_engine(), subscription_id):
        raise NotFound(f"no active webhook subscription {subscription_id}")
    return Response(status=204, headers=PRIVATE)
