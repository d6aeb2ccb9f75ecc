"""Time as the sandbox stores it: integer milliseconds since the epoch, UTC."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from impilo_desk.contract import format_timestamp

MS_MIN = int(datetime(1, 1, 2, tzinfo=UTC).timestamp() * 1000)
MS_MAX = int(datetime(9999, 12, 30, tzinfo=UTC).timestamp() * 1000)


class TimeOutOfRange(ValueError):  # noqa: N818 - reads better without "Error"
    """A date-time outside what the sandbox can store (years 1 to 9999, UTC)."""


def now_ms() -> int:
    """The current time in epoch milliseconds."""
    return time.time_ns() // 1_000_000


def to_ms(value: datetime) -> int:
    """Epoch milliseconds of ``value``; a naive time is taken to be UTC.

    Raises:
        TimeOutOfRange: When the time is out of range once moved to UTC.
    """
    try:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        ms = int(aware.astimezone(UTC).timestamp() * 1000)
    except (OverflowError, ValueError, OSError) as exc:
        raise TimeOutOfRange("the date-time is out of range") from exc
    if not MS_MIN <= ms <= MS_MAX:
        raise TimeOutOfRange("the date-time is out of range")
    return ms


def from_ms(ms: int) -> datetime:
    """An aware UTC datetime from epoch milliseconds."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def ms_text(ms: int | None) -> str | None:
    """``2026-11-02T08:15:30.000Z`` for epoch milliseconds, None for None."""
    return None if ms is None else format_timestamp(from_ms(ms))
