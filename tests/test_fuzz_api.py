"""The whole REST API, fuzzed from its own OpenAPI document: no request gets a server error.

Schemathesis generates requests for every operation of ``/api/v1/_openapi`` (valid ones from the
schema, its boundaries, and ones that break it: wrong types, NUL bytes, huge numbers, missing
and unknown fields, other content types), as a level-3 clerk and as the administrator. Every
answer must be below 500, and every refusal JSON with a Thai ``message``.

Bounded to fit in ``make test``: FUZZ_EXAMPLES examples an operation and role (default 12).
"""

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import make_app
from tests.test_api import token

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
THAI = re.compile("[\u0e00-\u0e7f]")
# Logging in is throttled (tests/test_rate_limit.py); fuzzing it would only lock the fuzzer out.
SKIPPED_OPERATIONS = r"/security/login$"


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    client = fuzz_app.test_client()
    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", fuzz_app,
                                            headers=token(client, "admin"))
    return schema.exclude(path_regex=SKIPPED_OPERATIONS)


schema = schemathesis.pytest.from_fixture("api_schema")


def _check(response, case):
    body = response.text
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {body[:500]}\n"
        f"{case.as_curl_command()}")
    if response.status_code >= 400 and response.status_code != 405:
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith("application/json"), body[:300]
        message = response.json().get("message")
        assert message and THAI.search(str(message)), (
            f"{case.method} {case.formatted_path} -> {response.status_code}: {body[:300]}")


def _fuzz(case, fuzz_app, username):
    headers = _tokens(fuzz_app, username)
    response = case.call(headers=headers)
    _check(response, case)


_TOKENS = {}


def _tokens(app, username):
    key = (id(app), username)
    if key not in _TOKENS:
        _TOKENS[key] = token(app.test_client(), username)
    return _TOKENS[key]


_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                     suppress_health_check=list(HealthCheck), database=None)


@schema.parametrize()
@_SETTINGS
def test_api_as_a_clerk(case, fuzz_app):
    _fuzz(case, fuzz_app, "clerk.dopa")


@schema.parametrize()
@_SETTINGS
def test_api_as_the_administrator(case, fuzz_app):
    _fuzz(case, fuzz_app, "admin")
