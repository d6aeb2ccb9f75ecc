"""The single writer: concurrent POSTs are committed together (group commit).

Each request puts its event on a queue and awaits a future. One task takes everything that is
waiting (up to ``max_batch``), writes it in one transaction on a dedicated thread, then answers
every future and publishes the new events. While one batch commits, the next one gathers; so the
cost of a commit (and, with ``synchronous=FULL``, of an fsync) is shared by all of its events,
and every answer still comes after its own commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from impilo_desk.relay.broadcaster import Broadcaster
from impilo_desk.relay.metrics import Metrics
from impilo_desk.relay.store import Incoming, StoredEvent, WriteResult
from impilo_desk.relay.stores import EventStore

log = logging.getLogger(__name__)
T = TypeVar("T")


class WriterClosedError(Exception):
    """The writer was shut down before the event could be committed."""


class IngestWriter:
    """Owns the writer thread and the batching task; ``start`` and ``close`` bracket its life."""

    def __init__(
        self,
        store: EventStore,
        broadcaster: Broadcaster,
        metrics: Metrics,
        *,
        max_batch: int = 1000,
    ) -> None:
        self._store = store
        self._broadcaster = broadcaster
        self._metrics = metrics
        self._max_batch = max_batch
        self._queue: asyncio.Queue[tuple[Incoming, asyncio.Future[WriteResult]]] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="relay-writer")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Starts the batching task (call from the running loop)."""
        self._task = asyncio.create_task(self._run(), name="relay-writer")

    async def submit(self, item: Incoming) -> WriteResult:
        """Queues one event and returns once it is committed."""
        if self._task is None or self._task.done():
            raise WriterClosedError
        future: asyncio.Future[WriteResult] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((item, future))
        return await future

    async def run_job(self, job: Callable[[], T]) -> T:
        """Runs ``job`` on the writer thread, between batches (used by retention)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, job)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            items = [item for item, _ in batch]
            try:
                results = await loop.run_in_executor(self._executor, self._store.write_batch, items)
            except asyncio.CancelledError:
                self._fail(batch)
                raise
            except Exception:
                log.exception("could not commit a batch of %d events", len(batch))
                self._fail(batch)
                continue
            fresh: list[StoredEvent] = []
            for (item, future), result in zip(batch, results, strict=True):
                if result.new:
                    fresh.append(
                        StoredEvent(result.seq, item.received_at, item.envelope, item.headers)
                    )
                if not future.done():
                    future.set_result(result)
            self._metrics.stored += len(fresh)
            self._metrics.duplicates += len(batch) - len(fresh)
            if fresh:
                self._broadcaster.publish(fresh)

    @staticmethod
    def _fail(batch: list[tuple[Incoming, asyncio.Future[WriteResult]]]) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(WriterClosedError())

    async def close(self) -> None:
        """Stops the task, fails whatever still waits, and joins the writer thread."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        while not self._queue.empty():
            self._fail([self._queue.get_nowait()])
        await asyncio.to_thread(self._executor.shutdown, wait=True)
