"""The sandbox's OpenAPI: every route described, assumptions labelled, and it says what the
server answers (schemathesis finds nothing: no 5xx, no undocumented status, no refused valid input).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from impilo_desk.contract import READING_KINDS
from tests.fixtures.sandbox import SandboxProcess
from tests.fixtures.schema_fuzz import bounded_examples

SCHEMA_TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def box() -> Iterator[SandboxProcess]:
    with SandboxProcess(time_scale=3600, demo=True) as process:
        yield process


@pytest.fixture(scope="module")
def openapi(box: SandboxProcess) -> dict[str, Any]:
    # Built on first request: about a second of CPU, much longer on a loaded machine.
    answer = httpx.get(box.base_url + "/openapi.json", timeout=SCHEMA_TIMEOUT_S)
    document: dict[str, Any] = answer.raise_for_status().json()
    return document


def test_every_route_is_described(openapi: dict[str, Any]) -> None:
    paths = openapi["paths"]
    expected = {
        "/api/v3/webhook": {"get", "post"},
        "/api/v3/webhook/{webhookId}": {"get", "patch", "delete"},
        "/api/v3/webhook/logs": {"get"},
        "/api/v3/webhook-secret": {"get", "post", "put", "delete"},
        "/api/v3/patient": {"get", "post"},
        "/api/v3/patient/{patientId}": {"get", "put"},
        "/sandbox/info": {"get"},
    }
    for info in READING_KINDS.values():
        expected[info.path] = {"get", "post"}
        expected[info.path + "/{readingId}"] = {"get"}
        if info.has_test_endpoint:
            expected[info.test_path] = {"post"}
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    log_params = {p["name"] for p in paths["/api/v3/webhook/logs"]["get"]["parameters"]}
    assert log_params >= {
        "webhookType", "retryAttemptsMin", "retryAttemptsMax", "lastResponseStatus",
        "startLastRetryTimestamp", "endLastRetryTimestamp", "startTimestamp", "endTimestamp",
        "page", "size",
    }  # fmt: skip
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("description"), (method, path)


def test_assumptions_and_extensions_are_labelled(openapi: dict[str, Any]) -> None:
    paths = openapi["paths"]
    for method in ("get", "put", "delete"):
        operation = paths["/api/v3/webhook-secret"][method]
        assert "SANDBOX EXTENSION" in operation["description"]
        assert "sandbox extension" in operation["tags"]
    assumed = [
        ("/api/v3/webhook", "get"), ("/api/v3/webhook/{webhookId}", "get"),
        ("/api/v3/webhook/{webhookId}", "delete"), ("/api/v3/webhook/{webhookId}", "patch"),
        ("/api/v3/webhook-secret", "post"), ("/api/v3/webhook/logs", "get"),
        ("/api/v3/test/weight-webhook", "post"), ("/api/v3/ecg-reading", "get"),
        ("/api/v3/weight-reading", "get"),
    ]  # fmt: skip
    for path, method in assumed:
        assert "ASSUMPTION" in paths[path][method]["description"], (method, path)
    assert "SANDBOX EXTENSION" in paths["/sandbox/info"]["get"]["description"]
    assert "Impilo-API-Key" in str(openapi["components"]["securitySchemes"])


# schemathesis' pytest integration (`from_fixture`) does not work with pytest 9 yet, so the
# operations' strategies are driven with Hypothesis directly: positive and negative cases for
# every operation, a bounded number of examples each, against the real server, with the checks
# that hold the document to what the server answers (status codes, bodies, headers, valid input
# accepted, invalid input refused).
EXAMPLES = 6
# The reading routes of all kinds come from one factory: fuzz a few kinds that differ most.
FUZZED_KINDS = ("blood-pressure", "temperature", "sleep-mat-activity", "ecg")
# negative_data_rejection is left out: every case here is sent with the API key (a case meant to
# lack it gets it), and like most HTTP servers the sandbox ignores query parameters it does not
# know, so that check reports requests that are not wrong. Invalid cases still run every other
# check: a documented status, the error body, never a 5xx.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.positive_data_acceptance,
]
# Valid by the schema yet refused by what the server holds, which no schema can say:
STATEFUL_400 = {
    # the same URL again is 400 (documented), and so is another type than the stored one
    ("PATCH", "/api/v3/webhook/{webhookId}"),
    # a siteId that is a number but not one of the sandbox's sites
    ("POST", "/api/v3/patient"),
    ("PUT", "/api/v3/patient/{patientId}"),
}


def fuzzed(path: str) -> bool:
    if path.startswith("/sandbox/sink"):
        return False  # answers 503 on purpose (a demo receiver that is down)
    if path.endswith("-reading") or "-reading/" in path:
        return any(f"/{kind}-reading" in path for kind in FUZZED_KINDS)
    return True


def excluded(method: str, path: str) -> list[Any]:
    """The checks an operation is spared, for the reason given above."""
    return [checks.positive_data_acceptance] if (method, path) in STATEFUL_400 else []


def test_the_schema_says_what_the_server_answers(box: SandboxProcess) -> None:
    api_schema = schemathesis.openapi.from_url(
        box.base_url + "/openapi.json", timeout=SCHEMA_TIMEOUT_S
    )
    operations = [result.ok() for result in api_schema.get_all_operations()]
    operations = [op for op in operations if fuzzed(op.path)]
    assert len(operations) > 25
    ran = 0
    for operation in operations:
        spared = excluded(operation.method.upper(), operation.path)
        chosen = [check for check in CHECKS if check not in spared]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                bounded_examples(operation, mode, chosen, box.headers, EXAMPLES)()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing can be wrong with no inputs
            ran += 1
    assert ran == 2 * len(operations)


def test_bad_input_is_400_with_the_error_body_and_ranges_are_stated(
    openapi: dict[str, Any],
) -> None:
    paths = openapi["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], (method, path)
    error = {"$ref": "#/components/schemas/ErrorBody"}
    logs = paths["/api/v3/webhook/logs"]["get"]["responses"]
    assert logs["400"]["content"]["application/json"]["schema"] == error
    assert logs["401"]["content"]["application/json"]["schema"] == error
    assert "404" in paths["/api/v3/webhook/{webhookId}"]["delete"]["responses"]
    assert "409" in paths["/api/v3/webhook-secret"]["post"]["responses"]
    schemas = openapi["components"]["schemas"]
    peak = schemas["RecordPeakFlowRequest"]["properties"]["peakFlow"]
    assert (peak["minimum"], peak["maximum"]) == (50, 900)
    heart = schemas["TestBloodPressureRequest"]["properties"]["heartRate"]
    assert (heart["minimum"], heart["maximum"]) == (20, 250)


def test_a_site_id_beyond_64_bits_is_400_not_a_server_error(box: SandboxProcess) -> None:
    """Found by the schemathesis test: SQLite cannot take the number, the lookup failed (500)."""
    body = {"firstName": "Ada", "lastName": "Lovelace", "siteId": 10**30}
    answer = httpx.post(box.base_url + "/api/v3/patient", json=body, headers=box.headers)
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("Site 1000000000000000000000000000000")
