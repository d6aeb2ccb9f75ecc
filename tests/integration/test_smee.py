"""SmeeSubscriber against a local SSE server that speaks exactly like smee.io."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from impilo_desk.services.event_store import EventStore
from impilo_desk.services.subscriber import Backoff, Gap, RelayEvent, SmeeSubscriber
from tests.fixtures.relay import make_envelope
from tests.fixtures.smee import FakeSmee
from tests.fixtures.waiting import running, until

pytestmark = pytest.mark.anyio
SECRET = "smee-test-secret"


async def test_smee_frames_secret_check_dedupe_and_gap_after_reconnect(tmp_path: Path) -> None:
    got: list[RelayEvent] = []
    gaps: list[Gap] = []
    store = EventStore(tmp_path / "desk.sqlite3")
    async with FakeSmee() as smee:
        sub = SmeeSubscriber(
            smee.url,
            SECRET,
            store,
            on_event=got.append,
            on_gap=gaps.append,
            backoff=Backoff(initial_s=0.05, max_s=0.2),
        )
        async with running(sub):
            await asyncio.wait_for(smee.connected.wait(), 10)
            assert smee.requests[0]["accept"] == "text/event-stream"
            await until(lambda: sub.state.phase == "live")
            await smee.send("event: ping\ndata: {}\n\n")
            await smee.forward(make_envelope(1), SECRET)
            await smee.forward(make_envelope(2), "wrong-secret")
            await smee.forward(make_envelope(3), None)
            await smee.forward(make_envelope(1), SECRET)  # smee delivered it twice
            await smee.forward(make_envelope(4), SECRET, ts=1700000005000)
            await until(lambda: len(got) == 2 and sub.state.duplicates == 1)
            assert [e.envelope.id for e in got] == [1, 4]
            assert sub.state.dropped == 2
            assert gaps == []
            first = got[0]
            assert first.source == "smee"
            assert first.seq is None
            assert first.received_at.timestamp() == 1700000000.0
            assert first.headers["user-agent"] == "Impilo-Webhooks/1.0"
            assert "impilo-webhook-secret" not in first.headers
            assert "body" not in first.headers

            smee.drop_clients()  # smee went away; whatever was sent meanwhile is lost
            await until(lambda: len(smee.requests) == 2 and sub.state.phase == "live")
            await until(lambda: len(gaps) == 1)
            assert gaps[0].reason == "smee-reconnect"
            await smee.forward(make_envelope(5), SECRET)
            await until(lambda: len(got) == 3)
    assert store.ids() == [1, 4, 5]
    assert SECRET not in repr(sub)
