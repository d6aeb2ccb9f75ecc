"""The sandbox's OpenAPI: every route described, assumptions labelled, fuzzing finds no 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from impilo_desk.contract import READING_KINDS
from tests.fixtures.sandbox import SandboxProcess


@pytest.fixture(scope="module")
def box() -> Iterator[SandboxProcess]:
    with SandboxProcess(time_scale=3600, demo=True) as process:
        yield process


@pytest.fixture(scope="module")
def openapi(box: SandboxProcess) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(box.base_url + "/openapi.json").raise_for_status().json()
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
# every operation, a bounded number of examples each, against the real server.
EXAMPLES = 6
# The reading routes of all kinds come from one factory: fuzz a few kinds that differ most.
FUZZED_KINDS = ("blood-pressure", "temperature", "sleep-mat-activity", "ecg")


def fuzzed(path: str) -> bool:
    if path.startswith("/sandbox/sink"):
        return False  # answers 503 on purpose (a demo receiver that is down)
    if path.endswith("-reading") or "-reading/" in path:
        return any(f"/{kind}-reading" in path for kind in FUZZED_KINDS)
    return True


def test_no_input_makes_a_server_error(box: SandboxProcess) -> None:
    api_schema = schemathesis.openapi.from_url(box.base_url + "/openapi.json")
    operations = [result.ok() for result in api_schema.get_all_operations()]
    operations = [op for op in operations if fuzzed(op.path)]
    assert len(operations) > 25
    ran = 0
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: Any) -> None:
                case.call_and_validate(headers=box.headers, checks=[not_a_server_error])

            try:
                check()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing can be wrong with no inputs
            ran += 1
    assert ran == 2 * len(operations)
