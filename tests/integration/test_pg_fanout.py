"""The fan-out between replicas, in-process on a real PostgreSQL: order, holes, lost notifications.

``PgBroadcaster`` publishes what its own writer committed and what other replicas committed; a
subscription must see every event once, in sequence order, whatever path it came by.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import psycopg
import pytest

from impilo_desk.relay.broadcaster import Subscription, frame
from impilo_desk.relay.metrics import Metrics
from impilo_desk.relay.pg_fanout import PgBroadcaster
from impilo_desk.relay.pg_store import PgRelayStore
from impilo_desk.relay.store import StoredEvent
from tests.fixtures.relay import make_envelope
from tests.fixtures.waiting import until
from tests.integration.test_pg_store import incoming

pytestmark = pytest.mark.anyio


@pytest.fixture
async def fanout(pg_url: str) -> AsyncIterator[tuple[PgBroadcaster, PgRelayStore]]:
    store = await asyncio.to_thread(PgRelayStore, pg_url)
    broadcaster = PgBroadcaster(Metrics(), 100, store, catchup_s=0.2)
    await broadcaster.start()
    try:
        yield broadcaster, store
    finally:
        await broadcaster.stop()
        await asyncio.to_thread(store.close)


async def take(
    broadcaster: PgBroadcaster, sub: Subscription, n: int, limit_s: float = 10.0
) -> list[int]:
    """The next ``n`` sequences from the shared log, as a stream takes them (bounded wait)."""
    got: list[int] = []
    async with asyncio.timeout(limit_s):
        while True:
            for batch in broadcaster.take(sub):
                # encoded once, for every stream: the frames of exactly these events
                assert batch.data == "".join(frame(e) for e in batch.events).encode()
                got += [e.seq for e in batch.events]
            assert not sub.overflowed
            if len(got) >= n:
                return got
            sub.wakeup.clear()
            await sub.wakeup.wait()


def own(store: PgRelayStore, ids: list[int]) -> list[StoredEvent]:
    """Writes as this replica's writer does, and returns what it hands to ``publish``."""
    items = [incoming(i) for i in ids]
    results = store.write_batch(items)
    return [
        StoredEvent(r.seq, i.received_at, i.envelope, i.headers)
        for i, r in zip(items, results, strict=True)
        if r.new
    ]


async def test_own_and_other_replicas_commits_arrive_once_in_order(
    fanout: tuple[PgBroadcaster, PgRelayStore], pg_url: str
) -> None:
    broadcaster, store = fanout
    other = await asyncio.to_thread(PgRelayStore, pg_url)
    try:
        sub = broadcaster.subscribe()
        broadcaster.publish(await asyncio.to_thread(own, store, [1, 2]))  # seq 1, 2
        await asyncio.to_thread(other.write_batch, [incoming(3)])  # seq 3, by another replica
        # own seq 4 arrives before this replica has read 3: a hole, filled from the store
        broadcaster.publish(await asyncio.to_thread(own, store, [4]))
        assert await take(broadcaster, sub, 4) == [1, 2, 3, 4]
        assert broadcaster.take(sub) == []
    finally:
        await asyncio.to_thread(other.close)


async def test_a_lost_notification_delays_an_event_but_never_loses_it(
    fanout: tuple[PgBroadcaster, PgRelayStore], pg_url: str
) -> None:
    """A commit whose NOTIFY never arrives (written here by hand, without one)."""
    broadcaster, _ = fanout
    sub = broadcaster.subscribe()
    # the read that follows LISTEN is done: from now on only the periodic read can find it
    await until(lambda: broadcaster.listening and broadcaster.store_reads >= 1)
    envelope = json.dumps(make_envelope(77))
    with psycopg.connect(pg_url) as conn:
        conn.execute(
            "INSERT INTO relay_events VALUES (1, 77, '2026-12-01T09:00:00.000Z', 1.0, %s, '{}')",
            (envelope,),
        )
        conn.execute("UPDATE relay_meta SET value = 1 WHERE key = 'last_seq'")
    assert await take(broadcaster, sub, 1) == [1]  # by the periodic catch-up read
