"""One way to write times and durations for people, and one for files. Qt-free.

The rule, everywhere a person reads a time:

- local time with its zone (``14:03:12 CET``), or UTC when the user chose UTC
  (``13:03:12 UTC``);
- with the date in front whenever the time is not today (``2026-11-30 14:03:12 CET``).

Files (CSV, exports, logs) keep ISO 8601 with the offset: :func:`file_time`.
Durations read the same in every tab: :func:`duration` (``5 s``, ``2 min 5 s``, ``1 h 4 min``).

Usage::

    times = TimeDisplay()                  # local; TimeDisplay(utc=True) for UTC
    times.moment(reading_time)             # "14:03:12 CET", or "2026-11-30 14:03:12 CET"
    times.zone_name()                      # "CET" (for a column title: "Time (CET)")
    times.listen(redraw)                   # called after set_utc() changes the rule
    duration(12)                           # "12 s"

One instance serves the whole window (the composition root makes it; the tabs get it through
their ``TabParts``), so the UTC setting changes every tab at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

DATE = "%Y-%m-%d"
TIME = "%H:%M:%S"


@dataclass
class TimeDisplay:
    """How the app writes a moment for people: local time (default) or UTC, zone always shown.

    Attributes:
        utc: Show UTC instead of local time (the user's setting).
        local_zone: The local zone (None: the system's); set by tests for a fixed zone.
    """

    utc: bool = False
    local_zone: tzinfo | None = None
    _listeners: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def set_utc(self, utc: bool) -> None:
        """Shows UTC (True) or local time from now on, and tells every listener."""
        if utc != self.utc:
            self.utc = utc
            for listener in list(self._listeners):
                listener()

    def listen(self, listener: Callable[[], None]) -> None:
        """Calls ``listener`` whenever the rule changes (to redraw what shows times)."""
        self._listeners.append(listener)

    def zone(self) -> tzinfo:
        """The zone times are shown in."""
        if self.utc:
            return UTC
        if self.local_zone is not None:
            return self.local_zone
        zone = datetime.now().astimezone().tzinfo
        return zone if zone is not None else UTC

    def zone_name(self, at: datetime | None = None) -> str:
        """The zone's short name at ``at`` (now by default): ``UTC``, ``CET``, ``+0530``."""
        when = (at or datetime.now(UTC)).astimezone(self.zone())
        return "UTC" if self.utc else (when.tzname() or when.strftime("%z"))

    def moment(
        self,
        when: datetime | float,
        now: datetime | None = None,
        *,
        milliseconds: bool = False,
        always_date: bool = False,
    ) -> str:
        """``when`` (aware datetime, naive = UTC, or seconds since the epoch) for people.

        The date is shown whenever it is not today (in the zone shown); the zone always.
        ``milliseconds`` adds them (``14:03:07.412 CET``), for steps a second apart;
        ``always_date`` shows the date today too (a list that spans days, e.g. Events).
        """
        at = _aware(when).astimezone(self.zone())
        today = (now or datetime.now(UTC)).astimezone(self.zone()).date()
        text = at.strftime(TIME if at.date() == today and not always_date else f"{DATE} {TIME}")
        if milliseconds:
            text += f".{at.microsecond // 1000:03d}"
        return f"{text} {self.zone_name(at)}"

    def column_title(self, label: str = "Time") -> str:
        """A table column's title that names the zone: ``Time (CET)``."""
        return f"{label} ({self.zone_name()})"


def file_time(when: datetime | float) -> str:
    """``when`` for files: ISO 8601 to the second, with its offset (``…T13:03:12+00:00``)."""
    return _aware(when).astimezone(UTC).isoformat(timespec="seconds")


def duration(seconds: float) -> str:
    """A duration for people, one style everywhere (a space before every unit).

    ``85 ms``, ``2.5 s``, ``12 s``, ``2 min 5 s``, ``1 h 4 min``; negative counts as zero.
    """
    seconds = max(0.0, seconds)
    if 0 < seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 10 and not float(seconds).is_integer():
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _aware(when: datetime | float) -> datetime:
    if isinstance(when, datetime):
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return datetime.fromtimestamp(when, UTC)
