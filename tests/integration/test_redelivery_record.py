"""The redelivery record against real receivers: cancel, quit and crash, and what reads after."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC
from pathlib import Path

import pytest

from impilo_desk.services.redelivery import (
    AttemptStore,
    Outcome,
    Redelivery,
    RedeliverySettings,
    RunState,
)
from tests.fixtures.processes import crash, python_child
from tests.fixtures.receiver import HOLD, receiver
from tests.fixtures.redelivery import deliveries, redelivery
from tests.fixtures.waiting import until

pytestmark = pytest.mark.anyio


async def test_cancel_halfway_records_exactly_what_the_receiver_got(record):
    async with receiver() as rec:
        plan = deliveries(rec.url, range(1, 41))
        settings = RedeliverySettings(concurrency=3, rate_per_second=None)
        run: Redelivery

        def on_progress(p) -> None:
            if p.done == 10:
                run.cancel()

        run = redelivery(plan, record, settings=settings, on_progress=on_progress)
        result = await run.run()
    attempts = record.attempts(result.run_id)
    assert result.state is RunState.CANCELLED
    assert 10 <= len(rec.received) < 40
    assert sorted(a.event_id for a in attempts) == sorted(rec.ids())
    assert {a.outcome for a in attempts} == {Outcome.DELIVERED}
    assert {d.event_id for d in result.not_sent}.isdisjoint(rec.ids())
    assert len(result.not_sent) + len(attempts) == 40
    (summary,) = record.runs()
    assert (summary.state, summary.planned, summary.delivered) == (
        RunState.CANCELLED,
        40,
        len(rec.received),
    )


async def test_a_quit_mid_run_marks_the_posts_in_flight_unknown(tmp_path: Path):
    path = AttemptStore.path_for(tmp_path, "p-1")
    store = AttemptStore(path)
    async with receiver(lambda n, seen: 200 if n < 5 else HOLD) as rec:
        plan = deliveries(rec.url, range(1, 21))
        run = redelivery(
            plan, store, settings=RedeliverySettings(concurrency=2, rate_per_second=None)
        )
        task = asyncio.create_task(run.run())
        await until(lambda: len(rec.received) == 7 and run.progress.done == 5, 20)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    store.close()
    reopened = AttemptStore(path)  # after a restart
    try:
        assert reopened.recovered == []  # the quit already closed the run
        (summary,) = reopened.runs()
        assert summary.state is RunState.INTERRUPTED
        assert (summary.delivered, summary.unknown, summary.sending) == (5, 2, 0)
        unknown = [a for a in reopened.attempts(run.run_id) if a.outcome is Outcome.UNKNOWN]
        assert sorted(a.event_id for a in unknown) == [6, 7]
        assert "may or may not have it" in (unknown[0].error or "")
    finally:
        reopened.close()


CHILD = """
import asyncio, json, sys
from pathlib import Path
from impilo_desk.services.redelivery import *
url, db = sys.argv[1], Path(sys.argv[2])
plan = Plan(tuple(
    Delivery(i, "reading.weight", json.dumps({"id": i, "type": "reading.weight", "payload": {}}),
             url, "log", i)
    for i in range(1, 21)))
run = Redelivery(plan, secret="child-secret-123456", record=AttemptStore(db), profile_id="p-1",
                 profile_name="Staging", origin="logs",
                 settings=RedeliverySettings(concurrency=2, rate_per_second=None))
asyncio.run(run.run())
"""


def delivered_in_file(path: Path) -> int:
    with sqlite3.connect(path) as conn:  # read only: opening an AttemptStore would recover
        return conn.execute("SELECT COUNT(*) FROM attempts WHERE outcome = 'delivered'").fetchone()[
            0
        ]


async def test_a_crash_mid_run_shows_what_it_did_after_a_restart(tmp_path: Path):
    path = AttemptStore.path_for(tmp_path, "p-1")
    async with receiver(lambda n, seen: 200 if n < 4 else HOLD) as rec:
        with python_child("-c", CHILD, rec.url + "/hook", str(path)) as child:
            await until(lambda: len(rec.received) == 6, 30)
            await until(lambda: path.exists() and delivered_in_file(path) == 4, 30)
            crash(child)
    assert child.returncode != 0
    store = AttemptStore(path)
    try:
        (summary,) = store.runs()
        assert store.recovered == [summary.run_id]
        assert summary.state is RunState.INTERRUPTED
        attempts = store.attempts(summary.run_id)
        delivered = sorted(a.event_id for a in attempts if a.outcome is Outcome.DELIVERED)
        unknown = sorted(a.event_id for a in attempts if a.outcome is Outcome.UNKNOWN)
        assert delivered == [1, 2, 3, 4]
        assert unknown == [5, 6]
        assert sorted(rec.ids()) == delivered + unknown
        latest = store.latest_for_logs(range(1, 21))
        assert sorted(latest) == [1, 2, 3, 4, 5, 6]
    finally:
        store.close()


async def test_a_cancel_does_not_wait_for_a_slow_rate_limit(record):
    async with receiver() as rec:
        plan = deliveries(rec.url, range(1, 6))
        # One POST per 10 s: the first goes at once, the second would wait 10 s for its turn.
        settings = RedeliverySettings(concurrency=1, rate_per_second=0.1)
        run: Redelivery

        def on_progress(p) -> None:
            run.cancel()

        run = redelivery(plan, record, settings=settings, on_progress=on_progress)
        async with asyncio.timeout(5):  # bounded: well under the 10 s the limiter would take
            result = await run.run()
    assert result.state is RunState.CANCELLED
    assert rec.ids() == [1]
    assert [d.event_id for d in result.not_sent] == [2, 3, 4, 5]


async def test_the_latest_attempt_reads_beside_impilos_state(record):
    async with receiver(lambda n, seen: 500 if n == 0 else 200) as rec:
        plan = deliveries(rec.url, range(1, 2))
        await redelivery(plan, record).run()
        first = record.latest_for_logs([1001])[1001]
        again = redelivery(plan, record)
        await again.run()
        with pytest.raises(RuntimeError):
            await again.run()
    latest = record.latest_for_logs([1001])[1001]
    assert latest.attempt_id > first.attempt_id
    when = latest.started_at.astimezone(UTC).strftime("%H:%M")
    assert latest.describe(UTC) == f"resent {when}, 200"
    assert first.describe(UTC).endswith(", 500")
    assert len(record.runs()) == 2
    assert len(rec.received) == 2
