"""The desktop's RelaySubscriber against the real relay process: live, reconnect, kill test."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest

from impilo_desk.services.event_store import EventStore
from impilo_desk.services.subscriber import (
    Backoff,
    RelayEvent,
    RelaySubscriber,
    SubscriberState,
)
from tests.fixtures.relay import RelayProcess, make_envelope
from tests.fixtures.stores import CountingStore
from tests.fixtures.waiting import running, until

pytestmark = pytest.mark.anyio
FAST = Backoff(initial_s=0.05, max_s=0.5)


async def post_all(
    relay: RelayProcess, ids: list[int], concurrency: int = 32, acked: set[int] | None = None
) -> set[int]:
    """Posts the events; returns (and adds to ``acked``) the ids acknowledged with a 200."""
    acked = set() if acked is None else acked
    gate = asyncio.Semaphore(concurrency)
    headers = {"Impilo-Webhook-Secret": relay.secret}
    # generous: on a loaded 2-core machine a POST among 32 at once waited over 5 s, and one
    # not acknowledged fails a test that counts them (bounded all the same)
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(i: int) -> None:
            async with gate:
                with contextlib.suppress(httpx.HTTPError):
                    r = await client.post(relay.ingest_url, json=make_envelope(i), headers=headers)
                    if r.status_code == 200:
                        acked.add(i)

        await asyncio.gather(*(one(i) for i in ids))
    return acked


async def relay_history(relay: RelayProcess) -> dict[int, int]:
    """Every event the relay holds: its sequence to its Impilo id, in sequence order."""
    held: dict[int, int] = {}
    after = 0
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(1000):  # bounded: 1000 pages of 1000 is more than any test sends
            page = (
                await client.get(
                    relay.url + "/events/history",
                    params={"after": after, "limit": 1000},
                    headers={"Authorization": f"Bearer {relay.token}"},
                )
            ).json()
            if not page["events"]:
                break
            held |= {e["seq"]: e["envelope"]["id"] for e in page["events"]}
            after = page["next_after"]
    return held


async def test_live_events_reach_the_store_and_the_iterator(
    relay: RelayProcess, tmp_path: Path
) -> None:
    store = EventStore(tmp_path / "desk.sqlite3")
    states: list[SubscriberState] = []
    sub = RelaySubscriber(relay.url, relay.token, store, on_state=states.append, backoff=FAST)
    got: list[RelayEvent] = []

    async def consume() -> None:
        async for event in sub.events():
            got.append(event)

    async with running(sub):
        consumer = asyncio.create_task(consume())
        await until(lambda: sub.state.phase == "live")
        assert await post_all(relay, [1, 2, 3]) == {1, 2, 3}
        await until(lambda: len(got) == 3)
    await consumer  # ends when the subscriber stops
    assert sorted(e.envelope.id for e in got) == [1, 2, 3]
    assert {e.seq for e in got} == {1, 2, 3}
    assert all("impilo-webhook-secret" not in e.headers for e in got)
    assert store.last_sequence() == 3
    assert [s.phase for s in states][:2] == ["connecting", "live"]
    assert states[-1].phase == "stopped"
    assert repr(sub).count(relay.token) == 0


async def test_reconnects_after_the_relay_stops_and_resumes_after_its_last_seq(
    relay: RelayProcess, tmp_path: Path
) -> None:
    store = EventStore(tmp_path / "desk.sqlite3")
    sub = RelaySubscriber(relay.url, relay.token, store, backoff=FAST)
    async with running(sub):
        await until(lambda: sub.state.phase == "live")
        await post_all(relay, [1, 2])
        await until(lambda: store.count() == 2)
        await asyncio.to_thread(relay.stop)
        await until(lambda: sub.state.phase == "reconnecting" and sub.state.attempt >= 2)
        assert sub.state.last_error
        await asyncio.to_thread(relay.start)
        await until(lambda: sub.state.phase == "live")
        await post_all(relay, [3])
        await until(lambda: store.count() == 3)
    assert store.ids() == [1, 2, 3]
    assert sub.state.duplicates == 0


async def test_bursts_are_stored_in_batches_completely_and_in_order_across_reconnects(
    relay: RelayProcess, tmp_path: Path
) -> None:
    """A live burst, a burst replayed after the app's restart, a burst after the relay's."""
    store = CountingStore(tmp_path / "desk.sqlite3")
    got: list[RelayEvent] = []
    phases: list[str] = []

    def subscriber() -> RelaySubscriber:
        return RelaySubscriber(
            relay.url,
            relay.token,
            store,
            backoff=FAST,
            on_event=got.append,
            on_state=lambda s: phases.append(s.phase),
        )

    def reconnected() -> bool:
        return "reconnecting" in phases and "live" in phases[phases.index("reconnecting") :]

    sub = subscriber()
    async with running(sub):
        await until(lambda: sub.state.phase == "live")
        assert await post_all(relay, list(range(1, 101))) == set(range(1, 101))
        await until(lambda: store.count() == 100)
    # the app is closed while a burst arrives; its next run replays it from the stored sequence
    assert await post_all(relay, list(range(101, 301))) == set(range(101, 301))
    sub = subscriber()
    async with running(sub):
        await until(lambda: store.count() == 300)
        phases.clear()
        await asyncio.to_thread(relay.restart)  # same DB and port: the subscriber reconnects
        await until(reconnected)
        assert await post_all(relay, list(range(301, 401))) == set(range(301, 401))
        await until(lambda: store.count() == 400)
    assert sub.state.duplicates == 0
    held = await relay_history(relay)
    assert [e.seq for e in got] == list(held) == list(range(1, 401))  # every one, in order
    assert [e.envelope.id for e in got] == list(held.values())
    assert {e.envelope.id: e.seq for e in store.query()} == {i: s for s, i in held.items()}
    assert sum(store.batches) == 400  # each event written once
    assert max(store.batches) > 1, "the replay was not written in batches"
    assert len(store.batches) < 400


async def test_a_wrong_token_is_reported_and_not_retried_fast(
    relay: RelayProcess, tmp_path: Path
) -> None:
    store = EventStore(tmp_path / "desk.sqlite3")
    phases: list[str] = []
    sub = RelaySubscriber(
        relay.url, "not-the-token", store, backoff=FAST, on_state=lambda s: phases.append(s.phase)
    )
    async with running(sub):
        await until(lambda: sub.state.phase == "unauthorized")
        assert "not-the-token" not in (sub.state.last_error or "")
        sub.reconnect_now()  # e.g. after the user typed a token: one more try, refused again
        await until(lambda: phases.count("unauthorized") == 2)
    assert "live" not in phases


@pytest.mark.slow
@pytest.mark.timeout(400)  # the machine may be shared and loaded; the waits inside are bounded
async def test_kill_test_none_lost_none_twice(tmp_path: Path) -> None:
    """N events, SIGKILL mid-stream, restart on the same DB, re-send the unacknowledged."""
    n = 2000
    with RelayProcess(tmp_path / "relay.sqlite3") as relay:
        store = EventStore(tmp_path / "desk.sqlite3")
        sub = RelaySubscriber(relay.url, relay.token, store, backoff=FAST, watchdog_s=5)
        async with running(sub):
            await until(lambda: sub.state.phase == "live")
            acked: set[int] = set()
            killed = asyncio.Event()

            async def killer() -> None:
                # mid-stream: a third acknowledged, and the subscriber has some of them
                await until(lambda: len(acked) >= n // 3 and store.count() > 0, limit_s=120)
                await asyncio.to_thread(relay.kill)
                killed.set()

            kill_task = asyncio.create_task(killer())
            await post_all(relay, list(range(1, n + 1)), acked=acked)
            await kill_task
            assert killed.is_set()
            assert len(acked) < n, "the relay was killed after every event was sent"
            await asyncio.to_thread(relay.start)  # same DB, same port
            for _ in range(20):  # Impilo would retry the unacknowledged ones
                missing = sorted(set(range(1, n + 1)) - acked)
                if not missing:
                    break
                await post_all(relay, missing, acked=acked)
            assert acked == set(range(1, n + 1))
            await until(lambda: store.count() >= n, limit_s=120)
        ids = store.ids()
        assert len(ids) == len(set(ids)) == n
        assert set(ids) == acked
        assert sub.state.duplicates == 0
        relay_ids = list((await relay_history(relay)).values())
        assert len(relay_ids) == len(set(relay_ids)) == n
