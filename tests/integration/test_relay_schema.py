"""The relay's own OpenAPI schema: it is published, and fuzzing it finds no server error."""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.fixtures.relay import RelayProcess
from tests.fixtures.schema_fuzz import bounded_examples

# Driven with Hypothesis directly, as in test_sandbox_openapi.py (schemathesis' pytest
# integration does not work with pytest 9 yet): positive and negative cases per operation.
EXAMPLES = 25


def test_the_schema_describes_every_route(relay: RelayProcess) -> None:
    document = httpx.get(relay.url + "/openapi.json", timeout=10).raise_for_status().json()
    assert set(document["paths"]) == {
        "/hooks",
        "/events",
        "/events/history",
        "/healthz",
        "/metrics",
    }


def test_no_input_makes_a_server_error(relay: RelayProcess) -> None:
    api_schema = schemathesis.openapi.from_url(relay.url + "/openapi.json")
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # GET /events streams without end when the request is valid: its parameters are checked
    # by test_relay_attacks.py::test_numeric_parameters_out_of_range_are_400 instead.
    operations = [op for op in operations if op.path != "/events"]
    assert len(operations) == 4
    headers = {"Impilo-Webhook-Secret": relay.secret, "Authorization": f"Bearer {relay.token}"}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                bounded_examples(operation, mode, [not_a_server_error], headers, EXAMPLES)()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing can be wrong with no inputs
    health = httpx.get(relay.url + "/healthz", timeout=10)
    assert health.json()["status"] == "ok"  # no fuzzed event broke the store
    assert health.json()["last_seq"] > 0  # and the positive cases were stored
    assert "Traceback" not in relay.stderr(100_000)
