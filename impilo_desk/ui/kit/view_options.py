"""The View menu's display options: times in UTC, and a dark palette."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from impilo_desk.services.time_display import TimeDisplay


def add_view_options(
    menu: QMenu,
    times: TimeDisplay,
    set_dark: Callable[[bool], None] | None = None,
    *,
    dark_now: bool = False,
) -> tuple[QAction, QAction | None]:
    """Adds "Times in UTC" (and, given ``set_dark``, "Dark palette") to ``menu``.

    "Dark palette" starts ticked when ``dark_now`` (the palette shown is dark already).

    Returns:
        The two checkable actions (the second None without ``set_dark``).
    """
    menu.addSeparator()
    utc = QAction("Times in &UTC", menu)
    utc.setObjectName("times-in-utc")
    utc.setCheckable(True)
    utc.setChecked(times.utc)
    utc.setToolTip("Show every time in UTC instead of this computer's local time")
    utc.toggled.connect(times.set_utc)
    menu.addAction(utc)
    dark = None
    if set_dark is not None:
        dark = QAction("&Dark palette", menu)
        dark.setObjectName("dark-palette")
        dark.setCheckable(True)
        dark.setChecked(dark_now)  # before the switch is connected: nothing to switch yet
        dark.toggled.connect(set_dark)
        menu.addAction(dark)
    return utc, dark
