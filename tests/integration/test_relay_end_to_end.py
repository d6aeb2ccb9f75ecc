"""End to end: the sandbox delivers a test event to the relay; the desktop's subscriber gets it.

On each store (SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest

from impilo_desk.services.event_store import EventStore
from impilo_desk.services.subscriber import Backoff, RelayEvent, RelaySubscriber
from tests.fixtures.relay import RelayProcess

pytestmark = pytest.mark.anyio


@pytest.fixture
def relay(relay_on_each_store: RelayProcess) -> RelayProcess:
    """This module's relay: once on each store."""
    return relay_on_each_store


async def test_sandbox_test_event_reaches_the_subscriber_with_the_secret_verified(
    sandbox: object, relay: RelayProcess, tmp_path: Path
) -> None:
    base, key = sandbox.base_url, sandbox.api_key  # type: ignore[attr-defined]
    got: list[RelayEvent] = []
    arrived = asyncio.Event()

    def on_event(event: RelayEvent) -> None:
        got.append(event)
        arrived.set()

    sub = RelaySubscriber(
        relay.url,
        relay.token,
        EventStore(tmp_path / "desk.sqlite3"),
        on_event=on_event,
        backoff=Backoff(initial_s=0.05, max_s=0.5),
    )
    task = asyncio.create_task(sub.run())
    try:
        async with httpx.AsyncClient(
            base_url=base, headers={"Impilo-API-Key": key}, timeout=10
        ) as c:
            r = await c.post("/api/v3/webhook-secret", json={"secret": relay.secret})
            assert r.status_code in (200, 201), r.text
            r = await c.post(
                "/api/v3/webhook", json={"type": "reading.weight", "url": relay.ingest_url}
            )
            assert r.status_code in (200, 201), r.text
            patient = {"firstName": "Thandiwe", "lastName": "Mokoena", "dateOfBirth": "1958-03-14"}
            r = await c.post("/api/v3/patient", json=patient)
            assert r.status_code in (200, 201), r.text
            body = {"patientId": r.json()["id"], "weight": 81.5}
            r = await c.post("/api/v3/test/weight-webhook", json=body)
            assert r.status_code == 200, r.text
            fired = r.json()
        await asyncio.wait_for(arrived.wait(), 30)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    [event] = got
    assert event.envelope.id == fired["id"]
    assert event.envelope.type == "reading.weight"
    assert event.seq == 1
    assert "impilo-webhook-secret" not in event.headers  # checked by the relay, then removed
    metrics = (await asyncio.to_thread(httpx.get, relay.url + "/metrics")).text
    assert 'impilo_relay_events_rejected_total{reason="unauthorized"} 0' in metrics
