"""The contract as code: models are tolerant, examples are valid, the retry state is right."""

from datetime import UTC, datetime, timedelta

import pytest

from impilo_desk.contract import (
    EVENT_TYPES,
    READING_KINDS,
    DeliveryPhase,
    Envelope,
    Page,
    ReadingKind,
    Webhook,
    WebhookLog,
    WebhookSecret,
    delivery_state,
    format_timestamp,
    kind_for_webhook_type,
    scaled_schedule,
    validate_values,
)
from impilo_desk.contract.readings import ReadingSource
from impilo_desk.contract.retry import DUE_GRACE

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_every_documented_type_is_in_the_catalogue() -> None:
    documented = {
        "device.associationCreated", "device.associationRemoved", "device.lowBattery",
        "device.weakSignal", "device.healthcheck", "order.status", "order.statusFull",
        "patient.created", "patient.updated", "reading.bloodGlucose", "reading.bloodOxygen",
        "reading.bloodPressure", "reading.weight", "reading.temperature", "reading.ecg",
        "reading.peakFlow", "reading.sleepMatActivity", "reading.sleepMatDuration",
        "return.statusFull", "supportTicket.event", "procurement.status",
        "procurement.statusFull", "transferRequest.statusFull", "packedKit.event",
    }  # fmt: skip
    assert documented <= set(EVENT_TYPES)
    assert all(EVENT_TYPES[name].documented for name in documented)


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_every_example_payload_validates_and_fits_an_envelope(name: str) -> None:
    event = EVENT_TYPES[name]
    assert event.description
    event.model.model_validate(event.example)
    envelope = Envelope.model_validate({"id": 1, "type": name, "payload": event.example})
    assert envelope.payload == event.example


def test_reading_types_map_to_kinds_both_ways() -> None:
    for info in READING_KINDS.values():
        assert kind_for_webhook_type(info.webhook_type) is info
        assert EVENT_TYPES[info.webhook_type].reading_kind is info.kind
    assert kind_for_webhook_type("device.lowBattery") is None


def test_models_keep_unknown_fields_and_accept_allowed_nulls() -> None:
    hook = Webhook.model_validate({"id": 3, "type": "reading.weight", "url": "u", "active": True})
    assert hook.model_extra == {"active": True}
    page = Page[Webhook].model_validate({"content": None, "page": None, "total": None})
    assert page.content == []


def test_log_payload_is_opaque_text_even_when_not_json() -> None:
    log = WebhookLog.model_validate({"id": 1, "payload": "{'id':1234}"})
    assert log.payload == "{'id':1234}"
    as_object = WebhookLog.model_validate({"id": 1, "payload": {"id": 1234}})
    assert as_object.payload == '{"id": 1234}'


def test_timestamps_parse_any_iso_form_and_write_z() -> None:
    log = WebhookLog.model_validate({"createTimestamp": "2024-01-25T13:50:50.0Z"})
    assert log.createTimestamp == datetime(2024, 1, 25, 13, 50, 50, tzinfo=UTC)
    assert log.model_dump(mode="json")["createTimestamp"] == "2024-01-25T13:50:50.000Z"
    assert format_timestamp(datetime(2024, 1, 1)) == "2024-01-01T00:00:00.000Z"


def test_secret_model_never_shows_its_value() -> None:
    secret = WebhookSecret(secret="s3cr3t-value")
    assert "s3cr3t-value" not in repr(secret)
    assert "s3cr3t-value" not in str(secret)


def _log(status: int | None, retries: int, last_retry: datetime | None = None) -> WebhookLog:
    return WebhookLog(
        createTimestamp=T0,
        lastResponseStatus=status,
        retryAttempts=retries,
        lastRetryTimestamp=last_retry,
    )


def test_delivery_state_delivered_first_time_and_after_retries() -> None:
    assert delivery_state(_log(200, 0), T0).phase is DeliveryPhase.DELIVERED
    late = delivery_state(_log(204, 2, T0 + timedelta(minutes=45)), T0)
    assert (late.phase, late.attempts) == (DeliveryPhase.DELIVERED, 3)
    assert late.describe(T0) == "Delivered after 2 retries"
    once = delivery_state(_log(200, 1, T0 + timedelta(minutes=15)), T0)
    assert once.describe(T0) == "Delivered after 1 retry"
    assert delivery_state(_log(200, 0), T0).describe(T0) == "Delivered"


def test_delivery_state_waits_15_then_30_then_60_minutes() -> None:
    first = delivery_state(_log(500, 0), T0 + timedelta(minutes=5))
    assert first.phase is DeliveryPhase.RETRYING
    assert (first.next_retry, first.next_retry_at) == (1, T0 + timedelta(minutes=15))
    assert first.describe(T0 + timedelta(minutes=5)) == "Retry 1 of 3 in 10m 00s"
    r1 = T0 + timedelta(minutes=15)
    second = delivery_state(_log(503, 1, r1), r1)
    assert (second.next_retry, second.next_retry_at) == (2, r1 + timedelta(minutes=30))
    r2 = r1 + timedelta(minutes=30)
    third = delivery_state(_log(0, 2, r2), r2 + timedelta(minutes=61))
    assert (third.next_retry, third.next_retry_at) == (3, r2 + timedelta(minutes=60))
    assert third.overdue
    due = r2 + timedelta(minutes=60)
    assert third.describe(due + timedelta(seconds=3)) == "Retry 3 of 3 due now"
    assert not third.past_due(due + DUE_GRACE)
    # past a few seconds the record, read before, may be out of date: only "was due"
    assert third.past_due(due + DUE_GRACE + timedelta(seconds=1))
    assert third.describe(r2 + timedelta(minutes=61)) == "Retry 3 of 3 was due 1m 00s ago"


def test_delivery_state_fails_for_good_after_four_attempts() -> None:
    state = delivery_state(_log(500, 3, T0 + timedelta(hours=2)), T0 + timedelta(hours=3))
    assert (state.phase, state.attempts) == (DeliveryPhase.FAILED, 4)
    assert "Failed for good" in state.describe(T0)


def test_delivery_state_pending_and_scaled_schedule() -> None:
    assert delivery_state(_log(None, 0), T0).phase is DeliveryPhase.PENDING
    fast = delivery_state(_log(500, 0), T0, scaled_schedule(60))
    assert fast.next_retry_at == T0 + timedelta(seconds=15)
    with pytest.raises(ValueError, match="positive"):
        scaled_schedule(0)


def test_validate_values_reports_each_bad_field_in_a_sentence() -> None:
    bp = READING_KINDS[ReadingKind.BLOOD_PRESSURE]
    assert validate_values(bp, {"systolic": 120, "diastolic": 80}) == {}
    errors = validate_values(bp, {"systolic": 300, "heartRate": 7.5})
    assert errors == {
        "systolic": "Systolic must be between 60 and 260 mmHg.",
        "diastolic": "Diastolic is required.",
        "heartRate": "Heart rate must be a whole number.",
    }
    temp = READING_KINDS[ReadingKind.TEMPERATURE]
    assert validate_values(temp, {"temperature": 37.0, "temperatureUnit": "celsius"}) == {}
    assert (
        "between 77 and 113"
        in validate_values(temp, {"temperature": 37.0, "temperatureUnit": "fahrenheit"})[
            "temperature"
        ]
    )
    assert (
        "one of"
        in validate_values(temp, {"temperature": 99, "temperatureUnit": "kelvin"})[
            "temperatureUnit"
        ]
    )


def test_reading_source_needs_exactly_one_identifier() -> None:
    assert ReadingSource(patientId=4).patientId == 4
    with pytest.raises(ValueError, match="exactly one"):
        ReadingSource(patientId=4, deviceId=9)
    with pytest.raises(ValueError, match="exactly one"):
        ReadingSource()
