"""The relay's stream in-process: replay→live seam and overflow recovery, no gap, no repeat."""

import asyncio
import re
from pathlib import Path

import pytest

from impilo_desk.relay.broadcaster import Broadcaster
from impilo_desk.relay.ingest import IngestWriter
from impilo_desk.relay.metrics import Metrics
from impilo_desk.relay.store import Incoming, RelayStore
from impilo_desk.relay.stream import event_stream

pytestmark = pytest.mark.anyio


def incoming(i: int) -> Incoming:
    envelope = f'{{"id":{i},"type":"reading.weight","payload":{{}}}}'
    return Incoming(i, "2026-11-02T08:00:00.000Z", 0.0, envelope, "{}")


async def test_seam_and_overflow_give_every_event_once_in_order(tmp_path: Path) -> None:
    store = RelayStore(tmp_path / "r.sqlite3")
    metrics = Metrics()
    broadcaster = Broadcaster(metrics, queue_size=4)  # tiny: the slow reader overflows
    writer = IngestWriter(store, broadcaster, metrics, max_batch=7)
    writer.start()
    try:
        for i in range(1, 51):
            await writer.submit(incoming(i))
        stream = event_stream(store, broadcaster, 10, keepalive_s=30, retry_ms=1000)
        seqs: list[int] = []
        chunk = await anext(stream)  # preamble
        assert chunk.startswith(b"retry: 1000")
        # The stream does not read while these commit (batches of up to 7, a log of 4 events):
        # it falls behind the log for sure, whatever the machine's speed, and must catch up.
        await asyncio.gather(*(writer.submit(incoming(i)) for i in range(51, 151)))
        producer = asyncio.gather(*(writer.submit(incoming(i)) for i in range(151, 301)))
        while len(seqs) < 290:
            chunk = await asyncio.wait_for(anext(stream), 10)
            seqs += [int(s) for s in re.findall(rb"^id: (\d+)$", chunk, re.M)]
            await asyncio.sleep(0)  # read slowly, one chunk per turn
        await producer
        assert seqs == list(range(11, 301))
        assert metrics.subscriber_overflows >= 1
        assert metrics.stored == 300
        await stream.aclose()
        assert metrics.subscribers == 0
        duplicate = await writer.submit(incoming(5))
        assert (duplicate.seq, duplicate.new) == (5, False)
    finally:
        await writer.close()
        store.close()


def test_prune_by_count_and_age(tmp_path: Path) -> None:
    store = RelayStore(tmp_path / "r.sqlite3")
    store.write_batch([incoming(i) for i in range(1, 11)])
    assert store.prune(older_than_ts=None, keep_count=4) == 6
    assert store.bounds() == {"pruned_through": 6, "last_seq": 10, "count": 4}
    assert store.prune(older_than_ts=1.0, keep_count=None) == 4  # all were received at ts 0
    assert store.bounds()["pruned_through"] == 10
    store.close()


def test_ids_of_pruned_events_are_remembered_within_their_bounds(tmp_path: Path) -> None:
    store = RelayStore(tmp_path / "r.sqlite3")
    store.write_batch([incoming(i) for i in range(1, 11)])  # all received at ts 0
    assert store.prune(older_than_ts=None, keep_count=2, remember_count=5) == 8
    again = store.write_batch([incoming(i) for i in range(1, 9)])
    # the newest five pruned ids (4..8) are still known, by their first sequence; 1..3 are not
    assert [(r.seq, r.new) for r in again[3:]] == [(4, False), (5, False), (6, False),
                                                   (7, False), (8, False)]  # fmt: skip
    assert [(r.seq, r.new) for r in again[:3]] == [(11, True), (12, True), (13, True)]
    # forgotten by age: ids of events received before the limit
    store.prune(older_than_ts=None, keep_count=None, forget_before_ts=1.0)
    assert [r.new for r in store.write_batch([incoming(5)])] == [True]
    store.close()
