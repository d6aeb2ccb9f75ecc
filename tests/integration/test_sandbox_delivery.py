"""Real deliveries: envelope and secret header, retries on the scaled schedule, restarts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from impilo_desk.contract import (
    DeliveryPhase,
    Envelope,
    WebhookLog,
    delivery_state,
    scaled_schedule,
)
from tests.fixtures.sandbox import Receiver, SandboxProcess
from tests.fixtures.waiting import wait_until

PATIENT = {"firstName": "Amara", "lastName": "Nwosu", "siteId": 1}
WEIGHT = {"weight": 172.4}
TIMESTAMP_RESOLUTION_S = 0.001  # the log's timestamps are whole milliseconds


def setup(api: httpx.Client, receiver: Receiver, type_: str = "reading.weight") -> int:
    api.post("/api/v3/webhook", json={"type": type_, "url": receiver.url + "/hook"})
    return int(api.post("/api/v3/patient", json=PATIENT).raise_for_status().json()["id"])


def logs(api: httpx.Client, **params: Any) -> list[WebhookLog]:
    page = api.get("/api/v3/webhook/logs", params={"size": 250, **params}).raise_for_status()
    return [WebhookLog.model_validate(r) for r in page.json()["content"]]


def log_where(api: httpx.Client, check: Callable[[WebhookLog], bool], **params: Any) -> WebhookLog:
    found: WebhookLog = wait_until(
        lambda: next((r for r in logs(api, **params) if check(r)), None), timeout=30
    )
    return found


def test_delivery_carries_envelope_headers_and_is_logged(
    sandbox_factory: Callable[..., SandboxProcess], receiver: Receiver
) -> None:
    box = sandbox_factory(time_scale=3600)
    with box.client() as api:
        patient_id = setup(api, receiver)
        api.post("/api/v3/webhook", json={"type": "reading.weight", "url": receiver.url + "/two"})
        api.post("/api/v3/webhook-secret", json={"secret": "shh-its-a-secret"}).raise_for_status()
        sent = Envelope.model_validate(
            api.post("/api/v3/test/weight-webhook", json={"patientId": patient_id, **WEIGHT})
            .raise_for_status()
            .json()
        )
        got = receiver.wait_for(2)  # one per reading.weight webhook
        weight_requests = [r for r in got if r.json()["type"] == "reading.weight"]
        assert sorted(r.path for r in weight_requests) == ["/hook", "/two"]
        for request in weight_requests:
            assert request.method == "POST"
            assert request.headers["content-type"] == "application/json"
            assert request.headers["impilo-webhook-secret"] == "shh-its-a-secret"
            assert Envelope.model_validate(request.json()) == sent
        assert sent.payload["weight"] == 172.4
        assert sent.payload["patient"]["id"] == patient_id
        record = log_where(api, lambda r: r.lastResponseStatus == 200, webhookType="reading.weight")
        assert record.retryAttempts == 0
        assert record.lastRetryTimestamp is None
        assert record.payload is not None
        assert Envelope.model_validate_json(record.payload) == sent
        # Recording a reading fires too, and without a secret the header is left out.
        api.delete("/api/v3/webhook-secret").raise_for_status()
        api.post(
            "/api/v3/weight-reading",
            json={"patientId": patient_id, "readingTimestamp": "2026-11-02T08:00:00Z", **WEIGHT},
        ).raise_for_status()
        later = receiver.wait_for(4)[2:]
        assert all("impilo-webhook-secret" not in r.headers for r in later)
        assert {r.json()["payload"]["readingTimestamp"] for r in later} == {
            "2026-11-02T08:00:00.000Z"
        }


def test_patient_events_are_delivered(
    sandbox_factory: Callable[..., SandboxProcess], receiver: Receiver
) -> None:
    box = sandbox_factory(time_scale=3600)
    with box.client() as api:
        for type_ in ("patient.created", "patient.updated"):
            api.post("/api/v3/webhook", json={"type": type_, "url": receiver.url})
        made = api.post("/api/v3/patient", json=PATIENT).raise_for_status().json()
        api.put(f"/api/v3/patient/{made['id']}", json={**PATIENT, "lastName": "Okafor"})
        # each event is delivered on its own, so they may arrive in either order (Impilo
        # promises none either): a loaded machine delivered the update first
        got = {r.json()["type"]: r.json() for r in receiver.wait_for(2)}
        assert set(got) == {"patient.created", "patient.updated"}
        assert got["patient.created"]["payload"]["lastName"] == PATIENT["lastName"]
        assert got["patient.updated"]["payload"]["lastName"] == "Okafor"


def test_failing_receiver_gets_retries_on_the_scaled_schedule(
    sandbox_factory: Callable[..., SandboxProcess], receiver: Receiver
) -> None:
    scale = 1800  # 15/30/60 minutes -> 0.5/1/2 seconds
    schedule = scaled_schedule(scale)
    box = sandbox_factory(time_scale=scale)
    receiver.status = 503
    with box.client() as api:
        patient_id = setup(api, receiver)
        api.post("/api/v3/test/weight-webhook", json={"patientId": patient_id, **WEIGHT})
        seen: list[WebhookLog] = []
        for attempt in range(4):
            receiver.wait_for(attempt + 1, timeout=30)
            record = log_where(
                api,
                lambda r, n=attempt: r.retryAttempts == n and r.lastResponseStatus == 503,
                webhookType="reading.weight",
            )
            seen.append(record)
            if attempt == 0:
                assert record.lastRetryTimestamp is None
            else:
                assert record.lastRetryTimestamp is not None
                assert record.createTimestamp is not None
                assert record.lastRetryTimestamp > record.createTimestamp
        arrived = [r.at for r in receiver.requests]
        # Retry k+1 is due schedule[k] after its reference: the record's createTimestamp for
        # the first retry, the start of the retry before it (its lastRetryTimestamp) for the
        # others. The arrival of attempt k is no reference for "not early": it comes a delivery
        # latency after that attempt began (and the first attempt itself may start late), so on
        # a loaded machine retries on time arrived less than 0.9 x the delay apart. Each
        # reference is checked against what the receiver saw, so the sandbox cannot move it
        # later than the attempt it stands for.
        references = [seen[0].createTimestamp, *(r.lastRetryTimestamp for r in seen[1:3])]
        for k, (delay, reference) in enumerate(zip(schedule, references, strict=True)):
            assert reference is not None
            began = reference.timestamp()
            assert began <= arrived[k] + TIMESTAMP_RESOLUTION_S, (k, began, arrived[k])
            due = began + delay.total_seconds()
            assert arrived[k + 1] >= due - TIMESTAMP_RESOLUTION_S, (k, arrived[k + 1] - began)
            gap = arrived[k + 1] - arrived[k]
            assert gap <= delay.total_seconds() + 5.0, (k, gap)
        now = datetime.now(UTC)
        assert delivery_state(seen[1], now, schedule).phase is not DeliveryPhase.FAILED
        assert delivery_state(seen[-1], now, schedule).phase is DeliveryPhase.FAILED
        assert [r.retryAttempts for r in seen] == [0, 1, 2, 3]
        stamps = [r.lastRetryTimestamp for r in seen[1:]]
        assert stamps == sorted(stamps)
        assert len(receiver.requests) == 4


def test_a_retry_that_succeeds_and_an_unreachable_url(
    sandbox_factory: Callable[..., SandboxProcess], receiver: Receiver
) -> None:
    box = sandbox_factory(time_scale=3600)
    receiver.statuses = [500]
    with box.client() as api:
        patient_id = setup(api, receiver)
        api.post("/api/v3/webhook", json={"type": "reading.ecg", "url": "http://127.0.0.1:9/x"})
        api.post("/api/v3/test/weight-webhook", json={"patientId": patient_id, **WEIGHT})
        api.post("/api/v3/test/ecg-webhook", json={"patientId": patient_id, "heartRate": 70})
        receiver.wait_for(2)
        ok = log_where(api, lambda r: r.lastResponseStatus == 200, webhookType="reading.weight")
        assert ok.retryAttempts == 1
        assert ok.lastRetryTimestamp is not None
        unreachable = log_where(api, lambda r: r.retryAttempts == 3, webhookType="reading.ecg")
        assert unreachable.lastResponseStatus == 0  # no HTTP answer, as the OpenAPI says


def test_a_retry_pending_at_restart_still_happens(
    sandbox_factory: Callable[..., SandboxProcess], receiver: Receiver
) -> None:
    box = sandbox_factory(time_scale=300)  # first retry 3 s after the first attempt
    receiver.status = 503
    with box.client() as api:
        patient_id = setup(api, receiver)
        api.post("/api/v3/test/weight-webhook", json={"patientId": patient_id, **WEIGHT})
        receiver.wait_for(1)
        first = log_where(api, lambda r: r.lastResponseStatus == 503)
        assert first.retryAttempts == 0
    box.kill()  # the sandbox dies...
    assert len(receiver.requests) == 1  # ...while the retry is still pending
    # The receiver recovers before the sandbox comes back: the overdue retry is made as soon
    # as the worker starts, which may be before start() has even read the ready line.
    receiver.status = 200
    box.start()  # on the same database
    with box.client() as api:
        receiver.wait_for(2, timeout=30)
        done = log_where(api, lambda r: r.lastResponseStatus == 200)
        assert done.id == first.id
        assert done.retryAttempts == 1
        assert done.lastRetryTimestamp is not None


def test_every_retry_happens_at_a_very_large_time_scale(
    sandbox_factory: Callable[..., SandboxProcess], receiver: Receiver
) -> None:
    # At 36000 the retries are due within milliseconds, often before the previous attempt's
    # task has finished; each must still happen (once), never be dropped.
    scale = 36000
    schedule = scaled_schedule(scale)
    box = sandbox_factory(time_scale=scale)
    receiver.status = 500
    with box.client() as api:
        patient_id = setup(api, receiver)
        for _ in range(5):
            api.post("/api/v3/test/weight-webhook", json={"patientId": patient_id, **WEIGHT})

        def all_final() -> list[WebhookLog] | None:
            rows = logs(api, webhookType="reading.weight")
            now = datetime.now(UTC)
            done = [
                r for r in rows if delivery_state(r, now, schedule).phase is DeliveryPhase.FAILED
            ]
            return rows if len(rows) == 5 and len(done) == 5 else None

        rows: list[WebhookLog] = wait_until(all_final, timeout=30)
        assert [r.retryAttempts for r in rows] == [3] * 5
        assert all(r.lastResponseStatus == 500 for r in rows)
        receiver.wait_for(20, timeout=30)
        assert len(receiver.requests) == 20  # 4 attempts each: exactly once per scheduled attempt
