"""Fan-out across replicas: every event committed by any replica reaches this replica's streams.

Each replica ``LISTEN``s on ``pg_store.CHANNEL``; every write transaction ``NOTIFY``s the highest
position it committed. One pump task per replica then publishes to the local streams, in order,
every committed event after the last one it published (``published``):

- the replica's own commits come straight from the writer (``publish``) and are passed on at once
  when they follow ``published`` without a hole (the common case; no extra read);
- otherwise (another replica committed in between, or a notification came) the pump reads
  ``read_after(published)`` from the store;
- and every ``catchup_s`` it reads anyway, so a lost notification (the listening connection
  broke, PostgreSQL restarted) delays an event by at most that long but never loses it.

Because committed positions always form a gap-free prefix (``pg_store``), "after ``published``"
never skips an event. Streams therefore see each event once, in sequence order, and
``stream.event_stream``'s seam between replay and live holds as on SQLite.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging

import psycopg

from impilo_desk.relay.broadcaster import Broadcaster
from impilo_desk.relay.errors import StoreUnavailableError
from impilo_desk.relay.metrics import Metrics
from impilo_desk.relay.pg_store import CHANNEL, CONNECT_TIMEOUT_S, PgRelayStore
from impilo_desk.relay.store import StoredEvent

log = logging.getLogger(__name__)
PAGE = 500
CATCHUP_S = 1.0
RECONNECT_MAX_S = 5.0
RECONNECT_FIRST_S = 0.1


class PgBroadcaster(Broadcaster):
    """A ``Broadcaster`` whose events come from the shared store, whoever wrote them.

    ``start`` and ``stop`` bracket its two tasks (the listener and the pump).
    """

    def __init__(
        self,
        metrics: Metrics,
        queue_size: int,
        store: PgRelayStore,
        *,
        catchup_s: float = CATCHUP_S,
    ) -> None:
        super().__init__(metrics, queue_size)
        self._store = store
        self._catchup_s = catchup_s
        self._local: collections.deque[list[StoredEvent]] = collections.deque()
        self._wake = asyncio.Event()
        self._target = 0  # the highest position known to be committed
        self._force_read = False  # read the store at the next wake-up, whatever the target
        self.published = 0  # the highest position handed to the streams
        self.listening = False  # whether the LISTEN connection is up (for /healthz)
        self.store_reads = 0  # catch-up reads done (each one a round trip to PostgreSQL)
        self._tasks: list[asyncio.Task[None]] = []
        self._failing: str | None = None  # why the last catch-up read failed (logged once)

    async def start(self) -> None:
        """Starts publishing after the store's current last position."""
        self.published = (await asyncio.to_thread(self._store.bounds))["last_seq"]
        self._target = self.published
        self._tasks = [
            asyncio.create_task(self._listen(), name="relay-pg-listen"),
            asyncio.create_task(self._pump(), name="relay-pg-pump"),
        ]

    async def stop(self) -> None:
        """Cancels both tasks and waits for them."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def publish(self, events: list[StoredEvent]) -> None:
        """This replica's own fresh commits (from the writer); the pump passes them on in order."""
        self._local.append(events)
        self._wake.set()

    async def _listen(self) -> None:
        delay = RECONNECT_FIRST_S
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._store.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                )
            except psycopg.Error as exc:
                # once per outage (the first attempt), then quietly with back-off
                level = logging.WARNING if delay == RECONNECT_FIRST_S else logging.DEBUG
                log.log(level, "cannot LISTEN on PostgreSQL (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_S)
                continue
            try:
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening = True
                    delay = RECONNECT_FIRST_S
                    self._force_read = True  # whatever was committed while not listening
                    self._wake.set()
                    async for note in conn.notifies():
                        with contextlib.suppress(ValueError):
                            self._target = max(self._target, int(note.payload))
                        self._wake.set()
            except psycopg.Error as exc:
                log.warning("the LISTEN connection to PostgreSQL broke (%s); reconnecting", exc)
            finally:
                self.listening = False

    async def _pump(self) -> None:
        while True:
            woke = True
            try:
                # not wait_for: on 3.11 it loses a cancel that meets a wake-up
                async with asyncio.timeout(self._catchup_s):
                    await self._wake.wait()
            except TimeoutError:
                woke = False  # the periodic catch-up read
            self._wake.clear()
            self._take_local()
            read = not woke or self._force_read or self._target > self.published
            self._force_read = False
            reads_before = self.store_reads
            try:
                while read:
                    target = self._target
                    rows = await asyncio.to_thread(self._store.read_after, self.published, PAGE)
                    self.store_reads += 1
                    self._deliver(rows)
                    self._take_local()
                    # A short page reached the end; a target still ahead was pruned away,
                    # unless a notification raised it meanwhile.
                    short = len(rows) < PAGE
                    if short and self._target == target and self._target > self.published:
                        self._target = self.published
                    read = not short or self._target > self.published
            except StoreUnavailableError as exc:
                if self._failing != str(exc):  # once per condition, not once per catch-up read
                    log.warning("fan-out cannot read the store (%s); will catch up", exc)
                self._failing = str(exc)
            else:
                if self._failing is not None and self.store_reads > reads_before:
                    log.warning("fan-out reads the store again")
                    self._failing = None

    def _take_local(self) -> None:
        """Passes on own commits that follow ``published``; a hole raises ``_target`` instead."""
        while self._local:
            batch = self._local.popleft()
            if batch[-1].seq <= self.published:
                continue
            if batch[0].seq <= self.published + 1:  # no hole (seqs of a batch are contiguous)
                self._deliver(batch)
                continue
            self._target = max(self._target, batch[-1].seq)

    def _deliver(self, events: list[StoredEvent]) -> None:
        fresh = [e for e in events if e.seq > self.published]
        if fresh:
            self.published = fresh[-1].seq
            super().publish(fresh)
