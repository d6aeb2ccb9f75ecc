"""The session's relay feed against the real relay: what the status bar is told, and when."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from impilo_desk.feeds import relay_feed
from impilo_desk.services.event_store import EventStore
from impilo_desk.services.reading_feed import EventHub, HubListener
from impilo_desk.session import RelayStatus
from tests.fixtures.relay import RelayProcess
from tests.fixtures.waiting import until
from tests.integration.test_subscriber import post_all

pytestmark = pytest.mark.anyio
BURST = 400


async def test_a_burst_ends_with_the_true_count_in_a_few_status_reports(
    relay: RelayProcess, tmp_path: Path
) -> None:
    store = EventStore(tmp_path / "desk.sqlite3")
    hub = EventHub(store)
    heard: list[int] = []
    reports: list[RelayStatus] = []
    feed = asyncio.create_task(relay_feed(relay.url, relay.token, hub)(reports.append))
    try:
        await until(lambda: reports and reports[-1].phase == "live", 10)
        hub.add_listener(HubListener(event=lambda e: heard.append(e.envelope.id)))
        before = len(reports)
        assert await post_all(relay, list(range(1, BURST + 1))) == set(range(1, BURST + 1))
        await until(lambda: len(heard) == BURST, 20)
        # the newest count reaches the status bar, a moment after the last event
        await until(lambda: reports[-1].received == BURST, 5)
        assert sorted(heard) == list(range(1, BURST + 1))  # every event went on at once
        assert len(reports) - before < BURST // 4  # counts are coalesced, not one per event
        assert all(r.phase == "live" for r in reports[before:])
    finally:
        feed.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await feed
        store.close()
