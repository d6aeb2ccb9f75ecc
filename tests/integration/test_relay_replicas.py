"""Several relay replicas on one PostgreSQL behind a real HAProxy: they behave as one relay.

Real processes throughout: PostgreSQL (``pg_server``/``private_pg``), HAProxy, relay replicas
(``python -m impilo_desk.relay``), and raw SSE subscribers that do not de-duplicate (a repeat
would show). Impilo's retries are played by ``send_all``: what was not answered 200 is sent
again, through the balancer, until it is.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures.haproxy import HAProxy
from tests.fixtures.postgres import PgServer
from tests.fixtures.relay import RelayProcess, make_envelope
from tests.fixtures.replicas import Follower, history_all, send_all, start_replicas
from tests.fixtures.waiting import running, until

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
SENTINEL = 999_999  # sent last: every copy of anything earlier streams before it (one order)


def subscribers(relay: RelayProcess) -> int:
    text = httpx.get(relay.url + "/metrics", timeout=5).text
    line = next(x for x in text.splitlines() if x.startswith("impilo_relay_subscribers_connected"))
    return int(line.split()[1])


def assert_exactly_once_in_order(got: list[tuple[int, int]], acked: dict[int, int]) -> None:
    seqs = [s for s, _ in got]
    assert seqs == sorted(set(seqs)), "sequence ids must strictly increase"
    ids = [i for _, i in got]
    assert len(ids) == len(set(ids)), "an event reached the subscriber twice"
    assert dict(got) == {seq: event_id for event_id, seq in acked.items()}


# 35 s on a quiet machine, over 120 s under CPU burners: send_all's bound is on each event (one
# lost is told 90 s after its first send), this one on the total on a very loaded machine.
@pytest.mark.timeout(300)
async def test_a_replica_killed_midway_loses_nothing_and_repeats_nothing(
    pg_url: str, tmp_path: Path, haproxy_factory: type[HAProxy]
) -> None:
    """2,000 events, 16 at a time, through HAProxy to replicas A and B; A gets SIGKILL midway.

    The subscriber is on replica C (not behind the balancer), so every event reaches it from
    another replica, through LISTEN/NOTIFY and the catch-up read.
    """
    with start_replicas(pg_url, tmp_path, 3) as (a, b, c):
        proxy = haproxy_factory([f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"])
        follower = Follower(c.events_url, c.token)
        async with running(follower):
            await until(lambda: subscribers(c) == 1)
            halfway = asyncio.Event()

            def on_ack(event_id: int, seq: int) -> None:
                if seq >= 1000:
                    halfway.set()

            async def kill_a() -> None:
                await halfway.wait()
                await asyncio.to_thread(a.kill)

            killer = asyncio.create_task(kill_a())
            ids = list(range(1, 2001))
            resent: list[int] = []
            started = time.monotonic()
            try:
                acked = await send_all(
                    proxy.url + "/hooks", a.secret, ids, on_ack=on_ack, resent=resent
                )
            finally:
                if not halfway.is_set():  # send_all failed before the kill: no task outlives it
                    killer.cancel()
                await asyncio.gather(killer, return_exceptions=True)
            took = time.monotonic() - started
            print(f"{len(acked)} acknowledged in {took:.1f} s, {len(resent)} re-sent after a kill")
            assert not killer.cancelled(), "replica A was never killed"
            killer.result()  # its kill did not fail
            assert sorted(acked) == ids
            sentinel = await send_all(proxy.url + "/hooks", a.secret, [SENTINEL])
            await until(lambda: SENTINEL in follower.ids(), 60)
        got = follower.got[:-1]
        assert follower.got[-1] == (sentinel[SENTINEL], SENTINEL)
        assert_exactly_once_in_order(got, acked)
        assert follower.connections == 1  # C never dropped its subscriber
        a.start()  # the killed replica comes back on the same database
        assert history_all(a.url, a.token) == follower.got  # replay from 0: the same order


async def test_the_subscribers_own_replica_is_killed_and_it_resumes_through_the_balancer(
    pg_url: str, tmp_path: Path, haproxy_factory: type[HAProxy]
) -> None:
    with start_replicas(pg_url, tmp_path, 2) as replicas:
        proxy = haproxy_factory([f"127.0.0.1:{r.port}" for r in replicas])
        follower = Follower(proxy.url + "/events", replicas[0].token)
        async with running(follower):
            await until(lambda: sum(subscribers(r) for r in replicas) == 1)
            [own] = [r for r in replicas if subscribers(r) == 1]
            [other] = [r for r in replicas if r is not own]
            first = await send_all(proxy.url + "/hooks", own.secret, list(range(1, 301)))
            await until(lambda: len(follower.got) >= 300)
            own.kill()  # the stream breaks; the follower reconnects through HAProxy
            sending = asyncio.create_task(
                send_all(proxy.url + "/hooks", own.secret, list(range(301, 601)))
            )
            await until(lambda: subscribers(other) == 1)
            second = await sending
            await send_all(proxy.url + "/hooks", own.secret, [SENTINEL])
            await until(lambda: SENTINEL in follower.ids(), 60)
        assert follower.connections == 2
        assert_exactly_once_in_order(follower.got[:-1], first | second)


async def test_postgres_stopped_for_seconds_no_200_then_recovery(
    private_pg: PgServer, tmp_path: Path
) -> None:
    """While PostgreSQL is down every ingest is 503 + Retry-After and /healthz says why."""
    db = private_pg.create_database()
    with start_replicas(private_pg.url(db), tmp_path, 1) as (relay,):
        follower = Follower(relay.events_url, relay.token)
        async with running(follower):
            before = await send_all(relay.ingest_url, relay.secret, list(range(1, 51)))
            await until(lambda: len(follower.got) == 50)
            await asyncio.to_thread(private_pg.stop, "immediate")
            down_answers: list[tuple[int, str | None]] = []
            async with httpx.AsyncClient(timeout=10) as client:
                next_id = 1000
                stop_at = time.monotonic() + 3.0  # "a few seconds" of outage
                while time.monotonic() < stop_at:
                    r = await client.post(
                        relay.ingest_url,
                        json=make_envelope(next_id),
                        headers={"Impilo-Webhook-Secret": relay.secret},
                    )
                    down_answers.append((r.status_code, r.headers.get("retry-after")))
                    next_id += 1
                health = await client.get(relay.url + "/healthz")
                bearer = {"Authorization": f"Bearer {relay.token}"}
                history = await client.get(relay.url + "/events/history", headers=bearer)
                stream = await client.get(relay.events_url, headers=bearer)  # 503: not a stream
                metrics = await client.get(relay.url + "/metrics")
            # the same answers as a SQLite relay whose disk is full (test_relay_storage)
            assert history.status_code == 503
            assert "retry later" in history.json()["error"]
            assert int(history.headers["Retry-After"]) > 0
            assert stream.status_code == 503
            assert "PostgreSQL" in stream.json()["error"]
            assert "retry later" in stream.json()["error"]
            assert metrics.status_code == 200
            assert "impilo_relay_store_healthy 0\n" in metrics.text
            assert health.status_code == 503
            assert health.json()["status"] == "failing"
            assert "PostgreSQL" in health.json()["reason"]
            await asyncio.to_thread(private_pg.start)
            # Impilo sends the refused ones again; ingest recovers by itself
            after = await send_all(relay.ingest_url, relay.secret, list(range(1000, next_id)))
            await until(lambda: len(follower.got) == 50 + len(after), 30)
            health = await asyncio.to_thread(httpx.get, relay.url + "/healthz", timeout=10)
        print(f"answers while PostgreSQL was down: {len(down_answers)}")
        assert down_answers
        assert {status for status, _ in down_answers} == {503}
        assert all(retry is not None and int(retry) > 0 for _, retry in down_answers)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        assert_exactly_once_in_order(follower.got, before | after)
        log = relay.stderr(1_000_000)
        # the outage is told once per condition, not once per refused event or batch
        assert "Traceback" not in log
        assert log.count("the store cannot commit events") <= 3
