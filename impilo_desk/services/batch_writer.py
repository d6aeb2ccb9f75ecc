"""Storing the events of one connection in batches, in order, each once: ``BatchWriter``.

The relay and smee subscribers both read a stream in one task and write in another: the stream
``put``s events (and markers such as gaps, which must keep their place among the events) on a
queue, and the writer stores everything that waits there with one ``commit`` (one SQLite
transaction), up to ``BATCH_MAX``, then hands on the new events in the stream's order. While one
batch commits the next one gathers, so a burst or a replay costs one commit per batch, not one
per event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from impilo_desk.services.event_store import RelayEvent

__all__ = ["BATCH_MAX", "BatchWriter"]

BATCH_MAX = 500
"""At most this many events per transaction: a long replay is committed in slices, so the UI
sees progress and a failed commit costs little."""

M = TypeVar("M")
"""The markers a stream interleaves with its events (the subscribers' gaps)."""


class BatchWriter(Generic[M]):
    """The writer task of one connection, and the queue that feeds it.

    Use it as ``async with BatchWriter(...) as writer:`` around the reading of one connection.
    However the block ends (the stream ended or broke, the owner cancelled), leaving it waits
    until everything put was stored, so the next connection resumes from an exact point; a
    second cancellation while waiting cancels the writer without waiting.

    Args:
        commit: stores a batch in one transaction; returns, for each event, whether it was new.
        on_new: called with each new event, after its batch was committed.
        on_duplicates: called with how many events of a batch were there before (when any).
        on_marker: awaited with each marker, after the events put before it were stored.
        name: the writer task's name.
        batch_max: at most this many events per ``commit``.
    """

    def __init__(
        self,
        commit: Callable[[Sequence[RelayEvent]], Awaitable[list[bool]]],
        *,
        on_new: Callable[[RelayEvent], None],
        on_duplicates: Callable[[int], None],
        on_marker: Callable[[M], Awaitable[None]],
        name: str,
        batch_max: int = BATCH_MAX,
    ) -> None:
        self._commit = commit
        self._on_new = on_new
        self._on_duplicates = on_duplicates
        self._on_marker = on_marker
        self._name = name
        self._batch_max = batch_max
        # Unbounded: a batch commits much faster than a stream delivers one event, so it stays
        # short; and a failed writer stops the reading at the next frame (``check``).
        self._inbox: asyncio.Queue[RelayEvent | M | None] = asyncio.Queue()  # None: the end
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> BatchWriter[M]:
        self._task = asyncio.create_task(self._run(), name=self._name)
        return self

    async def __aexit__(self, *exc: object) -> None:
        task = self._task
        if task is None:
            return
        self._inbox.put_nowait(None)
        try:
            await task  # stores what the stream gave; raises what the writer raised
        except asyncio.CancelledError:
            task.cancel()  # cancelled again while flushing: stop without waiting
            raise

    def check(self) -> None:
        """Raises what the writer raised, if it failed (so that the reading stops)."""
        if self._task is not None and self._task.done():
            self._task.result()

    def put(self, item: RelayEvent | M) -> None:
        """Queues an event, or a marker to handle after the events put before it."""
        self._inbox.put_nowait(item)

    async def _run(self) -> None:
        """Stores and hands on what the queue holds, in order, until it holds None."""
        while True:
            items = [await self._inbox.get()]
            while len(items) < self._batch_max and not self._inbox.empty():
                items.append(self._inbox.get_nowait())
            batch: list[RelayEvent] = []
            for item in items:
                if isinstance(item, RelayEvent):
                    batch.append(item)
                    continue
                await self._store(batch)  # what came before a marker or the end, first
                batch = []
                if item is None:
                    return
                await self._on_marker(item)
            await self._store(batch)

    async def _store(self, batch: list[RelayEvent]) -> None:
        if not batch:
            return
        new = await self._commit(batch)
        for event, is_new in zip(batch, new, strict=True):
            if is_new:
                self._on_new(event)
        if duplicates := new.count(False):
            self._on_duplicates(duplicates)
