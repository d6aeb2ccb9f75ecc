"""SmeeSubscriber against a local SSE server that speaks exactly like smee.io."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from impilo_desk.services.event_store import EventStore
from impilo_desk.services.subscriber import Backoff, Gap, RelayEvent, SmeeSubscriber
from tests.fixtures.relay import make_envelope
from tests.fixtures.smee import FakeSmee
from tests.fixtures.stores import CountingStore
from tests.fixtures.waiting import running, until

pytestmark = pytest.mark.anyio
SECRET = "smee-test-secret"
FAST = Backoff(initial_s=0.05, max_s=0.2)


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
            backoff=FAST,
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


def burst(ids: list[int], secret: str | None = SECRET) -> str:
    """The frames smee sends for POSTs of the envelopes ``ids``, as one write (a burst)."""
    return "".join(FakeSmee.frame(make_envelope(i), secret) for i in ids)


async def test_bursts_are_stored_in_batches_completely_and_in_order_across_a_reconnect(
    tmp_path: Path,
) -> None:
    """Each burst: every event stored once, in the stream's order, in fewer transactions."""
    store = CountingStore(tmp_path / "desk.sqlite3")
    got: list[RelayEvent] = []
    gaps: list[Gap] = []
    first = random.Random(7).sample(range(1, 301), 300)  # not ascending: order must be kept
    again = first[:20]  # smee delivered these twice
    second = list(range(600, 300, -1))
    async with FakeSmee() as smee:
        sub = SmeeSubscriber(
            smee.url, SECRET, store, on_event=got.append, on_gap=gaps.append, backoff=FAST
        )
        async with running(sub):
            await until(lambda: sub.state.phase == "live")
            # wrong secrets in the middle of the burst are dropped without breaking the batching
            await smee.send(burst(first[:150]) + burst([901, 902], "wrong") + burst(first[150:]))
            await smee.send(burst(again, None) + burst(again))  # no secret: dropped too
            await until(lambda: len(got) == 300 and sub.state.duplicates == len(again))
            assert sub.state.dropped == 2 + len(again)
            assert gaps == []

            smee.drop_clients()  # smee went away; the next connection may have missed events
            await until(lambda: len(smee.requests) == 2 and sub.state.phase == "live")
            await smee.send(burst(second))
            await until(lambda: len(got) == 600)
    assert [g.reason for g in gaps] == ["smee-reconnect"]
    assert [e.envelope.id for e in got] == first + second  # every new one, in order
    assert store.written == first + again + second  # each written once (the repeats: ignored)
    assert store.ids() == list(range(1, 601))
    assert sub.state.duplicates == len(again)
    assert max(store.batches) > 1, "the bursts were not written in batches"
    assert len(store.batches) < len(store.written)


async def test_without_a_store_a_burst_is_deduplicated_in_memory_in_order() -> None:
    got: list[RelayEvent] = []
    order = [5, 3, 9, 3, 1, 5, 7]
    async with FakeSmee() as smee:
        sub = SmeeSubscriber(smee.url, SECRET, on_event=got.append, backoff=FAST)
        async with running(sub):
            await until(lambda: sub.state.phase == "live")
            await smee.send(burst(order))
            await until(lambda: sub.state.received + sub.state.duplicates == len(order))
    assert [e.envelope.id for e in got] == [5, 3, 9, 1, 7]
    assert sub.state.duplicates == 2
