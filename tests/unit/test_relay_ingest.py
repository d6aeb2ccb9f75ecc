"""The relay's writer and fan-out in-process: a failed batch costs only its bad event; the
ingest path does no per-subscriber work and each event is encoded once for every stream."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import pytest

from impilo_desk.relay.broadcaster import Broadcaster
from impilo_desk.relay.ingest import IngestWriter, StorageFailedError
from impilo_desk.relay.metrics import Metrics
from impilo_desk.relay.store import RelayStore, StoredEvent
from impilo_desk.relay.stream import event_stream
from tests.unit.test_relay_stream import incoming

pytestmark = pytest.mark.anyio


def poison_store(path: Path, event_id: int) -> RelayStore:
    """A real store whose database refuses one event (a trigger), as a store fault would."""
    store = RelayStore(path)
    with sqlite3.connect(path) as conn:
        conn.execute(
            f"CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.event_id = {event_id}"
            " BEGIN SELECT RAISE(ABORT, 'this event cannot be stored'); END"
        )
    return store


async def test_a_failed_batch_is_written_again_one_by_one(tmp_path: Path) -> None:
    store = poison_store(tmp_path / "r.sqlite3", 13)
    metrics = Metrics()
    writer = IngestWriter(store, Broadcaster(metrics, 100), metrics)
    writer.start()
    try:
        answers = await asyncio.gather(
            *(writer.submit(incoming(i)) for i in range(1, 31)), return_exceptions=True
        )
        failed = [i for i, a in enumerate(answers, 1) if isinstance(a, BaseException)]
        assert failed == [13]
        assert isinstance(answers[12], StorageFailedError)
        assert "this event cannot be stored" in str(answers[12])
        assert sorted(e.seq for e in store.read_after(0, 100)) == list(range(1, 30))
        assert metrics.stored == 29
        assert metrics.store_failures == 1
        assert writer.failing is None  # the events after it were stored: the store works
    finally:
        await writer.close()
        store.close()


class CountingEvent(StoredEvent):
    """A stored event that counts how often it is turned into JSON."""

    __slots__ = ()
    encoded: list[int] = []  # noqa: RUF012 - a shared tally, on purpose

    def to_json(self) -> str:
        CountingEvent.encoded.append(self.seq)
        return super().to_json()


async def test_publish_does_no_per_stream_work_and_encodes_each_event_once(
    tmp_path: Path,
) -> None:
    store = RelayStore(tmp_path / "r.sqlite3")
    metrics = Metrics()
    broadcaster = Broadcaster(metrics, 100)
    streams = [event_stream(store, broadcaster, None, keepalive_s=30, retry_ms=1000)]
    streams += [event_stream(store, broadcaster, None, keepalive_s=30, retry_ms=1000)
                for _ in range(99)]  # fmt: skip
    try:
        for s in streams:
            await anext(s)  # the preamble: every stream is subscribed and live
        waiting = [asyncio.ensure_future(anext(s)) for s in streams]
        await asyncio.sleep(0)  # let each stream reach its wait
        CountingEvent.encoded.clear()
        events = [CountingEvent(seq, "2026-11-02T08:00:00.000Z", '{"id":1}', "{}")
                  for seq in (1, 2)]  # fmt: skip
        broadcaster.publish(events)
        # On the ingest path nothing was handed to any stream: that is done after it returns.
        assert not any(sub.wakeup.is_set() for sub in broadcaster._subs)
        chunks = await asyncio.wait_for(asyncio.gather(*waiting), 10)
        chunks = [c if isinstance(c, bytes) else c.encode() for c in chunks]
        assert all(c == chunks[0] for c in chunks)
        assert re.findall(rb"^id: (\d+)$", chunks[0], re.M) == [b"1", b"2"]
        assert sorted(CountingEvent.encoded) == [1, 2]  # once each, not once per stream
    finally:
        broadcaster.close()
        for s in streams:
            await s.aclose()
        store.close()
