"""The receipt chain of a fired test event: matching, latencies, and why a step is missing."""

import json
from datetime import UTC, datetime, timedelta

from impilo_desk.contract import DeliveryPhase, Envelope, Webhook, WebhookLog
from impilo_desk.services.receipts import ReceiptChain, Step, missing_step_reason

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
RELAY = "http://127.0.0.1:9000/hooks"


def _chain() -> ReceiptChain:
    chain = ReceiptChain("reading.weight", 1042, {"weight": 172.4})
    chain.mark(Step.SENT, T0)
    return chain


def _envelope(eid: int = 55, weight: float = 172.4, patient: int = 1042) -> Envelope:
    return Envelope(
        id=eid, type="reading.weight", payload={"weight": weight, "patient": {"id": patient}}
    )


def test_match_by_envelope_id_when_impilo_returned_one() -> None:
    chain = _chain()
    chain.envelope = _envelope(55)
    assert chain.matches(_envelope(55, weight=1.0), T0)
    assert not chain.matches(_envelope(56), T0)


def test_match_by_type_patient_values_and_time_without_an_id() -> None:
    chain = _chain()
    assert chain.matches(_envelope(), T0 + timedelta(seconds=3))
    assert not chain.matches(_envelope(weight=170.0), T0)
    assert not chain.matches(_envelope(patient=7), T0)
    assert not chain.matches(_envelope(), T0 + timedelta(minutes=10))


def test_latency_is_from_the_previous_step_that_happened() -> None:
    chain = _chain()
    assert chain.mark(Step.ACCEPTED, T0 + timedelta(milliseconds=40))
    assert not chain.mark(Step.ACCEPTED, T0 + timedelta(seconds=9))
    chain.mark(Step.DESKTOP, T0 + timedelta(milliseconds=100))
    assert chain.latency(Step.ACCEPTED) == timedelta(milliseconds=40)
    assert chain.latency(Step.DESKTOP) == timedelta(milliseconds=60)
    assert chain.latency(Step.SENT) is None
    assert not chain.complete


def test_log_record_matches_and_carries_the_delivery_phase() -> None:
    chain = _chain()
    chain.envelope = _envelope(55)
    chain.mark(Step.ACCEPTED, T0)
    record = WebhookLog(
        webhookType="reading.weight",
        payload=json.dumps(_envelope(55).model_dump(mode="json")),
        createTimestamp=T0,
        lastResponseStatus=500,
        retryAttempts=0,
    )
    assert chain.matches_log(record)
    assert not chain.matches_log(record.model_copy(update={"payload": "{'id':55}"}))
    chain.record_log(record, T0 + timedelta(seconds=1))
    assert chain.log_phase is DeliveryPhase.RETRYING
    assert "retried" in missing_step_reason(
        chain, [Webhook(id=1, type="reading.weight", url=RELAY)], RELAY
    )


def test_reasons_name_the_missing_piece() -> None:
    chain = _chain()
    assert "did not accept" in missing_step_reason(chain, [], RELAY)
    chain.mark(Step.ACCEPTED, T0)
    assert missing_step_reason(chain, [], RELAY) == (
        "No webhook of type reading.weight exists, so Impilo has nowhere to send it. "
        "Create one pointing at your relay?"
    )
    elsewhere = [Webhook(id=1, type="reading.weight", url="https://example.com/in")]
    assert "points elsewhere" in missing_step_reason(chain, elsewhere, RELAY)
    at_relay = [Webhook(id=1, type="reading.weight", url=RELAY + "/")]
    assert "secret" in missing_step_reason(chain, at_relay, RELAY)
    chain.mark(Step.RELAY, T0)
    assert "relay connection" in missing_step_reason(chain, at_relay, RELAY)


def test_a_failed_call_marks_the_step_it_failed_at_and_the_rest_not_reached() -> None:
    from impilo_desk.client.errors import (
        ConnectionDropped,
        ConnectionRefused,
        NotFound,
        RequestTimeout,
    )
    from impilo_desk.services.receipts import FAILED, NO_ANSWER, NOT_REACHED, REFUSED
    from impilo_desk.services.test_event_follow import _failed_step

    cases = [
        (ConnectionRefused(), [FAILED] + [NOT_REACHED] * 4, "not sent"),
        (ConnectionDropped(), [NO_ANSWER] + [NOT_REACHED] * 4, "unknown"),
        (RequestTimeout(), [NO_ANSWER] + [NOT_REACHED] * 4, "unknown"),
        (NotFound(status=404), ["✔ Done", REFUSED] + [NOT_REACHED] * 3, "did not accept"),
    ]
    for error, expected, why in cases:
        chain = _chain()
        step, status, _note = _failed_step(error)
        chain.fail(step, status)
        assert [chain.status(s, finished=True) for s in Step] == expected, error
        assert why in missing_step_reason(chain, [], RELAY), error
