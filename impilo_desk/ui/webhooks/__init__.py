"""The Webhooks tab: list, create, change and delete webhooks; their delivery health."""

from __future__ import annotations

from impilo_desk.services.delivery_alerts import Notifier
from impilo_desk.ui.kit.palette import follow_palette
from impilo_desk.ui.kit.tab import TabParts
from impilo_desk.ui.webhooks.controller import WebhooksController, health_icons
from impilo_desk.ui.webhooks.model import WebhooksModel
from impilo_desk.ui.webhooks.notifier import TrayNotifier
from impilo_desk.ui.webhooks.view import WebhooksTab


def build(parts: TabParts, notifier: Notifier | None = None) -> WebhooksController:
    """The Webhooks tab: its table model, view and controller.

    ``notifier`` shows the alert when a webhook turns failing (default: the system tray).
    """
    model = WebhooksModel(parts.window, times=parts.times, clock=parts.clock)
    view = WebhooksTab(model)
    follow_palette(view, lambda _dark: model.set_icons(health_icons(view)))
    return WebhooksController(
        view,
        model,
        parts.idle,
        parts.window,
        clock=parts.clock,
        notifier=notifier or TrayNotifier(view),
    )
