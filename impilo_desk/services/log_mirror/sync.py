"""Keeping the local copy of the delivery log in step with Impilo.

The API has no "changed since" filter, so each sync asks three narrow questions:

1. **New rows**: ``startTimestamp`` = the newest create time held, less an overlap, or the
   oldest row still *pending* (no answer yet; its first attempt changes it without touching
   ``lastRetryTimestamp``), whichever is older.
2. **Retried rows**: ``startLastRetryTimestamp`` = the newest retry time held, less an overlap.
   Every later state of a row that failed once (retry k of 3, delivered after retries, failed
   for good) is written by a retry, which moves ``lastRetryTimestamp`` forward, so this finds
   every such change since the last sync without re-reading the rows that did not change.
3. **Backfill** (the first sync, or what a cancelled one left): newest first, through the
   window, keyed on the create time (``endTimestamp`` = the oldest row held so far), so that
   neither new rows nor deep ``page`` offsets slow it down. It keeps every page it got.

Both cursors come from the server's own timestamps, so the desktop's clock does not matter; the
overlap covers a row committed a little after a newer one (a delivery takes up to 10 s).
Rows are upserted by id, so what the overlap reads twice is stored once. Nothing here imports Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from impilo_desk.client.errors import RateLimited
from impilo_desk.client.filters import LogFilters
from impilo_desk.client.ports import DeliveryLogApi
from impilo_desk.contract import Page, WebhookLog
from impilo_desk.services.failure_sentence import describe_error
from impilo_desk.services.log_mirror.store import MirrorStore, from_ms, to_ms

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MirrorSettings:
    """How the mirror syncs.

    Attributes:
        window: How far back the mirror keeps rows (default 7 days).
        interval_s: Seconds between background syncs.
        overlap: How far behind the newest held time each incremental question starts.
        open_horizon: Pending rows older than this are not re-read (a row Impilo never
            answers must not pin the "new rows" question to the start of the window).
        page_size: Rows per request (the API's maximum is 250).
        max_pages: Bound on requests per question.
        max_rate_wait_s: Longest ``Retry-After`` honoured by waiting; a longer one fails the
            sync (the next one tries again).
    """

    window: timedelta = timedelta(days=7)
    interval_s: float = 60.0
    overlap: timedelta = timedelta(minutes=2)
    open_horizon: timedelta = timedelta(hours=3)
    page_size: int = 250
    max_pages: int = 5000
    max_rate_wait_s: float = 300.0


@dataclass(frozen=True)
class SyncStatus:
    """What the mirror reports, for the status line of the tabs.

    Attributes:
        phase: ``first-sync`` (backfilling, with ``rows`` of ``total``), ``syncing``,
            ``synced``, ``waiting`` (Impilo asked to wait: 429), ``failed`` or ``cancelled``.
        rows: Rows held (during a first sync: so far).
        total: During a first sync, how many rows the window holds on Impilo, if told.
        synced_at: When the last complete sync ended (the desktop's clock).
        error: One sentence when the last sync failed.
        fetched: Rows read from Impilo by the last sync.
        changed: Rows the last sync added or changed.
        seconds: How long the last sync took.
    """

    phase: str
    rows: int = 0
    total: int | None = None
    synced_at: datetime | None = None
    error: str | None = None
    fetched: int = 0
    changed: int = 0
    seconds: float = 0.0

    def describe(self, now: datetime) -> str:
        """One line: "Local copy: 12,345 rows, synced 12 s ago", "…: sync failed: …"."""
        if self.phase == "first-sync":
            of = f" of {self.total:,}" if self.total is not None else ""
            return f"Local copy: first sync, {self.rows:,}{of} rows so far…"
        if self.phase == "waiting":
            return f"Local copy: Impilo asked to wait; {self.rows:,} rows so far"
        ago = "never synced" if self.synced_at is None else f"synced {_ago(now, self.synced_at)}"
        if self.phase == "failed":
            return f"Local copy: sync failed ({ago}): {self.error}"
        if self.phase == "cancelled":
            return f"Local copy: sync stopped, {self.rows:,} rows kept ({ago})"
        if self.phase == "syncing":
            return f"Local copy: {self.rows:,} rows, syncing… ({ago})"
        return f"Local copy: {self.rows:,} rows, {ago}"


def _ago(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


StatusListener = Callable[[SyncStatus], None]


class LogMirror:
    """Syncs a :class:`MirrorStore` from the delivery log of one profile.

    Every SQLite call runs in a worker thread. :meth:`run` is the background loop (its owner
    cancels it); :meth:`sync_now` asks it for a sync at once (F5).

    Args:
        store: The profile's mirror file.
        api: The profile's client (its delivery-log port).
        settings: Window, interval, page size.
        clock: The desktop's current time (the window's start, "synced … ago").
    """

    def __init__(
        self,
        store: MirrorStore,
        api: DeliveryLogApi,
        settings: MirrorSettings | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self._api = api
        self.settings = settings or MirrorSettings()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._backfilled_to: int | None = None
        self.status = SyncStatus("never")
        self._listeners: list[StatusListener] = []

    async def load(self) -> SyncStatus:
        """Reads what an earlier run left (rows held, when it last synced), off the loop."""
        store = self.store
        synced = await asyncio.to_thread(store.meta, "synced_at")
        self._backfilled_to = await asyncio.to_thread(store.meta, "backfilled_to")
        rows = await asyncio.to_thread(store.count)
        phase = "never" if synced is None else "synced"
        self.status = SyncStatus(
            phase, rows=rows, synced_at=None if synced is None else from_ms(synced)
        )
        return self.status

    def __repr__(self) -> str:
        return f"LogMirror({self.store!r})"

    def listen(self, listener: StatusListener) -> Callable[[], None]:
        """Calls ``listener`` with every new status until the returned call removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def sync_now(self) -> None:
        """Wakes :meth:`run` for a sync now."""
        self._wake.set()

    def covers(self, since: datetime) -> bool:
        """Whether every row created at or after ``since`` is held (as of the last sync)."""
        back = self._backfilled_to
        return back is not None and back <= to_ms(since) and self.status.synced_at is not None

    async def run(self) -> None:
        """Syncs now, then every ``interval_s`` and on :meth:`sync_now`, until cancelled.

        A failed sync is reported (phase ``failed``) and tried again at the next interval;
        it never ends the loop.
        """
        while True:
            self._wake.clear()
            try:
                await self.sync()
            except asyncio.CancelledError:
                self._report(replace(self.status, phase="cancelled"))
                raise
            except Exception as exc:
                _log.warning("log mirror sync failed: %s", describe_error(exc))
                self._report(replace(self.status, phase="failed", error=describe_error(exc)))
            with contextlib.suppress(TimeoutError):  # the interval passed: sync again
                # not wait_for: on 3.11 it loses a cancel that meets a wake-up
                async with asyncio.timeout(self.settings.interval_s):
                    await self._wake.wait()

    async def sync(self) -> SyncStatus:
        """One sync: new rows, retried rows, then the backfill; returns the status after it."""
        async with self._lock:
            return await self._sync()

    async def _sync(self) -> SyncStatus:
        began = time.perf_counter()
        now = self._clock()
        window_start = now - self.settings.window
        overlap = self.settings.overlap
        store = self.store
        cur = await asyncio.to_thread(store.cursors, to_ms(now - self.settings.open_horizon))
        fetched = changed = 0
        self._report(replace(self.status, phase="syncing", rows=cur.rows, error=None))
        if cur.newest_create is not None:
            start_ms = cur.newest_create - int(overlap.total_seconds() * 1000)
            if cur.oldest_open is not None:
                start_ms = min(start_ms, cur.oldest_open)
            start = max(from_ms(start_ms), window_start)
            f, c = await self._take(LogFilters(start=start))
            fetched, changed = fetched + f, changed + c
            retry_from = window_start if cur.newest_retry is None else from_ms(cur.newest_retry)
            retried = LogFilters(start=window_start, start_last_retry=retry_from - overlap)
            f, c = await self._take(retried)
            fetched, changed = fetched + f, changed + c
        if cur.backfilled_to is None or cur.backfilled_to > to_ms(window_start):
            f, c = await self._backfill(window_start, cur.backfilled_to, cur.rows)
            fetched, changed = fetched + f, changed + c
        await asyncio.to_thread(store.prune, to_ms(window_start))
        await asyncio.to_thread(store.optimize)
        done = self._clock()
        await asyncio.to_thread(store.set_meta, "synced_at", to_ms(done))
        rows = await asyncio.to_thread(store.count)
        status = SyncStatus(
            "synced",
            rows=rows,
            synced_at=done,
            fetched=fetched,
            changed=changed,
            seconds=time.perf_counter() - began,
        )
        self._report(status)
        return status

    async def _take(self, filters: LogFilters) -> tuple[int, int]:
        """Reads every page of ``filters`` into the store; returns (read, new or changed)."""
        fetched = changed = 0
        # closed here, not by the collector: a cancel while a page is stored ends the walk
        # (and its prefetch) in this task; a generator closed later cannot await its cleanup
        async with contextlib.aclosing(self._walk(filters)) as pages:
            async for page in pages:
                fetched += len(page.content)
                changed += (await self._store(page.content))[0]
        return fetched, changed

    async def _backfill(
        self, window_start: datetime, backfilled_to: int | None, held: int
    ) -> tuple[int, int]:
        end = None if backfilled_to is None else from_ms(backfilled_to)
        filters = LogFilters(start=window_start, end=end)
        fetched = changed = new = 0
        total: int | None = None
        ordered = True
        async with contextlib.aclosing(self._walk(filters)) as pages:  # as in _take
            async for page in pages:
                if total is None and page.total is not None:
                    total = held + page.total
                fetched += len(page.content)
                page_changed, page_new = await self._store(page.content)
                changed, new = changed + page_changed, new + page_new
                times = [to_ms(r.createTimestamp) for r in page.content if r.createTimestamp]
                ordered = ordered and times == sorted(times, reverse=True)
                if ordered and times:  # every row newer than the page's oldest is held now
                    self._backfilled_to = min(times) + 1
                    await asyncio.to_thread(self.store.set_backfilled_to, self._backfilled_to)
                self._report(replace(self.status, phase="first-sync", rows=held + new, total=total))
        self._backfilled_to = to_ms(window_start)
        await asyncio.to_thread(self.store.set_backfilled_to, self._backfilled_to)
        return fetched, changed

    async def _store(self, logs: list[WebhookLog]) -> tuple[int, int]:
        """Upserts a page; returns (rows added or changed, rows added)."""
        if not logs:
            return 0, 0
        before = await asyncio.to_thread(self._states, logs)
        new, _skipped = await asyncio.to_thread(self.store.upsert, logs)
        return sum(1 for log in logs if before.get(log.id) != _state(log)), new

    def _states(self, logs: list[WebhookLog]) -> dict[int | None, tuple[object, ...]]:
        ids = [log.id for log in logs if log.id is not None]
        marks = ",".join("?" * len(ids))
        sql = (
            f"SELECT id, last_status, retry_attempts, last_retry_ms FROM logs WHERE id IN ({marks})"  # noqa: S608 - placeholders only
        )
        rows = self.store.query(sql, ids)
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    async def _walk(self, filters: LogFilters) -> AsyncGenerator[Page[WebhookLog], None]:
        """The pages of ``filters``, newest first, keyed on the create time where it can be.

        Each next request ends (``endTimestamp``, exclusive) just after the oldest row of the
        page before, so rows created meanwhile and deep offsets do not matter. A server that
        does not sort newest first is paged by number instead. Stops at an empty, short or
        last page, and after two pages that bring nothing new (a server that repeats a page).
        """
        size = self.settings.page_size
        end, number, stale = filters.end, 1, 0
        seen: set[int] = set()

        def fetch(end: datetime | None, number: int) -> asyncio.Task[Page[WebhookLog]]:
            # the next page is asked for while the caller stores this one (this walk owns it)
            coro = self._fetch(replace(filters, end=end), number, size)
            return asyncio.ensure_future(coro)

        task: asyncio.Task[Page[WebhookLog]] | None = fetch(end, number)
        try:
            for _ in range(self.settings.max_pages):
                assert task is not None
                page = await task
                task = None
                rows = page.content
                fresh = [r for r in rows if r.id is not None and r.id not in seen]
                if rows and not fresh:
                    stale += 1
                    if stale >= 2:
                        return
                else:
                    stale = 0
                seen.update(r.id for r in fresh if r.id is not None)
                done = not rows or len(rows) < size or bool(page.last)
                if not done:
                    times = [to_ms(r.createTimestamp) for r in rows if r.createTimestamp]
                    end_ms = None if end is None else to_ms(end)
                    oldest = min(times) if times else None
                    descending = times == sorted(times, reverse=True)
                    if (
                        descending
                        and oldest is not None
                        and (end_ms is None or oldest + 1 < end_ms)
                    ):
                        end, number = from_ms(oldest + 1), 1
                    else:
                        number += 1
                    task = fetch(end, number)
                yield page
                if done:
                    return
        finally:
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    async def _fetch(self, filters: LogFilters, number: int, size: int) -> Page[WebhookLog]:
        """One page; a 429 is honoured by waiting its ``Retry-After`` (bounded), then again."""
        wait = 2.0
        for _ in range(6):
            try:
                return await self._api.list_logs(filters, page=number, size=size)
            except RateLimited as exc:
                delay = exc.retry_after if exc.retry_after is not None else wait
                if delay > self.settings.max_rate_wait_s:
                    raise
                wait = min(wait * 2, 60.0)
                self._report(replace(self.status, phase="waiting"))
                await asyncio.sleep(delay)
        return await self._api.list_logs(filters, page=number, size=size)

    def _report(self, status: SyncStatus) -> None:
        self.status = status
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:  # a listener's failure must not stop the sync
                _log.exception("a log mirror listener failed")


def _state(log: WebhookLog) -> tuple[object, ...]:
    retry = None if log.lastRetryTimestamp is None else to_ms(log.lastRetryTimestamp)
    return (log.lastResponseStatus, max(0, log.retryAttempts or 0), retry)
