"""The two reference apps that show the limits of the stack: precomputed bytes, nothing else.

Both serve the bodies fetched once from a running geoservice (file named by BENCH_BODIES),
verbatim and with the same content type, keyed by path and query string.
"""

from __future__ import annotations

import base64
import json
import os
from http import HTTPStatus

from flask import Flask, Response, request


def load_bodies(path: str | None = None) -> dict[str, tuple[str, str, bytes]]:
    """Return {path?query: (status line, content type, body)} from the bodies file."""
    with open(path or os.environ["BENCH_BODIES"], encoding="utf-8") as handle:
        raw = json.load(handle)
    return {key: (f"{item['status']} {HTTPStatus(item['status']).phrase}", item["content_type"],
                  base64.b64decode(item["body"]))
            for key, item in raw.items()}


def make_wsgi():
    """Build the bare WSGI app: a dict lookup and the stored bytes."""
    bodies = load_bodies()
    missing = ("404 Not Found", "text/plain", b"not found")

    def app(environ, start_response):
        query = environ.get("QUERY_STRING", "")
        key = environ.get("PATH_INFO", "/") + ("?" + query if query else "")
        status, content_type, body = bodies.get(key, missing)
        start_response(status, [("Content-Type", content_type),
                                ("Content-Length", str(len(body)))])
        return [body]

    return app


def make_flask() -> Flask:
    """Build the bare Flask app: one catch-all route returning the stored bytes."""
    bodies = load_bodies()
    app = Flask(__name__)

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def serve(path: str) -> Response:
        query = request.query_string.decode("latin-1")
        key = "/" + path + ("?" + query if query else "")
        if key not in bodies:
            return Response(b"not found", status=404, mimetype="text/plain")
        status, content_type, body = bodies[key]
        return Response(body, status=int(status.split()[0]), content_type=content_type)

    return app
