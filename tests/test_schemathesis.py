"""Property-based API tests: schemathesis against the served OpenAPI document.

The schema is the one the app serves (`/openapi?f=json`), loaded through the app's WSGI
interface, on SQLite and on PostgreSQL. Only GET operations are exercised (the writes need
tokens). The budget fits CI: a fixed number of examples per operation, derandomized (the same
cases on every run).

- positive cases (values the schema allows): no 5xx, every status code documented, every body
  valid against its documented schema and of a documented content type;
- negative cases (values the schema forbids): no 5xx.

Every failing case is collected (with its curl line) before the test fails, so one run lists
them all.
"""

from __future__ import annotations

import logging

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = 15
CHECKS = {
    GenerationMode.POSITIVE: [not_a_server_error, status_code_conformance,
                              content_type_conformance, response_schema_conformance],
    GenerationMode.NEGATIVE: [not_a_server_error],
}
# werkzeug's test transport does not decode gzip; the bodies are compared uncompressed
HEADERS = {"Accept-Encoding": "identity"}


@pytest.fixture()
def schema(app):
    loaded = schemathesis.openapi.from_wsgi("/openapi?f=json", app)
    return loaded.include(method="GET")


def _exercise(operation, mode: GenerationMode, failures: list[str]) -> None:
    """Run the operation's budget of cases, adding each failing one (with its curl line)."""

    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(generation_mode=mode))
    def run(case):
        try:
            response = case.call(headers=HEADERS)
            case.validate_response(response, checks=CHECKS[mode])
        except (Exception, FailureGroup) as exc:  # FailureGroup: every failed check
            failures.append(f"{operation.label}: {case.as_curl_command()}\n    "
                            + str(exc).strip().replace("\n", "\n    ")[:800])

    run()


@pytest.mark.parametrize("mode", list(CHECKS), ids=str)
def test_get_operations_hold_to_the_openapi_document(schema, mode):
    failures: list[str] = []
    operations = 0
    logging.getLogger("geoservice").setLevel(logging.ERROR)  # 4xx are expected by the hundred
    for result in schema.get_all_operations():
        _exercise(result.ok(), mode, failures)
        operations += 1
    assert operations >= 20  # every GET path of the document was exercised
    assert not failures, f"{len(failures)} failing case(s):\n" + "\n".join(failures[:10])
