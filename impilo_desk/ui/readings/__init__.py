"""The Readings tab: charts and tables of readings, live from a relay or polled."""

from __future__ import annotations

from impilo_desk.ui.kit.tab import TabParts
from impilo_desk.ui.readings.controller import ReadingsController
from impilo_desk.ui.readings.view import ReadingsTab


def build(parts: TabParts) -> ReadingsController:
    """The Readings tab: its view and controller (the charts are built with the first session)."""
    return ReadingsController(ReadingsTab(times=parts.times), parts.idle, parts.window)
