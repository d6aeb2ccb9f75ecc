"""The single writer: concurrent POSTs are committed together (group commit).

Each request puts its event on a queue and awaits a future. One task takes everything that is
waiting (up to ``max_batch``), writes it in one transaction on a dedicated thread, then answers
every future; the new events are published from that thread right after the commit when the
publisher allows it (the fan-out thread does), else from the loop. While one batch commits, the
next one gathers; so the cost of a commit (and, with ``synchronous=FULL``, of an fsync) is
shared by all of its events, and every answer still comes after its own commit.

A batch whose commit fails is written again one event at a time, so that one event the store
cannot take costs only its own answer. When writes fail for everything (a full disk, a lost
database), the writer says so (``failing``: the store's own error), counts it, logs it once per
condition, and recovers by itself at the first commit that succeeds again. A store that cannot
be reached at all (``StoreUnavailableError``: PostgreSQL down) fails the whole batch at once,
without the one-by-one retry and without a traceback per batch. This logic is the store's
caller's, so it works with any store that has ``write_batch``; ``errors`` holds how the relay
answers meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

from impilo_desk.relay.errors import StoreUnavailableError
from impilo_desk.relay.metrics import Metrics
from impilo_desk.relay.store import Incoming, StoredEvent, WriteResult
from impilo_desk.relay.stores import EventStore

log = logging.getLogger(__name__)
T = TypeVar("T")


class Publisher(Protocol):
    """Where committed events go: a ``Broadcaster``, or the ``FanoutThread`` that holds one."""

    # True: ``publish`` may be called from the writer thread, right after the commit (one
    # hand-over less on the way to the streams than going through the event loop first).
    threadsafe: bool

    def publish(self, events: list[StoredEvent]) -> None:
        """Takes newly committed events, in sequence order; never waits."""
        ...


class WriterClosedError(Exception):
    """The writer was shut down before the event could be committed."""


class StorageFailedError(Exception):
    """The store could not commit the event; ``str()`` is the store's own reason."""


class IngestWriter:
    """Owns the writer thread and the batching task; ``start`` and ``close`` bracket its life."""

    def __init__(
        self,
        store: EventStore,
        broadcaster: Publisher,
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
        self.failing: str | None = None  # the store's error while writes fail, else None

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
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._write(batch)
            except asyncio.CancelledError:
                self._fail(batch, WriterClosedError())
                raise

    def _commit(self, items: list[Incoming]) -> tuple[list[WriteResult], list[StoredEvent]]:
        """On the writer thread: the commit, and the new events (published at once if it may)."""
        results = self._store.write_batch(items)
        fresh = [
            StoredEvent(result.seq, item.received_at, item.envelope, item.headers)
            for item, result in zip(items, results, strict=True)
            if result.new
        ]
        if fresh and self._broadcaster.threadsafe:
            self._broadcaster.publish(fresh)
        return results, fresh

    async def _write(self, batch: list[tuple[Incoming, asyncio.Future[WriteResult]]]) -> None:
        loop = asyncio.get_running_loop()
        items = [item for item, _ in batch]
        try:
            results, fresh = await loop.run_in_executor(self._executor, self._commit, items)
        except Exception as exc:
            # One event alone, or a store that cannot be reached at all (PostgreSQL down):
            # writing the batch again one by one would only fail once per event.
            if len(batch) == 1 or isinstance(exc, StoreUnavailableError):
                self._failed(batch, exc)
                return
            log.warning(
                "a batch of %d events failed to commit (%s); writing them one by one",
                len(batch),
                _reason(exc),
            )
            for one in batch:
                await self._write([one])
            return
        self._succeeded()
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
        self._metrics.stored += len(fresh)
        self._metrics.duplicates += len(batch) - len(fresh)
        if fresh and not self._broadcaster.threadsafe:
            self._broadcaster.publish(fresh)

    def _failed(
        self, batch: list[tuple[Incoming, asyncio.Future[WriteResult]]], exc: Exception
    ) -> None:
        reason = _reason(exc)
        self._metrics.store_failures += 1
        if self.failing != reason:  # one line per condition, not one per event
            log.error("the store cannot commit events: %s", reason)
        self.failing = reason
        self._fail(batch, StorageFailedError(reason))

    def _succeeded(self) -> None:
        if self.failing is not None:
            log.warning("the store commits events again (it failed with: %s)", self.failing)
            self.failing = None

    @staticmethod
    def _fail(batch: list[tuple[Incoming, asyncio.Future[WriteResult]]], exc: Exception) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)

    async def close(self) -> None:
        """Stops the task, fails whatever still waits, and joins the writer thread."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        while not self._queue.empty():
            self._fail([self._queue.get_nowait()], WriterClosedError())
        await asyncio.to_thread(self._executor.shutdown, wait=True)


def _reason(exc: BaseException) -> str:
    """The store's own words for a failure (e.g. SQLite's "database or disk is full")."""
    if isinstance(exc, StoreUnavailableError):
        return str(exc)  # already one sentence naming the store
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
