"""Where the Logs tab's rows come from: Impilo, or the local copy when it covers the range.

The controller asks :meth:`LogsSource.plan` before each load. The local copy is used when the
profile keeps one and it holds every row created at or after the "Created from" date
(``LogMirror.covers``); then every filter and any sort runs on it. With no "Created from" at
all, the rows come from Impilo (which holds more than the copy's window), until a filter or a
sort only the copy has is asked for: then the whole copy is read, and the source line says so
("Rows from the whole local copy (the last 7 days), …"). Only a "Created from" the user chose
before the copy's window (or a copy whose first sync has not ended) refuses those filters in a
sentence: rows that ignore them would look filtered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from impilo_desk.services.time_display import TimeDisplay, duration
from impilo_desk.ui.logs.local_filters import COPY_FAILED, COPY_NOT_READY, NEEDS_COPY, NO_COPY

if TYPE_CHECKING:
    from impilo_desk.client import LogFilters
    from impilo_desk.services.log_mirror import LogMirror, SyncStatus
    from impilo_desk.services.log_mirror.search import LocalFilters, LocalPage, LogSort
    from impilo_desk.session import Session

IMPILO, LOCAL = "impilo", "local"
JUST_NOW_S = 5


@dataclass(frozen=True)
class Plan:
    """Where the next page comes from: ``impilo``, ``local``, or refused (``refusal`` says why).

    Attributes:
        origin: ``impilo`` or ``local`` (None when refused).
        refusal: One sentence when the filters need the local copy and it cannot serve them.
        offer_dates: Whether "Use the local copy's dates" would help.
        whole_copy: The local page reads the whole copy: no "Created from" was chosen.
    """

    origin: str | None
    refusal: str = ""
    offer_dates: bool = False
    whole_copy: bool = False


class LogsSource:
    """The session's local copy, as the Logs tab sees it; says where the rows shown came from.

    Args:
        clock: The current time (aware UTC).
        times: The app's one rule for writing times.
    """

    def __init__(self, clock: Callable[[], datetime], times: TimeDisplay) -> None:
        self._clock = clock
        self._times = times
        self.mirror: LogMirror | None = None
        self._unlisten: Callable[[], None] | None = None
        self.origin: str | None = None  # of the rows shown
        self.whole_copy = False  # the rows shown are of the whole copy (no "Created from")
        self.loaded_at: datetime | None = None
        self.synced_at: datetime | None = None  # of the copy, when the rows shown were read

    def bind(self, session: Session | None, on_status: Callable[[SyncStatus], None]) -> None:
        """Follows ``session``'s local copy (or none); ``on_status`` hears its syncs."""
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        self.mirror = session.log_mirror if session is not None else None
        self.origin = self.loaded_at = self.synced_at = None
        self.whole_copy = False
        if self.mirror is not None:
            self._unlisten = self.mirror.listen(on_status)

    def window_text(self) -> str:
        """How far back the copy reaches, for people ("7 days")."""
        if self.mirror is None:
            return ""
        days = self.mirror.settings.window / timedelta(days=1)
        if days.is_integer():
            return f"{int(days)} day{'s' if days != 1 else ''}"
        return duration(self.mirror.settings.window.total_seconds())

    def covers(self, filters: LogFilters | None) -> bool:
        """Whether the copy holds every row the filters' created range can hold."""
        start = filters.start if filters is not None else None
        return self.mirror is not None and start is not None and self.mirror.covers(start)

    def ready(self) -> bool:
        """Whether the copy holds its whole window (its first sync has ended)."""
        return self.mirror is not None and self.mirror.covers(self.copy_start())

    def plan(self, filters: LogFilters | None, local: LocalFilters, sort: LogSort) -> Plan:
        """Where the page for these filters comes from (or why it cannot be shown)."""
        if self.covers(filters):
            return Plan(LOCAL)
        if not local.any() and sort.is_default():
            return Plan(IMPILO)
        note, offer = self.note(filters)
        if not note:  # no "Created from", and the copy is whole: all of it is read
            return Plan(LOCAL, whole_copy=True)
        return Plan(None, note, offer_dates=offer)

    def note(self, filters: LogFilters | None) -> tuple[str, bool]:
        """The sentence beside the local filters while they cannot run; empty while they can.

        Returns:
            The sentence, and whether to offer the copy's dates.
        """
        if self.covers(filters):
            return "", False
        if self.mirror is None:
            return NO_COPY, False
        if filters is None or filters.start is None:  # no range chosen: the whole copy serves
            if self.ready():
                return "", False
            status = self.mirror.status
            if status.phase == "failed":
                return COPY_FAILED.format(error=status.error or "").rstrip(), False
            return COPY_NOT_READY, False
        return NEEDS_COPY.format(days=self.window_text()), True

    def copy_start(self) -> datetime:
        """A "Created from" date inside the copy's window (a minute to spare)."""
        window = self.mirror.settings.window if self.mirror is not None else timedelta(days=7)
        return self._clock() - window + timedelta(minutes=1)

    async def fetch_local(
        self,
        filters: LogFilters | None,
        local: LocalFilters,
        sort: LogSort,
        page: int,
        size: int,
    ) -> LocalPage:
        """A page of the copy, read in a worker thread."""
        from impilo_desk.services.log_mirror.search import search

        mirror = self.mirror
        assert mirror is not None
        synced = mirror.status.synced_at
        found = await asyncio.to_thread(search, mirror.store, filters, local, sort, page, size)
        self.synced_at = synced
        return found

    def shown(self, origin: str, whole_copy: bool = False) -> None:
        """Rows from ``origin`` are shown now (``whole_copy``: all of the copy was read)."""
        self.origin = origin
        self.whole_copy = whole_copy and origin == LOCAL
        self.loaded_at = self._clock()

    def clear(self) -> None:
        """No rows are shown."""
        self.origin = None

    def text(self) -> str:
        """The source line: "Rows from Impilo, just now", "… from the local copy, synced 12 s ago".

        With no "Created from", the whole copy is read: "Rows from the whole local copy (the last
        7 days), just now". A time past a few seconds is written too ("… 12 s ago (14:03:00
        CET)"), and a last sync that failed says so.
        """
        now = self._clock()
        if self.origin == IMPILO and self.loaded_at is not None:
            return f"Rows from Impilo, {self._ago(now, self.loaded_at, 'loaded ')}"
        if self.origin != LOCAL:
            return ""
        status = self.mirror.status if self.mirror is not None else None
        synced = self.synced_at
        when = "never synced" if synced is None else self._ago(now, synced, "synced ")
        copy = (
            f"whole local copy (the last {self.window_text()})" if self.whole_copy else "local copy"
        )
        text = f"Rows from the {copy}, {when}"
        if status is not None and status.phase == "failed":
            text += f"; the last sync failed: {status.error}"
        elif status is not None and status.phase in ("syncing", "first-sync"):
            text += "; syncing…"
        return text

    def _ago(self, now: datetime, then: datetime, verb: str) -> str:
        seconds = (now - then).total_seconds()
        if seconds < JUST_NOW_S:
            return "just now"
        return f"{verb}{duration(int(seconds))} ago ({self._times.moment(then, now)})"
