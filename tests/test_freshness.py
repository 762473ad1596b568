"""Read-your-writes across workers: gunicorn as in production (deploy/gunicorn.conf.py), 2 workers,
one SQLite database. Every request is a new connection, so the next one may reach the other
worker: a PATCH with the ETag the previous write answered succeeds, and a read right after a
write serves it.
"""

from __future__ import annotations

import json

import pytest
import requests

from geoservice.storage.accounts import Accounts
from geoservice.storage.sql import SqlStore
from tests.test_production import Gunicorn

pytestmark = pytest.mark.slow  # starts gunicorn (tests/conftest.py)

FID = "masterplan-prohlis-2030"
TRIES = 200


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Gunicorn(tmp_path_factory.mktemp("freshness"))
    store = SqlStore(running.database)
    running.token = Accounts(store).add("anna", "editor", "Quartiersmanagement Prohlis", "test")[2]
    store.dispose()
    yield running
    running.stop()


def test_a_write_is_seen_by_the_next_request_whichever_worker_answers(server):
    item = f"{server.url}/collections/projects/items/{FID}"
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/merge-patch+json",
               "Accept": "application/geo+json", "X-Change-Note": "Test", "Connection": "close"}
    etag = requests.get(item, headers={"Accept": "application/geo+json"}, timeout=30).headers["ETag"]
    patched, read = [], []
    for n in range(TRIES):
        answer = requests.patch(item, data=json.dumps({"properties": {"status_note": f"Stand {n}"}}),
                                headers={**headers, "If-Match": etag}, timeout=30)
        patched.append(answer.status_code)
        if answer.status_code != 200:
            etag = requests.get(item, headers={"Accept": "application/geo+json"}, timeout=30).headers["ETag"]
            continue
        etag = answer.headers["ETag"]
        after = requests.get(item, headers={"Accept": "application/geo+json", "Connection": "close"},
                             timeout=30)
        read.append(after.json()["properties"]["status_note"] == f"Stand {n}")
    assert patched.count(200) == TRIES, {code: patched.count(code) for code in set(patched)}
    assert read.count(True) == TRIES
