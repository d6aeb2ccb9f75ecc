"""The Readings charts' time axis, written by the window's one rule for times.

pyqtgraph's date axis writes ticks in the computer's zone, with its own date style ("Tue 01").
This one follows :class:`~impilo_desk.services.time_display.TimeDisplay`: the zone it shows
(local, or UTC when chosen; the axis title names it) and dates as ``2026-12-01``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyqtgraph as pg
from pyqtgraph.graphicsItems.DateAxisItem import (
    DAY_SPACING,
    HOUR_SPACING,
    MINUTE_SPACING,
    MONTH_SPACING,
    MS_ZOOM_LEVEL,
    SECOND_SPACING,
    YEAR_SPACING,
    TickSpec,
    ZoomLevel,
    makeMStepper,
    makeSStepper,
    makeYStepper,
)

from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.ui.kit.dialogs import alive

# pyqtgraph's zoom levels, with dates as the app writes them (year-month-day).
_ZOOM_LEVELS = {
    float("inf"): ZoomLevel(
        [
            TickSpec(YEAR_SPACING, makeYStepper(1), "%Y", autoSkip=[1, 5, 10, 25]),
            TickSpec(MONTH_SPACING, makeMStepper(1), "%Y-%m"),
        ],
        "2026-12",
    ),
    5 * DAY_SPACING: ZoomLevel(
        [
            TickSpec(MONTH_SPACING, makeMStepper(1), "%Y-%m"),
            TickSpec(DAY_SPACING, makeSStepper(DAY_SPACING), "%m-%d", autoSkip=[1, 5]),
        ],
        "2026-12",
    ),
    6 * HOUR_SPACING: ZoomLevel(
        [
            TickSpec(DAY_SPACING, makeSStepper(DAY_SPACING), "%Y-%m-%d"),
            TickSpec(HOUR_SPACING, makeSStepper(HOUR_SPACING), "%H:%M", autoSkip=[1, 6]),
        ],
        "2026-12-01",
    ),
    15 * MINUTE_SPACING: ZoomLevel(
        [
            TickSpec(DAY_SPACING, makeSStepper(DAY_SPACING), "%Y-%m-%d"),
            TickSpec(MINUTE_SPACING, makeSStepper(MINUTE_SPACING), "%H:%M", autoSkip=[1, 5, 15]),
        ],
        "2026-12-01",
    ),
    30: ZoomLevel(
        [
            TickSpec(
                SECOND_SPACING, makeSStepper(SECOND_SPACING), "%H:%M:%S", autoSkip=[1, 5, 15, 30]
            )
        ],
        "99:99:99",
    ),
    1: MS_ZOOM_LEVEL,
}


class TimeAxis(pg.DateAxisItem):  # type: ignore[misc]  # pyqtgraph has no type hints
    """A date axis in the zone of ``times``, with dates as ``2026-12-01``; follows its changes.

    Args:
        times: The window's rule for times (local or UTC).
        orientation: Where the axis is (``bottom``).
    """

    def __init__(self, times: TimeDisplay, orientation: str = "bottom", **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.times = times
        self.zoomLevels = dict(_ZOOM_LEVELS)
        self.follow_times()
        times.listen(self.follow_times)

    def follow_times(self) -> None:
        """Takes the zone ``times`` shows now (the rule changed) and redraws the ticks."""
        if not alive(self):  # the chart was closed; the window's rule lives on
            return
        offset = datetime.now(UTC).astimezone(self.times.zone()).utcoffset()
        # pyqtgraph counts the offset westward, in seconds (like time.timezone)
        self.utcOffset = -int(offset.total_seconds()) if offset is not None else 0
        self.setLabel(self.times.column_title())
        self.picture = None  # the cached ticks were drawn in the old zone
        self.update()
