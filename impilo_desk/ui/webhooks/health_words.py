"""The words of the health panel: the manual resends, the state line, an hour's figures.

Qt-free helpers of :mod:`~impilo_desk.ui.webhooks.health_panel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from impilo_desk.services.delivery_health import HourOutcomes, WebhookHealth
    from impilo_desk.services.manual_resends import ManualResends
    from impilo_desk.services.time_display import TimeDisplay

POINT_AT = "Point at a bar to read its hour in words."


def span_words(days: int) -> str:
    """The chart's span for people: "24 h" or "7 days"."""
    return "7 days" if days == 7 else "24 h"


def axis_offset(times: TimeDisplay) -> float | None:
    """The chart axis's offset for ``times``: seconds west of UTC (None: the system's zone)."""
    if times.utc:
        return 0.0
    if times.local_zone is None:
        return None
    offset = datetime.now(times.local_zone).utcoffset()
    return -offset.total_seconds() if offset is not None else 0.0


def manual_text(
    manual: ManualResends | None, known: bool, times: TimeDisplay, now: datetime
) -> str:
    """The manual resends beside the chart: counts, failure statuses, the latest."""
    if not known:
        return "This session keeps no record of manual resends."
    if manual is None:
        return "None in this period."
    lines = [manual.describe()]
    if manual.failures:
        lines.append(f"Failed: {manual.failure_words()}")
    answer = manual.latest_status if manual.latest_status is not None else manual.latest.value
    lines.append(f"Latest: {times.moment(manual.latest_at, now)}, {answer}")
    return "\n".join(lines)


def state_line(
    health: WebhookHealth | None, manual: ManualResends | None, known: bool, span: str
) -> str:
    """``Impilo's deliveries (24 h): failing · manual resends (24 h): 12 of 12 delivered``."""
    impilo = f"Impilo's deliveries (24 h): {health.state.value if health else 'not known yet'}"
    if not known:
        return impilo
    if manual is None:
        return f"{impilo} · no manual resends in the last {span}"
    return f"{impilo} · manual resends ({span}): {manual.delivered_of()}"


def hour_words(hours: Sequence[HourOutcomes], x: float, times: TimeDisplay, now: datetime) -> str:
    """The figures of the hour at ``x`` (seconds since the epoch) on the chart, in words.

    What the bar's colours say, for whoever cannot tell them apart: ``14:00 CET to 15:00:
    3 delivered first time, 0 after retries, 1 retrying, 2 failed for good``.
    """
    for hour in hours:
        start = hour.start.replace(tzinfo=UTC)
        if start.timestamp() <= x < start.timestamp() + 3600:
            end = start + timedelta(hours=1)
            return (
                f"{times.moment(start, now)} to {times.moment(end, now)}: "
                f"{hour.first_time:,} delivered first time, {hour.after_retries:,} after "
                f"retries, {hour.retrying:,} retrying, {hour.failed:,} failed for good."
            )
    return POINT_AT
