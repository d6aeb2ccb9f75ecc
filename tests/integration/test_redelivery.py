"""Redelivery against real receivers on 127.0.0.1: what arrives, what is recorded, cancel, crash."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from impilo_desk.contract import SECRET_HEADER, WebhookLog
from impilo_desk.services.redelivery import (
    REDELIVERY_HEADER,
    AttemptStore,
    Delivery,
    Outcome,
    Plan,
    Redelivery,
    RedeliveryRefused,
    RedeliverySettings,
    RunState,
    plan_logs,
    recoverable,
)
from tests.fixtures.processes import crash, python_child
from tests.fixtures.receiver import HOLD, Received, closed_port, receiver
from tests.fixtures.waiting import until

pytestmark = pytest.mark.anyio

SECRET = "whsec-redeliver-9d1f4e2a7b"
FAST = RedeliverySettings(concurrency=4, rate_per_second=None)
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def body(event_id: int) -> str:
    return json.dumps({"id": event_id, "type": "reading.weight", "payload": {"weight": 70.5}})


def deliveries(url: str, ids: range, path: str = "/hook") -> Plan:
    return Plan(
        tuple(Delivery(i, "reading.weight", body(i), url + path, "log", 1000 + i) for i in ids)
    )


def redelivery(plan: Plan, record: AttemptStore, **kw) -> Redelivery:
    kw.setdefault("secret", SECRET)
    kw.setdefault("settings", FAST)
    return Redelivery(
        plan, record=record, profile_id="p-1", profile_name="Staging", origin="logs", **kw
    )


@pytest.fixture
def record(tmp_path: Path):
    store = AttemptStore(AttemptStore.path_for(tmp_path, "p-1"))
    yield store
    store.close()


async def test_a_post_carries_the_exact_body_the_secret_and_the_redelivery_mark(record):
    async with receiver() as rec:
        logged = '{"id": 41,  "type": "reading.weight", "payload": {"weight": 70.5}}'
        row = WebhookLog(
            id=9, webhookType="reading.weight", webhookUrl=rec.url + "/in", payload=logged
        )
        result = await redelivery(plan_logs([row]), record).run()
    (got,) = rec.received
    assert (got.method, got.path, got.body) == ("POST", "/in", logged.encode())
    assert got.headers["content-type"] == "application/json"
    assert got.headers[SECRET_HEADER.lower()] == SECRET
    assert got.headers[REDELIVERY_HEADER.lower()] == "1"
    assert (result.state, result.delivered, result.failed) == (RunState.COMPLETED, 1, 0)
    (attempt,) = record.attempts(result.run_id)
    assert (attempt.log_id, attempt.event_id, attempt.outcome, attempt.status) == (
        9,
        41,
        Outcome.DELIVERED,
        200,
    )
    assert attempt.profile_name == "Staging"
    assert attempt.latency_ms is not None
    assert attempt.latency_ms > 0
    assert attempt.error is None


async def test_200_500_timeout_and_refused_are_each_recorded_in_one_sentence(record):
    def answer(n: int, seen: Received) -> int:
        return {"/ok": 200, "/boom": 500, "/slow": HOLD}[seen.path]

    dead = f"http://127.0.0.1:{closed_port()}"
    async with receiver(answer) as rec:
        plan = Plan(
            (
                Delivery(1, "reading.weight", body(1), rec.url + "/ok", "log", 1),
                Delivery(2, "reading.weight", body(2), rec.url + "/boom", "log", 2),
                Delivery(3, "reading.weight", body(3), rec.url + "/slow", "log", 3),
                Delivery(4, "reading.weight", body(4), dead + "/hook", "log", 4),
            )
        )
        settings = RedeliverySettings(concurrency=4, rate_per_second=None, timeout_s=0.5)
        progress = []
        run = redelivery(plan, record, settings=settings, on_progress=progress.append)
        result = await run.run()
    assert sorted(rec.ids()) == [1, 2, 3]  # the refused one never arrived
    assert (result.delivered, result.failed, result.state) == (1, 3, RunState.COMPLETED)
    assert [p.done for p in progress] == [1, 2, 3, 4]
    latest = record.latest_for_logs([1, 2, 3, 4, 5])
    assert set(latest) == {1, 2, 3, 4}
    assert (latest[1].outcome, latest[1].status, latest[1].error) == (Outcome.DELIVERED, 200, None)
    assert (latest[2].outcome, latest[2].status) == (Outcome.FAILED, 500)
    assert latest[2].error == f"{rec.url.removeprefix('http://')} answered 500."
    assert latest[3].status is None
    assert latest[3].error.endswith("did not answer within 0.5 seconds.")
    assert latest[4].status is None
    assert "refused the connection" in latest[4].error
    for attempt in latest.values():
        assert attempt.run_id == result.run_id
        assert attempt.finished_at is not None


async def test_bulk_recovery_sends_what_the_preview_counted(record):
    async with receiver() as rec:
        rows = []
        for i in range(1, 31):
            # Every third row delivered, the others failed for good or still retrying.
            status, retries = (200, 0) if i % 3 == 0 else (500, 3 if i % 2 else 1)
            payload = body(i) if i % 5 else f"{{'id':{i}}}"  # every fifth: no exact body
            url = rec.url + ("/a" if i % 4 else "/b")
            rows.append(
                WebhookLog(
                    id=i,
                    webhookType="reading.weight",
                    webhookUrl=url,
                    payload=payload,
                    createTimestamp=NOW - timedelta(hours=3),
                    lastResponseStatus=status,
                    retryAttempts=retries,
                )
            )
        failed = recoverable(rows, NOW)
        plan = plan_logs(failed)
        preview = plan.preview()
        result = await redelivery(plan, record).run()
    sent_paths = {path: sum(1 for r in rec.received if r.path == path) for path in ("/a", "/b")}
    assert dict(preview.targets) == {rec.url + p: n for p, n in sent_paths.items() if n}
    assert preview.sendable == len(rec.received) == result.delivered
    assert preview.cannot_resend == len([r for r in failed if r.id % 5 == 0]) > 0
    assert preview.rows == len(failed)
    expected = {r.id for r in failed if r.id % 5}
    assert set(rec.ids()) == expected
    assert set(record.latest_for_logs(r.id for r in rows)) == expected


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


async def test_the_concurrency_limit_holds(record):
    async with receiver(lambda n, seen: HOLD if n < 3 else 200) as rec:
        plan = deliveries(rec.url, range(1, 31))
        settings = RedeliverySettings(concurrency=3, rate_per_second=None)
        task = asyncio.create_task(redelivery(plan, record, settings=settings).run())
        await until(lambda: len(rec.received) == 3, 20)
        rec.release()
        result = await task
    assert result.delivered == 30
    assert rec.max_in_flight == 3


async def test_a_redirect_is_followed_only_on_the_same_host(record):
    def answer(n: int, seen: Received) -> int:
        return {"/here": 307, "/away": 307, "/found": 302}.get(seen.path, 200)

    async with receiver(answer) as rec:
        other_host = rec.url.replace("127.0.0.1", "localhost")  # the same server, another name
        rec.locations = {"/here": "/landed", "/away": other_host + "/landed", "/found": "/landed"}
        plan = Plan(
            (
                Delivery(1, "t", body(1), rec.url + "/here", "log", 1),
                Delivery(2, "t", body(2), rec.url + "/away", "log", 2),
                Delivery(3, "t", body(3), rec.url + "/found", "log", 3),
            )
        )
        result = await redelivery(plan, record).run()
    landed = [r for r in rec.received if r.path == "/landed"]
    assert [(r.method, r.body, r.headers[SECRET_HEADER.lower()]) for r in landed] == [
        ("POST", body(1).encode(), SECRET)
    ]
    assert sorted(r.path for r in rec.received) == ["/away", "/found", "/here", "/landed"]
    latest = record.latest_for_logs([1, 2, 3])
    assert (latest[1].outcome, latest[1].status) == (Outcome.DELIVERED, 200)
    for log_id, status in ((2, 307), (3, 302)):
        assert (latest[log_id].outcome, latest[log_id].status) == (Outcome.FAILED, status)
        assert "a redelivery follows only 307 and 308 on the same host" in latest[log_id].error
    assert other_host.removeprefix("http://") in latest[2].error
    assert (result.delivered, result.failed) == (1, 2)


async def test_bad_input_is_one_sentence_and_sends_nothing(record):
    async with receiver() as rec:
        plan = deliveries(rec.url, range(1, 3))
        for secret in (None, "", "   "):
            with pytest.raises(RedeliveryRefused, match="no webhook secret in the keyring"):
                redelivery(plan, record, secret=secret)
        with pytest.raises(RedeliveryRefused, match="Select at least one"):
            redelivery(Plan(()), record)
        only_bad = plan_logs(
            [WebhookLog(id=1, webhookUrl=rec.url, payload="{'id':1}", webhookType="x")]
        )
        with pytest.raises(RedeliveryRefused, match="None of the selected rows can be resent"):
            redelivery(only_bad, record)
        with pytest.raises(RedeliveryRefused, match="between 1 and 32"):
            redelivery(plan, record, settings=RedeliverySettings(concurrency=0))
    assert rec.received == []
    assert record.runs() == []


async def test_the_secret_reaches_the_receiver_and_nothing_else(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    path = AttemptStore.path_for(tmp_path, "p-1")
    store = AttemptStore(path)
    dead = f"http://127.0.0.1:{closed_port()}"
    async with receiver(lambda n, seen: 500 if n % 2 else 200) as rec:
        plan = Plan(
            deliveries(rec.url, range(1, 7)).deliveries + deliveries(dead, range(7, 9)).deliveries
        )
        run = redelivery(plan, store)
        result = await run.run()
        texts = [
            repr(run),
            repr(plan),
            repr(result),
            repr(store.runs()),
            repr(store.attempts(run.run_id)),
        ]
    store.close()
    assert all(r.headers[SECRET_HEADER.lower()] == SECRET for r in rec.received)
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert SECRET.encode() not in on_disk
    assert len(on_disk) > 0
    assert SECRET not in caplog.text
    assert any("Redelivery" in m for m in caplog.messages)  # the run was logged, without it
    for text in texts:
        assert SECRET not in text


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
