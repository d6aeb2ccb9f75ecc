"""The Webhooks tab: list, create, change and delete webhooks."""

from __future__ import annotations

from impilo_desk.ui.kit.tab import TabParts
from impilo_desk.ui.webhooks.controller import WebhooksController
from impilo_desk.ui.webhooks.model import WebhooksModel
from impilo_desk.ui.webhooks.view import WebhooksTab


def build(parts: TabParts) -> WebhooksController:
    """The Webhooks tab: its table model, view and controller."""
    model = WebhooksModel(parts.window)
    return WebhooksController(WebhooksTab(model), model, parts.idle, parts.window)
