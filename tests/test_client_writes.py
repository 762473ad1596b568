"""Writing from unmodified clients: QGIS's OAPIF editing (replayed as its source builds the
requests) and OWSLib 0.35 itself, against a real server, for accounts an administrator lets
write without If-Match and with a default change note.

QGIS 3.34 / 3.40 (no such QGIS is packaged for Debian 12, so the requests are replayed byte for
byte as the provider builds them), from qgis/QGIS src/providers/wfs/:
- oapif/qgsoapifprovider.cpp, QgsOapifProvider::computeCapabilities(): OPTIONS on
  `<items>` and on `<items>/<first feature id>`; the `Allow` value split at ',' and trimmed;
  POST there enables adding, PUT changing, DELETE deleting, PATCH makes changes merge patches.
  `<items>` is the landing page's `data` link cut at '?' (qgsoapiflandingpagerequest.cpp)
  + '/' + collection + '/items'.
- oapif/qgsoapifcreatefeaturerequest.cpp: POST `<items>`, Content-Type application/geo+json,
  body QgsJsonExporter::exportFeatureToJsonObject() without `id` and `bbox` (every field, NULL
  as null; `properties.id` kept when the items carry it) dumped by nlohmann::json (keys sorted,
  no spaces); the new id is what follows '/items/' in Location; then GET `<items>/<id>` with
  Accept "application/geo+json, application/json" (qgsoapifsingleitemrequest.cpp; this GET came
  with qgis/QGIS PR 57547 in 2024, earlier 3.34 releases skip it).
- oapif/qgsoapifpatchfeaturerequest.cpp: PATCH `<items>/<id>`, application/merge-patch+json,
  `{"properties": {changed fields}}` or `{"geometry": ...}` (6 decimals: the exporter's precision).
- qgsoapifprovider.cpp deleteFeatures(): DELETE `<items>/<id>`, no body.
- qgsbasenetworkrequest.cpp: no If-Match, no change note, no Accept on writes; credentials by
  QgsAuthorizationSettings::setAuthorization (qgsauthorizationsettings.cpp): the connection's
  user/password as `Authorization: Basic`, or an authentication configuration (its "API Header"
  method sets the configured header, e.g. X-API-Key).
Read at the qgis/QGIS commits 0c85fff9 (create), 1ff3b0c0 (patch), 4fc2c429 (delete), 0fe5a55b
(put), 0304f461 (provider), 148c4220 (base request), 1c90e58d (landing page): methods, media
types, bodies and credentials as since the editing came in (PR 52504, QGIS 3.32). `Content-Crs`
and swapped axes are sent only for a layer CRS other than CRS84; this service's storageCrs is
CRS84, so QGIS sends neither.

OWSLib 0.35 (owslib/ogcapi/features.py): collection_item_create/update/delete send no If-Match
and no note; `Authentication(user, password)` is sent as Basic; `collection_items(cql=...)` POSTs
the CQL2-JSON filter to `/items` as application/json (or as application/geo+json after a create:
OWSLib's header dictionary is shared by all its objects).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess

import pytest
import requests
import sqlalchemy as sa
from owslib.ogcapi import REQUEST_HEADERS
from owslib.ogcapi.features import Features
from owslib.util import Authentication

from geoservice.storage.tables import changes
from tests.conftest import LiveServer, build_app
from tests.test_qgis import SYSTEM_PYTHON, _qgis_available

NOTE_QGIS = "Bearbeitung in QGIS (Quartiersmanagement)"
NOTE_OWSLIB = "Abgleich über OWSLib"
PROHLIS = (13.7980134, 51.0062709)
MOVED = (13.781045, 51.018048)  # inside Am Koitschgraben
# Qt's defaults on every request of QgsNetworkAccessManager (no Accept on writes)
QT_HEADERS = {"User-Agent": "Mozilla/5.0 QGIS/34000/Debian GNU/Linux 12 (bookworm)",
              "Accept-Encoding": "gzip, deflate", "Accept-Language": "de-DE,en,*",
              "Connection": "Keep-Alive"}


def _cli(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _token(app, name: str) -> str:
    output = _cli(app, "users", "add", name, "--role", "editor")
    return re.search(r"^token: (\S+)$", output, re.MULTILINE).group(1)


@pytest.fixture(scope="module")
def served(backend, tmp_path_factory):
    """A fresh app on a real server; accounts: `qgis` and `owslib` (If-Match optional, default
    notes, set with `users writing` as an administrator would) and `strict` (the defaults)."""
    app = build_app(backend, tmp_path_factory.mktemp("client-writes"))
    tokens = {name: _token(app, name) for name in ("qgis", "owslib", "strict")}
    _cli(app, "users", "writing", "qgis", "--if-match", "optional", "--default-note", NOTE_QGIS)
    _cli(app, "users", "writing", "owslib", "--if-match", "optional", "--default-note", NOTE_OWSLIB)
    server = LiveServer(app)
    server.app, server.tokens = app, tokens
    yield server
    server.stop()


def basic(name: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{name}:{token}".encode()).decode()


def nlohmann(value) -> bytes:
    """json::dump() as QGIS calls it: keys sorted (nlohmann::json's std::map), no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def point(lonlat) -> dict:
    """QgsGeometry::asJsonObject(6) of a point."""
    return {"type": "Point", "coordinates": [round(v, 6) for v in lonlat]}


class Qgis:
    """The OAPIF provider's requests for one layer, with the connection's credentials."""

    def __init__(self, base: str, collection: str, auth: dict):
        self.http = requests.Session()
        self.http.headers.clear()
        self.http.headers.update(QT_HEADERS)
        self.auth = auth
        landing = self.get(base + "/", "application/json").json()
        data = next(link["href"] for link in landing["links"]
                    if link["rel"] == "data" and link["type"] == "application/json")
        self.items = data.split("?", 1)[0] + "/" + collection + "/items"
        first = self.get(self.items + "?limit=10", "application/geo+json").json()["features"]
        self.first_id = first[0]["id"]
        self.fields = list(dict.fromkeys(name for f in first for name in f["properties"]))

    def get(self, url: str, accept: str) -> requests.Response:
        return self.http.get(url, headers={"Accept": accept, **self.auth}, timeout=30)

    def options(self, url: str) -> list[str]:
        response = self.http.options(url, headers=self.auth, timeout=30)
        assert response.status_code == 200, response.text
        return [method.strip() for method in response.headers.get("Allow", "").split(",")]

    def send(self, method: str, url: str, content_type: str | None, body: bytes | None):
        headers = dict(self.auth, **({"Content-Type": content_type} if content_type else {}))
        return self.http.request(method, url, data=body, headers=headers, timeout=30,
                                 allow_redirects=False)

    def create(self, values: dict, lonlat) -> requests.Response:
        properties = {name: values.get(name) for name in self.fields}  # unset fields are NULL
        return self.send("POST", self.items, "application/geo+json",
                         nlohmann({"type": "Feature", "geometry": point(lonlat),
                                   "properties": properties}))

    def patch(self, fid: str, change: dict) -> requests.Response:
        return self.send("PATCH", f"{self.items}/{fid}", "application/merge-patch+json",
                         nlohmann(change))

    def delete(self, fid: str) -> requests.Response:
        return self.send("DELETE", f"{self.items}/{fid}", None, None)


NEW_PROJECT = {"title": "Bücherschrank am Jacob-Winter-Platz", "category": "Kultur",
               "description": "Ein offener Bücherschrank, in QGIS erfasst.", "status": "geplant",
               "start_year": 2027, "address": "Jacob-Winter-Platz, 01239 Dresden",
               "location_accuracy": "street", "location_method": "in QGIS gesetzt",
               "source": "https://example.org/buecherschrank"}


def test_options_announce_what_qgis_enables(served):
    qgis = Qgis(served.url, "projects", {})
    on_items = qgis.options(qgis.items)
    assert "POST" in on_items
    for fid in (qgis.first_id, "unknown_id"):  # QGIS asks a made-up id for an empty layer
        assert {"PUT", "PATCH", "DELETE"} <= set(qgis.options(f"{qgis.items}/{fid}"))


def test_qgis_creates_changes_and_deletes_a_project_each_change_with_a_note(served):
    qgis = Qgis(served.url, "projects", {"Authorization": basic("qgis", served.tokens["qgis"])})
    created = qgis.create(NEW_PROJECT, PROHLIS)
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    fid = location[location.rindex("/items/") + len("/items/"):]
    assert fid == "bucherschrank-am-jacob-winter-platz"
    stored = qgis.get(f"{qgis.items}/{fid}", "application/geo+json, application/json").json()
    assert stored["properties"]["area_id"] == "prohlis"  # derived, though QGIS sent null

    changed = qgis.patch(fid, {"properties": {"status": "laufend"}})
    assert changed.status_code == 200, changed.text
    moved = qgis.patch(fid, {"geometry": point(MOVED)})
    assert moved.status_code == 200, moved.text
    assert moved.json()["geometry"]["coordinates"] == list(point(MOVED)["coordinates"])
    assert moved.json()["properties"]["area_id"] == "am-koitschgraben"  # derived anew
    deleted = qgis.delete(fid)
    assert deleted.status_code == 204, deleted.text
    assert qgis.get(f"{qgis.items}/{fid}", "application/geo+json").status_code == 404

    history = qgis.get(f"{qgis.items}/{fid}/history", "application/json").json()["records"]
    assert [r["kind"] for r in history] == ["create", "update", "update", "retire"]
    assert {r["note"] for r in history} == {NOTE_QGIS}
    assert [r["record_id"] for r in history] == sorted(r["record_id"] for r in history)


def test_qgis_api_header_and_the_guarantees_that_stay(served):
    fid = "bmx-anlage-prohlis"
    as_key = Qgis(served.url, "projects", {"X-API-Key": served.tokens["qgis"]})
    first = as_key.patch(fid, {"properties": {"status_note": "über einen API-Header geändert"}})
    assert first.status_code == 200, first.text
    old_etag = first.headers["ETag"]
    again = as_key.patch(fid, {"properties": {"status_note": "noch einmal"}})
    assert again.status_code == 200, again.text
    # a client that sends If-Match keeps its lost-update protection, with the same account
    stale = as_key.http.patch(f"{as_key.items}/{fid}", data=b'{"properties":{"funding":null}}',
                              headers={"X-API-Key": served.tokens["qgis"], "If-Match": old_etag,
                                       "Content-Type": "application/merge-patch+json"}, timeout=30)
    assert stale.status_code == 412, stale.text
    # an account the administrator did not allow: QGIS's request is refused, nothing written
    strict = Qgis(served.url, "projects", {"Authorization": basic("strict", served.tokens["strict"])})
    refused = strict.patch(fid, {"properties": {"status": "laufend"}})
    assert refused.status_code == 428 and "--if-match optional" in refused.text, refused.text
    # the Basic user name must be the token's account's; a login password is not a token
    for auth in (basic("strict", served.tokens["qgis"]), basic("qgis", "not-a-token"),
                 "Basic %%%", "Digest x"):
        wrong = Qgis(served.url, "projects", {"Authorization": auth}).patch(
            fid, {"properties": {"status": "laufend"}})
        assert wrong.status_code == 401, (auth, wrong.text)
        assert served.tokens["qgis"] not in wrong.text
        assert "basic" not in wrong.headers["WWW-Authenticate"].lower()  # no browser prompt
    # what a cross-site form could send with credentials a browser kept: refused, not written
    form = requests.post(as_key.items, data=b'{"type": "Feature"}', timeout=30, headers={
        "Content-Type": "text/plain", "Authorization": basic("qgis", served.tokens["qgis"])})
    assert form.status_code == 415, form.text
    history = as_key.get(f"{as_key.items}/{fid}/history", "application/json").json()["records"]
    assert [r["note"] for r in history[-2:]] == [NOTE_QGIS, NOTE_QGIS]
    assert history[-1]["kind"] == "update" and history[-1]["summary"] != ""


# The same editing, sent by QGIS 3.22's own network stack (QgsNetworkAccessManager, Qt) with the
# credentials of a Basic authentication configuration (QgsAuthManager::updateNetworkRequest, what
# QgsAuthorizationSettings calls for an authcfg) and the bodies made by QgsJsonExporter (then
# without `id` and `bbox`, as QgsOapifCreateFeatureRequest does).
QGIS_EDIT = r"""
import json, os, sys
from qgis.core import (QgsApplication, QgsAuthMethodConfig, QgsFeature, QgsField, QgsFields,
                       QgsGeometry, QgsJsonExporter, QgsNetworkAccessManager, QgsPointXY)
from qgis.PyQt.QtCore import QByteArray, QEventLoop, QUrl, QVariant
from qgis.PyQt.QtNetwork import QNetworkRequest

base, user, token = sys.argv[1:4]
values, moved = json.loads(sys.argv[4]), json.loads(sys.argv[5])
app = QgsApplication([], False)
app.initQgis()
auth = QgsApplication.authManager()
auth.setMasterPassword("master", True)
config = QgsAuthMethodConfig("Basic")
config.setName("geoservice")
config.setConfig("username", user)
config.setConfig("password", token)
auth.storeAuthenticationConfig(config)
out = {}

def send(verb, url, content_type=None, body=None, accept=None):
    request = QNetworkRequest(QUrl(url))
    request.setAttribute(QNetworkRequest.RedirectPolicyAttribute, QNetworkRequest.ManualRedirectPolicy)
    if accept:
        request.setRawHeader(b"Accept", accept.encode())
    if content_type:
        request.setRawHeader(b"Content-Type", content_type.encode())
    auth.updateNetworkRequest(request, config.id())
    nam = QgsNetworkAccessManager.instance()
    if verb == "GET":
        reply = nam.get(request)
    elif verb == "POST":
        reply = nam.post(request, QByteArray(body))
    elif verb == "PATCH":
        reply = nam.sendCustomRequest(request, b"PATCH", QByteArray(body))
    else:
        reply = nam.sendCustomRequest(request, verb.encode())
    loop = QEventLoop()
    reply.finished.connect(loop.quit)
    loop.exec_()
    headers = {bytes(k).decode(): bytes(v).decode() for k, v in reply.rawHeaderPairs()}
    status = reply.attribute(QNetworkRequest.HttpStatusCodeAttribute)
    return {"status": status, "headers": headers, "body": bytes(reply.readAll()).decode()}

def dump(value):  # nlohmann::json::dump(): sorted keys, no spaces
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

landing = json.loads(send("GET", base + "/", accept="application/json")["body"])
data = [l["href"] for l in landing["links"] if l["rel"] == "data" and l["type"] == "application/json"][0]
items = data.split("?")[0] + "/projects/items"
# the layer's fields as QgsOapifItemsRequest finds them: the properties of the first items
first_items = json.loads(send("GET", items + "?limit=10", accept="application/geo+json")["body"])["features"]
first = first_items[0]["id"]
fields = QgsFields()
for name in dict.fromkeys(n for f in first_items for n in f["properties"]):
    kinds = {type(f["properties"].get(name)) for f in first_items} - {type(None)}
    fields.append(QgsField(name, QVariant.LongLong if kinds == {int} else QVariant.String))
out["allow_items"] = send("OPTIONS", items)["headers"].get("Allow", "")
out["allow_item"] = send("OPTIONS", f"{items}/{first}")["headers"].get("Allow", "")
feature = QgsFeature(fields)
for name, value in values.items():
    feature[name] = value
feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(13.7980134, 51.0062709)))
body = json.loads(QgsJsonExporter().exportFeature(feature))
body.pop("id", None)
body.pop("bbox", None)
created = send("POST", items, "application/geo+json", dump(body))
out["create"] = created["status"]
location = created["headers"].get("Location", "")
fid = location[location.rindex("/items/") + len("/items/"):]
out["id"] = fid
out["reread"] = send("GET", f"{items}/{fid}", accept="application/geo+json, application/json")["status"]
out["patch_properties"] = send("PATCH", f"{items}/{fid}", "application/merge-patch+json",
                               dump({"properties": {"status": "laufend"}}))["status"]
geometry = json.loads(QgsGeometry.fromPointXY(QgsPointXY(*moved)).asJson(6))
patched = send("PATCH", f"{items}/{fid}", "application/merge-patch+json", dump({"geometry": geometry}))
out["patch_geometry"] = patched["status"]
out["area_after_move"] = json.loads(patched["body"])["properties"]["area_id"]
out["delete"] = send("DELETE", f"{items}/{fid}")["status"]
print(json.dumps(out), flush=True)
os._exit(0)  # QGIS 3.22 may crash in exitQgis() while layers are still referenced
"""


@pytest.mark.slow
def test_qgis_network_stack_sends_the_same_edits(served, tmp_path):
    reason = _qgis_available()
    if reason:
        pytest.skip(reason)
    tmp_path.chmod(0o700)  # Qt wants a private runtime directory
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path),
           "HOME": str(tmp_path)}
    env.pop("PYTHONPATH", None)
    values = dict(NEW_PROJECT, title="Trinkbrunnen am Prohliser Zentrum")
    result = subprocess.run([str(SYSTEM_PYTHON), "-c", QGIS_EDIT, served.url, "qgis",
                             served.tokens["qgis"], json.dumps(values), json.dumps(MOVED)],
                            capture_output=True, text=True, timeout=240, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert "POST" in out["allow_items"].split(", ")
    assert {"PUT", "PATCH", "DELETE"} <= {m.strip() for m in out["allow_item"].split(",")}
    assert (out["create"], out["reread"], out["patch_properties"], out["patch_geometry"],
            out["delete"]) == (201, 200, 200, 200, 204), out
    assert out["id"] == "trinkbrunnen-am-prohliser-zentrum" and out["area_after_move"] == "am-koitschgraben"
    history = requests.get(f"{served.url}/collections/projects/items/{out['id']}/history",
                           headers={"Accept": "application/json"}, timeout=30).json()["records"]
    assert [(r["kind"], r["note"]) for r in history] == [
        ("create", NOTE_QGIS), ("update", NOTE_QGIS), ("update", NOTE_QGIS), ("retire", NOTE_QGIS)]


@pytest.fixture()
def owslib(served):
    """OWSLib's Features with the account's token as Basic password (OWSLib's Authentication)."""
    saved = dict(REQUEST_HEADERS)  # OWSLib writes its headers into this module-wide dictionary
    yield Features(served.url, auth=Authentication("owslib", served.tokens["owslib"]))
    REQUEST_HEADERS.clear()
    REQUEST_HEADERS.update(saved)


def _ids(served, **query) -> list[str]:
    answer = requests.get(served.url + "/collections/projects/items",
                          params={"limit": 1000, **query}, timeout=30).json()
    return [feature["id"] for feature in answer["features"]]


def test_owslib_searches_creates_updates_and_deletes(served, owslib):
    laufend = {"op": "=", "args": [{"property": "status"}, "laufend"]}
    before = owslib.collection_items("projects", cql=laufend, limit=1000)
    assert [f["id"] for f in before["features"]] == _ids(served, filter="status='laufend'")
    assert before["features"] and owslib.request.startswith(served.url)  # followed the 303

    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(PROHLIS)},
               "properties": dict(NEW_PROJECT, title="Sitzbänke an der Prohliser Allee")}
    assert owslib.collection_item_create("projects", feature)
    fid = owslib.response_headers["Location"].rsplit("/", 1)[1]
    assert fid == "sitzbanke-an-der-prohliser-allee"

    # after a create OWSLib sends application/geo+json with every request: still a search
    assert REQUEST_HEADERS["Content-Type"] == "application/geo+json"
    after = owslib.collection_items("projects", cql=laufend, limit=1000)
    assert [f["id"] for f in after["features"]] == [f["id"] for f in before["features"]]

    replaced = owslib.collection_item("projects", fid)
    replaced["properties"]["status"] = "laufend"
    assert owslib.collection_item_update("projects", fid, replaced)
    assert fid in _ids(served, filter="status='laufend'")
    assert owslib.collection_item_delete("projects", fid)
    assert fid not in _ids(served)
    history = requests.get(f"{served.url}/collections/projects/items/{fid}/history",
                           headers={"Accept": "application/json"}, timeout=30).json()["records"]
    assert [(r["kind"], r["note"]) for r in history] == [
        ("create", NOTE_OWSLIB), ("replace", NOTE_OWSLIB), ("retire", NOTE_OWSLIB)]


def test_a_cql2_body_is_a_search_and_never_a_write(served):
    items = served.url + "/collections/projects/items"
    expression = {"op": "=", "args": [{"property": "category"}, "Kultur"]}
    for media in ("application/cql2+json", "application/json"):
        answer = requests.post(items + "?limit=3", data=json.dumps(expression), timeout=30,
                               headers={"Content-Type": media}, allow_redirects=False)
        assert answer.status_code == 303, answer.text  # no account needed: it is a read
        assert "limit=3&filter=" in answer.headers["Location"]
        assert "filter-lang=cql2-json" in answer.headers["Location"]
    followed = requests.post(items, json=expression, timeout=30).json()
    assert [f["id"] for f in followed["features"]] == _ids(served, filter="category='Kultur'")
    twice = requests.post(items + "?filter=status%3D'laufend'", json=expression, timeout=30)
    assert twice.status_code == 400 and "given twice" in twice.json()["description"]
    bad = requests.post(items, json={"op": "no-such-op", "args": []}, timeout=30)
    assert bad.status_code == 400 and "no-such-op" in bad.text
    unauthenticated_create = requests.post(items, json={"type": "Feature", "properties": {}},
                                           timeout=30)
    assert unauthenticated_create.status_code == 401


def test_users_writing_sets_and_lists_the_options(served):
    app = served.app
    listing = _cli(app, "users", "list")
    assert 'qgis\teditor' in listing and f'If-Match optional, default note "{NOTE_QGIS}"' in listing
    assert "strict\teditor" in listing and "If-Match required, no default note" in listing
    result = app.test_cli_runner().invoke(args=["users", "writing", "strict"])
    assert result.exit_code != 0 and "nothing to set" in result.output
    result = app.test_cli_runner().invoke(args=["users", "writing", "nobody", "--if-match", "optional"])
    assert result.exit_code != 0 and "nobody" in result.output
    for token in served.tokens.values():
        assert token not in listing
    def strict_line() -> str:
        return next(line for line in _cli(app, "users", "list").splitlines()
                    if line.startswith("strict\t"))

    _cli(app, "users", "writing", "strict", "--default-note", "Nachgetragen")
    assert strict_line().endswith('If-Match required, default note "Nachgetragen"')
    _cli(app, "users", "writing", "strict", "--default-note", "")  # removes it
    assert strict_line().endswith("If-Match required, no default note")
    with app.extensions["geoservice"].store.engine.connect() as conn:  # each setting recorded
        notes = conn.execute(sa.select(changes.c.note).where(changes.c.kind == "account")).scalars()
        recorded = [note for note in notes if note.startswith("Schreibzugriff")]
    assert recorded[0] == (f"Schreibzugriff für Konto qgis: If-Match optional, Standardnotiz "
                           f"„{NOTE_QGIS}“")
    assert recorded[-1] == "Schreibzugriff für Konto strict: keine Standardnotiz"
