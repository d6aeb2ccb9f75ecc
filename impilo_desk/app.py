"""The composition root: builds the services and the window, and wires them. No globals."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtGui import QClipboard

from impilo_desk.ui.logs_controller import LogsController
from impilo_desk.ui.logs_model import LogsModel, state_icons
from impilo_desk.ui.logs_tab import LogsTab
from impilo_desk.ui.main_controller import SessionController
from impilo_desk.ui.main_window import MainWindow
from impilo_desk.ui.ports import OpenSession
from impilo_desk.ui.secret_controller import SecretController
from impilo_desk.ui.secret_tab import SecretTab
from impilo_desk.ui.tasks import TaskOwner
from impilo_desk.ui.webhooks_controller import WebhooksController
from impilo_desk.ui.webhooks_model import WebhooksModel
from impilo_desk.ui.webhooks_tab import WebhooksTab


@dataclass
class Desk:
    """The window and its controllers, as built by :func:`build_desk`."""

    window: MainWindow
    webhooks: WebhooksController
    secret: SecretController
    sessions: SessionController
    logs: LogsController


def build_desk(
    loop: asyncio.AbstractEventLoop, clipboard: QClipboard, open_session: OpenSession
) -> Desk:
    """Builds the main window with its tabs and controllers.

    Args:
        loop: The qasync loop every task runs on.
        clipboard: The clipboard the Secret tab copies to.
        open_session: Opens a session (client, credential store, relay feed) for a profile.
    """
    window = MainWindow()
    idle = TaskOwner(loop, name="idle")  # replaced by each session's owner
    webhooks_model = WebhooksModel(window)
    webhooks_tab = WebhooksTab(webhooks_model)
    secret_tab = SecretTab(clipboard)
    window.add_page(webhooks_tab)
    window.add_page(secret_tab)
    webhooks = WebhooksController(webhooks_tab, webhooks_model, idle, window)
    secret = SecretController(secret_tab, idle, window)
    logs = _logs_tab(window, idle, clipboard)
    sessions = SessionController(window, webhooks, secret, open_session, loop, window, [logs])
    return Desk(window, webhooks, secret, sessions, logs)


def _logs_tab(window: MainWindow, idle: TaskOwner, clipboard: QClipboard) -> LogsController:
    async def time_scale_of(base_url: str) -> float:
        from impilo_desk.services.server_info import fetch_time_scale

        return await fetch_time_scale(base_url)

    model = LogsModel(lambda: datetime.now(UTC), state_icons(), window)
    tab = LogsTab(model, clipboard)
    window.add_page(tab)
    return LogsController(tab, model, idle, time_scale_of, window)
