"""Probes for a load balancer: /healthz (the process answers) and /readyz (it serves good data)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from geoservice import auth

bp = Blueprint("health", __name__)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"  # never from a cache: the answer is "now"
    return response


@bp.get("/healthz")
def healthz():
    """Liveness: the worker answers requests."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz():
    """Readiness: the data is loaded and the store's latest state was valid (503 with a short
    reason; the full validation detail only for an administrator's token or session)."""
    holder = current_app.extensions["geoservice"]
    data = holder.dataset
    body = {"status": "ready", "change": data.change_id, "version": data.version}
    if holder.outage:  # reads go on from the last good state; writes and logins get 503
        body.update(status="not ready", reason=f"database unavailable: {holder.outage}",
                    serving_change=data.change_id)
        response = jsonify(body)
        response.status_code = 503
        return _no_store(response)
    if holder.last_error:
        body.update(status="not ready", reason="the store's newest state is invalid",
                    serving_change=data.change_id)
        if auth.admin_viewer() is not None:
            body.update(reason=holder.last_error.splitlines()[0], detail=holder.last_error)
        response = jsonify(body)
        response.status_code = 503
        return _no_store(response)
    return _no_store(jsonify(body))
