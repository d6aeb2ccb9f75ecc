"""Real webhook delivery: HTTP POSTs of the envelope, with the retry schedule and the log.

Every delivery is a log row. A row with ``next_attempt_ms`` set is due at that time; the worker
keeps those in a heap, attempts them with bounded concurrency and writes each outcome back to the
row before scheduling the next retry. Because the schedule lives in SQLite, a restart on the same
database picks up every delivery that was still due.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import logging
import sqlite3
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx

from impilo_desk.contract import SECRET_HEADER, is_success
from impilo_desk.sandbox.store import Database
from impilo_desk.sandbox.store import logs as store_logs
from impilo_desk.sandbox.store import webhooks as store_webhooks
from impilo_desk.sandbox.timeutil import now_ms

log = logging.getLogger(__name__)

NO_ANSWER = 0
"""``lastResponseStatus`` written when an attempt got no HTTP answer (refused, timeout, bad URL).

ASSUMPTION: the Impilo docs do not say what they log then; the sandbox logs 0.
"""

DELIVERY_TIMEOUT_S = 10.0
CONCURRENCY = 16


def enqueue(
    conn: sqlite3.Connection, type_: str, payload: dict[str, Any]
) -> tuple[dict[str, Any], list[int]]:
    """Stores an event and one due delivery per webhook of its type (inside a transaction).

    Returns:
        The envelope and the new log ids.
    """
    envelope = store_logs.add_event(conn, type_, payload)
    created = now_ms()
    ids = [
        store_logs.add_delivery(conn, envelope["id"], hook, created)
        for hook in store_webhooks.of_type(conn, type_)
    ]
    return envelope, ids


class DeliveryWorker:
    """Attempts due deliveries; owned by the app, started and stopped with its lifespan.

    Args:
        db: The database.
        schedule: Delays before retry 1, 2 and 3 (already divided by the time scale).
        concurrency: At most this many POSTs at a time.
        timeout: Seconds an attempt may take before it counts as "no answer".
    """

    def __init__(
        self,
        db: Database,
        schedule: Sequence[timedelta],
        *,
        concurrency: int = CONCURRENCY,
        timeout: float = DELIVERY_TIMEOUT_S,
    ) -> None:
        self._db = db
        self._schedule_ms = [max(1, round(d.total_seconds() * 1000)) for d in schedule]
        self._timeout = timeout
        self._slots = asyncio.Semaphore(concurrency)
        self._heap: list[tuple[int, int]] = []
        self._wake = asyncio.Event()
        self._inflight: set[int] = set()
        self._deferred: set[int] = set()  # came due while their previous attempt was running
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        """Loads what is due from the database and starts the worker task."""
        # trust_env=False: deliveries go where the webhook says, not through a proxy from the
        # environment (the sandbox mostly delivers to local relays and receivers).
        self._client = httpx.AsyncClient(
            timeout=self._timeout, follow_redirects=False, trust_env=False
        )
        for item in await self._db.read(store_logs.due):
            heapq.heappush(self._heap, item)
        self._runner = asyncio.create_task(self._run(), name="sandbox-delivery")

    async def stop(self) -> None:
        """Cancels the worker and any attempt in flight (they stay due in the database)."""
        tasks = [t for t in (self._runner, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._runner = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def notify(self, log_ids: Sequence[int], due_ms: int | None = None) -> None:
        """Tells the worker that these deliveries are due (now, or at ``due_ms``)."""
        when = now_ms() if due_ms is None else due_ms
        for log_id in log_ids:
            heapq.heappush(self._heap, (when, log_id))
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            now = now_ms()
            while self._heap and self._heap[0][0] <= now:
                _, log_id = heapq.heappop(self._heap)
                if log_id in self._inflight:
                    # The previous attempt has scheduled this one but has not finished yet;
                    # it is re-queued when that attempt completes, never dropped.
                    self._deferred.add(log_id)
                    continue
                await self._slots.acquire()
                self._inflight.add(log_id)
                task = asyncio.create_task(self._attempt(log_id), name=f"delivery-{log_id}")
                self._tasks.add(task)
                task.add_done_callback(functools.partial(self._finished, log_id=log_id))
            timeout = None if not self._heap else max(0.0, (self._heap[0][0] - now) / 1000)
            with contextlib.suppress(TimeoutError):
                # not wait_for: on 3.11 it loses a cancel that meets a wake-up
                async with asyncio.timeout(timeout):
                    await self._wake.wait()

    def _finished(self, task: asyncio.Task[None], *, log_id: int) -> None:
        self._tasks.discard(task)
        self._inflight.discard(log_id)
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery %s failed: %r", log_id, task.exception())
        if log_id in self._deferred:
            self._deferred.discard(log_id)
            heapq.heappush(self._heap, (now_ms(), log_id))
            self._wake.set()

    async def _attempt(self, log_id: int) -> None:
        # Only if it is due by now: a stale or repeated heap entry must not run an attempt early.
        attempt = await self._db.read(store_logs.attempt, log_id, now_ms())
        if attempt is None:
            return
        first = attempt.last_status is None and attempt.retry_attempts == 0
        retry = 0 if first else attempt.retry_attempts + 1
        if retry > len(self._schedule_ms):
            await self._db.write(
                store_logs.record_attempt,
                log_id,
                status=attempt.last_status or NO_ANSWER,
                retry_attempts=attempt.retry_attempts,
                last_retry_ms=attempt.last_retry_ms,
                next_attempt_ms=None,
            )
            return
        started = now_ms()
        status = await self._post(attempt)
        next_ms: int | None = None
        if not is_success(status) and retry < len(self._schedule_ms):
            # Retry k is due schedule[k] after the previous attempt (the first: after the
            # log record's createTimestamp), which is what contract.delivery_state expects.
            base = attempt.create_ms if retry == 0 else started
            next_ms = base + self._schedule_ms[retry]
        await self._db.write(
            store_logs.record_attempt,
            log_id,
            status=status,
            retry_attempts=retry,
            last_retry_ms=attempt.last_retry_ms if retry == 0 else started,
            next_attempt_ms=next_ms,
        )
        if next_ms is not None:
            heapq.heappush(self._heap, (next_ms, log_id))
            self._wake.set()

    async def _post(self, attempt: store_logs.Attempt) -> int:
        assert self._client is not None  # started before any attempt
        headers = {"Content-Type": "application/json"}
        if attempt.secret is not None:
            headers[SECRET_HEADER] = attempt.secret
        try:
            async with self._client.stream(
                "POST", attempt.url, content=attempt.body.encode(), headers=headers
            ) as response:
                return response.status_code
        except Exception as exc:  # any failure to get an answer is "no answer", never a crash
            log.info("delivery %s got no answer: %s", attempt.log_id, type(exc).__name__)
            return NO_ANSWER
