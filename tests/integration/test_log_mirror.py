"""The local copy of the delivery log, synced from a real sandbox over HTTP into a real file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from impilo_desk.client import NO_RETRY, ImpiloClient, LogFilters
from impilo_desk.client.errors import RateLimited
from impilo_desk.contract import Page, WebhookLog
from impilo_desk.services.log_mirror import LogMirror, MirrorSettings, MirrorStore
from tests.fixtures.sandbox import Receiver, SandboxProcess
from tests.fixtures.waiting import wait_until
from tests.ui.logs_support import NON_JSON, seed_db

pytestmark = pytest.mark.anyio

PATIENT = {"firstName": "Amara", "lastName": "Nwosu", "siteId": 1}


def _api_rows(api: httpx.Client) -> list[WebhookLog]:
    body = api.get("/api/v3/webhook/logs", params={"size": 250}).raise_for_status().json()
    return [WebhookLog.model_validate(r) for r in body["content"]]


def _key(r: WebhookLog) -> tuple[Any, ...]:
    return (r.id, r.webhookId, r.lastResponseStatus, r.retryAttempts, r.lastRetryTimestamp)


async def test_a_seeded_log_syncs_and_a_retrying_rows_later_state_arrives_in_one_sync(
    sandbox_factory: Any, receiver: Receiver, tmp_path: Path
) -> None:
    box: SandboxProcess = sandbox_factory(time_scale=600)  # retries after 1.5, 3, 6 s
    with box.client() as api:
        api.post("/api/v3/webhook", json={"type": "reading.weight", "url": receiver.url + "/h"})
        patient = api.post("/api/v3/patient", json=PATIENT).raise_for_status().json()["id"]
        for _ in range(7):
            body = {"patientId": patient, "weight": 170}
            api.post("/api/v3/test/weight-webhook", json=body).raise_for_status()
        wait_until(lambda: all(r.lastResponseStatus == 200 for r in _api_rows(api)), 20)
        store = MirrorStore(tmp_path / "m.sqlite3")
        async with ImpiloClient(box.base_url, box.api_key, retry=NO_RETRY) as client:
            # pages of 3: the first sync takes 3; a short overlap so that the test's own rows,
            # all made within seconds, are not all re-read by the overlap
            settings = MirrorSettings(page_size=3, overlap=timedelta(milliseconds=50))
            mirror = LogMirror(store, client, settings)
            first = await mirror.sync()
            assert first.rows == 7
            assert sorted(map(_key, store.rows())) == sorted(map(_key, _api_rows(api)))
            assert {r.payload for r in store.rows()} == {r.payload for r in _api_rows(api)}

            # the receiver now fails until the test has synced: the new delivery is retrying
            # (at whichever retry a slow machine reached), then the next retry is delivered
            receiver.status = 500
            api.post("/api/v3/test/weight-webhook", json=body).raise_for_status()
            wait_until(lambda: any(r.lastResponseStatus == 500 for r in _api_rows(api)), 10)
            await mirror.sync()
            held = {r.id: r for r in store.rows()}
            retrying = next(r for r in held.values() if r.lastResponseStatus == 500)
            assert retrying.retryAttempts < 3, "synced only after its last retry (10.5 s)"
            receiver.status = 200
            wait_until(lambda: all(r.lastResponseStatus == 200 for r in _api_rows(api)), 20)
            after = await mirror.sync()
            now = {r.id: r for r in store.rows()}[retrying.id]
            assert now.lastResponseStatus == 200
            assert now.retryAttempts > retrying.retryAttempts
            assert now.lastRetryTimestamp is not None
            assert sorted(map(_key, store.rows())) == sorted(map(_key, _api_rows(api)))
            assert after.changed == 1
            # it read the one row again (as new-or-pending, and as retried), not the whole log
            assert after.fetched == 2
        store.close()


async def test_a_first_sync_that_is_cancelled_keeps_its_pages_and_resumes_after_a_restart(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "type": "reading.weight",
            "status": 200 if n % 4 else 503,
            "retries": 0 if n % 4 else 3,
            "created": now - timedelta(minutes=n),
            "last_retry": None if n % 4 else now - timedelta(minutes=n) + timedelta(hours=1),
            "payload": NON_JSON if n == 5 else None,
        }
        for n in range(1, 41)
    ]
    for row in rows:
        if row["payload"] is None:
            del row["payload"]
    db = tmp_path / "sandbox.db"
    seed_db(db, rows)
    box: SandboxProcess = sandbox_factory(db_path=db)
    path = tmp_path / "mirror.sqlite3"
    progress: list[tuple[int, int | None]] = []
    async with ImpiloClient(box.base_url, box.api_key, retry=NO_RETRY) as client:
        gate = _GatedApi(client, allow_pages=2)
        store = MirrorStore(path)
        mirror = LogMirror(store, gate, MirrorSettings(page_size=10))
        two_stored = asyncio.Event()

        def follow(s: Any) -> None:
            if s.phase == "first-sync":
                progress.append((s.rows, s.total))
                if len(progress) == 2:
                    two_stored.set()

        mirror.listen(follow)
        task = asyncio.create_task(mirror.sync())
        await gate.blocked.wait()  # the third request hangs (Impilo went quiet)
        await two_stored.wait()  # while the second page was stored
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        # each next page starts at the oldest row of the one before (keyed on the create time),
        # so the second brings 9 new rows
        assert progress == [(10, 40), (19, 40)]
        assert store.count() == 19
        store.close()

        store = MirrorStore(path)  # a restart: the same file
        mirror = LogMirror(store, client, MirrorSettings(page_size=10))
        assert (await mirror.load()).rows == 19
        assert not mirror.covers(now - timedelta(days=6))
        status = await mirror.sync()
        assert status.rows == 40
        with box.client() as api:
            assert sorted(map(_key, store.rows())) == sorted(map(_key, _api_rows(api)))
        assert mirror.covers(now - timedelta(days=6))
        store.close()


async def test_a_429_is_waited_out_as_retry_after_asks(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    async with ImpiloClient(sandbox.base_url, sandbox.api_key, retry=NO_RETRY) as client:
        limited = _LimitedApi(client, times=1, retry_after=0.2)
        store = MirrorStore(tmp_path / "m.sqlite3")
        phases: list[str] = []
        mirror = LogMirror(store, limited, MirrorSettings())
        mirror.listen(lambda s: phases.append(s.phase))
        loop = asyncio.get_running_loop()
        began = loop.time()
        status = await mirror.sync()
        assert status.phase == "synced"
        assert loop.time() - began >= 0.2
        assert "waiting" in phases
        assert limited.calls >= 2
        store.close()


async def test_a_failing_sync_is_reported_and_the_loop_goes_on(tmp_path: Path) -> None:
    async with ImpiloClient("http://127.0.0.1:1", "k", retry=NO_RETRY) as client:
        store = MirrorStore(tmp_path / "m.sqlite3")
        mirror = LogMirror(store, client, MirrorSettings(interval_s=0.05))
        failures: list[str] = []
        mirror.listen(lambda s: failures.append(s.error or "") if s.phase == "failed" else None)
        task = asyncio.create_task(mirror.run())
        for _ in range(200):
            if len(failures) >= 2:
                break
            await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert len(failures) >= 2  # it failed, then tried again
        assert "Impilo" in failures[0] or "connect" in failures[0].lower()
        assert "Traceback" not in failures[0]
        assert (
            "sync failed" in mirror.status.describe(datetime.now(UTC))
            or mirror.status.phase == "cancelled"
        )
        store.close()


async def test_a_cancel_that_meets_a_sync_request_still_ends_the_loop(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    """F5 (a wake-up) and a profile switch (the cancel) in the same turn of the loop.

    With ``asyncio.wait_for`` on Python 3.11 the wake-up won and the cancel was lost: the
    old profile's sync ran on, the switch waited for it, and the new profile never opened.
    """
    box: SandboxProcess = sandbox_factory()
    store = MirrorStore(tmp_path / "m.sqlite3")
    async with ImpiloClient(box.base_url, box.api_key, retry=NO_RETRY) as client:
        mirror = LogMirror(store, client, MirrorSettings(interval_s=300))
        synced = asyncio.Event()
        mirror.listen(lambda s: synced.set() if s.phase == "synced" else None)
        task = asyncio.create_task(mirror.run())
        async with asyncio.timeout(20):
            await synced.wait()
        # the status is reported as the sync ends: the loop now waits for its next wake-up
        mirror.sync_now()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=10)
        assert task in done, "the sync loop outlived its cancel"
        assert task.cancelled()
    store.close()


class _GatedApi:
    """The real client; after ``allow_pages`` calls the next one waits forever (to cancel it)."""

    def __init__(self, client: ImpiloClient, allow_pages: int) -> None:
        self._client = client
        self._left = allow_pages
        self.blocked = asyncio.Event()

    async def list_logs(
        self, filters: LogFilters | None = None, page: int = 1, size: int = 15
    ) -> Page[WebhookLog]:
        if self._left == 0:
            self.blocked.set()
            await asyncio.Event().wait()
        self._left -= 1
        return await self._client.list_logs(filters, page=page, size=size)


class _LimitedApi:
    """The real client, answering the first ``times`` calls with a 429 as Impilo would."""

    def __init__(self, client: ImpiloClient, times: int, retry_after: float) -> None:
        self._client = client
        self._times = times
        self._retry_after = retry_after
        self.calls = 0

    async def list_logs(
        self, filters: LogFilters | None = None, page: int = 1, size: int = 15
    ) -> Page[WebhookLog]:
        self.calls += 1
        if self.calls <= self._times:
            raise RateLimited(retry_after=self._retry_after)
        return await self._client.list_logs(filters, page=page, size=size)


def test_a_copy_of_another_server_is_emptied_before_use(tmp_path: Path) -> None:
    store = MirrorStore(tmp_path / "m.sqlite3")
    assert not store.use_source("http://127.0.0.1:1111")
    store.upsert([WebhookLog(id=1, webhookId=2, createTimestamp=datetime.now(UTC))])
    store.set_backfilled_to(5)
    assert not store.use_source("http://127.0.0.1:1111")  # the same server: kept
    assert store.count() == 1
    assert store.use_source("http://127.0.0.1:2222")  # the demo's new sandbox: emptied
    assert store.count() == 0
    assert store.meta("backfilled_to") is None
    assert store.query("SELECT COUNT(*) FROM hourly") == [(0,)]
    store.close()
