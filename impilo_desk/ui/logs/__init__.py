"""The Logs tab: the paged delivery log, its filters, payloads, export and resend."""

from __future__ import annotations

from impilo_desk.ui.kit.palette import follow_palette
from impilo_desk.ui.kit.tab import TabParts
from impilo_desk.ui.logs.controller import LogsController
from impilo_desk.ui.logs.model import LogsModel, state_icons
from impilo_desk.ui.logs.redeliver_controller import RedeliverController
from impilo_desk.ui.logs.view import LogsTab


async def _time_scale_of(base_url: str) -> float:
    from impilo_desk.services.server_info import fetch_time_scale  # httpx: after the first paint

    return await fetch_time_scale(base_url)


def build(parts: TabParts) -> LogsController:
    """The Logs tab: its table model (countdowns on ``parts.clock``), view and controller."""
    model = LogsModel(parts.clock, state_icons(), parts.window, parts.times)
    view = LogsTab(model, parts.clipboard)
    follow_palette(view, lambda dark: model.set_icons(state_icons(dark=dark)))  # discs: 4.5:1
    controller = LogsController(view, model, parts.idle, _time_scale_of, parts.window)
    controller.redeliver = RedeliverController(controller, parts.clock, parent=controller)
    return controller
