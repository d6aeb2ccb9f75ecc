"""The composition root: builds the services and the window, and wires them. No globals."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from PySide6.QtGui import QClipboard

from impilo_desk.ui.firing_controller import FiringController
from impilo_desk.ui.firing_models import ChainModel, HistoryModel
from impilo_desk.ui.firing_tab import FiringTab
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
    firing: FiringController


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
    sessions = SessionController(window, webhooks, secret, open_session, loop, window)
    chain_model, history_model = ChainModel(window), HistoryModel(window)
    firing_tab = FiringTab(chain_model, history_model)
    window.add_page(firing_tab)
    firing = FiringController(firing_tab, chain_model, history_model, idle, parent=window)
    sessions.session_started.connect(
        lambda _id: firing.set_session(sessions.session, sessions.tasks)
    )
    sessions.session_ended.connect(lambda _id: firing.set_session(None))
    sessions.relay_event.connect(firing.on_relay_event)
    return Desk(window, webhooks, secret, sessions, firing)
