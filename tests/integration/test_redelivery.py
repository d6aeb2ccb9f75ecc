"""Redelivery against real receivers on 127.0.0.1: what arrives, what is recorded, and how."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from impilo_desk.contract import SECRET_HEADER, WebhookLog
from impilo_desk.services.redelivery import (
    REDELIVERY_HEADER,
    AttemptStore,
    Delivery,
    Outcome,
    Plan,
    RedeliveryRefused,
    RedeliverySettings,
    RunState,
    plan_logs,
    recoverable,
)
from tests.fixtures.receiver import HOLD, Received, closed_port, receiver
from tests.fixtures.redelivery import (
    SECRET,
    body,
    deliveries,
    redelivery,
)
from tests.fixtures.waiting import until

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


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


async def test_replay_to_the_relay_arrives_once_marked_and_without_the_secret(record, relay):
    plan = deliveries(relay.url, range(1, 4), path="/hooks")
    first = await redelivery(plan, record, secret=relay.secret).run()
    again = await redelivery(plan, record, secret=relay.secret).run()  # same ids: stored once
    wrong = await redelivery(plan, record, secret="not-the-relays-secret").run()
    assert (first.delivered, again.delivered, wrong.failed) == (3, 3, 3)
    assert {a.status for a in record.attempts(wrong.run_id)} == {401}
    async with httpx.AsyncClient(trust_env=False) as http:
        answer = await http.get(
            relay.url + "/events/history",
            params={"after": "0"},
            headers={"Authorization": f"Bearer {relay.token}"},
        )
    events = answer.json()["events"]
    assert sorted(e["envelope"]["id"] for e in events) == [1, 2, 3]
    assert all(e["headers"][REDELIVERY_HEADER.lower()] == "1" for e in events)
    assert relay.secret not in answer.text
    stored = b"".join(p.read_bytes() for p in relay.db_path.parent.glob("relay.sqlite3*"))
    assert relay.secret.encode() not in stored
