"""The relay feed never ends silently: a store that refuses writes, a listener that fails.

Both against the real relay process and a real SQLite store. The full disk is SQLite's own
``SQLITE_FULL`` (``database or disk is full``), made real by capping the store's page count.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from impilo_desk.services.event_store import EventStore
from impilo_desk.services.subscriber import Backoff, RelayEvent, RelaySubscriber, SubscriberState
from tests.fixtures.relay import RelayProcess
from tests.fixtures.waiting import running, until
from tests.integration.test_subscriber import post_all

pytestmark = pytest.mark.anyio
FAST = Backoff(initial_s=0.05, max_s=0.3)


def cap_pages(store: EventStore, capped: bool) -> None:
    """Caps the store's file at its current size (the disk is full), or lifts the cap."""
    with store._lock:  # the store's own connection: the cap is per connection
        conn = store._conn
        current = int(conn.execute("PRAGMA page_count").fetchone()[0])
        conn.execute(f"PRAGMA max_page_count = {current if capped else 1_073_741_823}")


async def test_a_full_disk_is_shown_and_retried_and_nothing_is_lost(
    relay: RelayProcess, tmp_path: Path
) -> None:
    store = EventStore(tmp_path / "desk.sqlite3")
    states: list[SubscriberState] = []
    sub = RelaySubscriber(relay.url, relay.token, store, backoff=FAST, on_state=states.append)
    try:
        async with running(sub) as task:
            await until(lambda: sub.state.phase == "live")
            await post_all(relay, [1])
            await until(lambda: store.count() == 1)
            await asyncio.to_thread(cap_pages, store, True)  # the file may not grow
            assert await post_all(relay, list(range(2, 202))) == set(range(2, 202))
            await until(
                lambda: any(
                    s.phase == "reconnecting" and "could not be saved" in (s.last_error or "")
                    for s in states
                )
            )
            sentence = next(s.last_error for s in states if "saved" in (s.last_error or ""))
            assert "database or disk is full" in sentence
            assert "Free some disk space" in sentence
            assert not task.done()  # still trying
            await asyncio.to_thread(cap_pages, store, False)  # space again
            await until(lambda: store.count() == 201)
            await until(lambda: sub.state.phase == "live")
        assert store.ids() == list(range(1, 202))  # resumed after the last stored sequence
    finally:
        store.close()


async def test_a_failing_listener_is_shown_and_the_feed_goes_on(
    relay: RelayProcess, tmp_path: Path
) -> None:
    store = EventStore(tmp_path / "desk.sqlite3")
    heard: list[int] = []

    def listener(event: RelayEvent) -> None:
        if event.envelope.id == 2:
            raise RuntimeError("a chart choked on this one")
        heard.append(event.envelope.id)

    sub = RelaySubscriber(relay.url, relay.token, store, backoff=FAST, on_event=listener)
    try:
        async with running(sub) as task:
            await until(lambda: sub.state.phase == "live")
            await post_all(relay, [1])
            await until(lambda: heard == [1])
            await post_all(relay, [2])
            await until(lambda: "failed on an event" in (sub.state.last_error or ""))
            assert "RuntimeError" in (sub.state.last_error or "")
            assert "choked" not in (sub.state.last_error or "")  # its text may hold anything
            await post_all(relay, [3])  # one after the other: together they may arrive 4, 3
            await post_all(relay, [4])
            await until(lambda: heard == [1, 3, 4])
            assert not task.done()
            assert sub.state.phase == "live"
        assert store.ids() == [1, 2, 3, 4]
    finally:
        store.close()
