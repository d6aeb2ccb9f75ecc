"""The Test events tab: a form per test endpoint that fires an event and follows it."""

from __future__ import annotations

from impilo_desk.ui.kit.tab import TabParts
from impilo_desk.ui.test_events.controller import TestEventsController
from impilo_desk.ui.test_events.models import ChainModel, HistoryModel
from impilo_desk.ui.test_events.view import TestEventsTab


def build(parts: TabParts) -> TestEventsController:
    """The Test events tab: its chain and history models, view and controller."""
    chain = ChainModel(parts.window, parts.times)
    history = HistoryModel(parts.window, parts.times)
    view = TestEventsTab(chain, history)
    return TestEventsController(view, chain, history, parts.idle, parent=parts.window)
