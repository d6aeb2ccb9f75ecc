"""The Events tab: every event the relay or smee delivered, live, searchable, exportable."""

from __future__ import annotations

from impilo_desk.ui.events.controller import EventsController
from impilo_desk.ui.events.model import EventsModel
from impilo_desk.ui.events.view import EventsTab
from impilo_desk.ui.kit.tab import TabParts


def build(parts: TabParts) -> EventsController:
    """The Events tab: its table model, view and controller."""
    model = EventsModel(parts.window, parts.times)
    view = EventsTab(model, parts.clipboard)
    return EventsController(view, model, parts.idle, parts.clock, parts.window)
