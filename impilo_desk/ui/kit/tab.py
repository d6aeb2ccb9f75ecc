"""The one shape every tab has: what it is built from, and how it follows the active session.

A tab is a package under ``ui/`` with a factory ``(TabParts) -> Tab``; the composition root
(``app.py``) lists the factories in display order and builds the desk from that list. The
session controller speaks to every tab only through :class:`Tab`, so it knows none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

from PySide6.QtCore import QObject, Qt, SignalInstance
from PySide6.QtGui import QAction, QClipboard, QKeySequence
from PySide6.QtWidgets import QTabWidget, QToolButton, QWidget

from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.ui.kit.banners import MessageBanner

if TYPE_CHECKING:
    from impilo_desk.session import Session
    from impilo_desk.ui.kit.tasks import TaskOwner


class TabPage(QWidget):
    """The widget a tab shows: a page of the main window, under its ``title``.

    Each page has a :class:`MessageBanner` (``banner``) on top, where its controller says what
    went wrong.
    """

    title: ClassVar[str] = ""
    badge_room: ClassVar[str] = ""  # the widest badge it shows: its tab keeps that width
    banner: MessageBanner

    def show_badge(self, badge: str) -> None:
        """Shows ``badge`` beside the page's tab title ("Webhooks (2 failing)"); "" clears it."""
        tabs = self.parentWidget()
        while tabs is not None and not isinstance(tabs, QTabWidget):
            tabs = tabs.parentWidget()
        if tabs is not None and (index := tabs.indexOf(self)) >= 0:
            tabs.setTabText(index, f"{self.title} ({badge})" if badge else self.title)


def page_action(parent: QWidget, text: str, name: str, shortcut: QKeySequence | None) -> QAction:
    """An action of a tab page: its shortcut works while the page is the visible tab."""
    action = QAction(text, parent)
    action.setObjectName(name)
    if shortcut is not None:
        action.setShortcut(shortcut)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{text.replace('&', '')} ({shortcut.toString()})")
    parent.addAction(action)
    return action


def action_button(parent: QWidget, action: QAction, accessible_name: str) -> QToolButton:
    """A text button driven by ``action`` (enabled state, text and click follow the action)."""
    button = QToolButton(parent)
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setAccessibleName(accessible_name)
    button.setMinimumHeight(28)
    return button


@dataclass(frozen=True)
class TabParts:
    """What every tab is built from, the same for all of them.

    Attributes:
        window: The main window: the QObject parent of the tab's controller and models.
        clipboard: The system clipboard (copy actions).
        clock: The current time, timezone-aware (countdowns, timestamps).
        idle: The task owner until the first session binds the tab to its own.
        times: How times are written for people (local or UTC; one for the whole window, see
            ``services/time_display.py``).
    """

    window: QObject
    clipboard: QClipboard
    clock: Callable[[], datetime]
    idle: TaskOwner
    times: TimeDisplay = field(default_factory=TimeDisplay)


class Tab(Protocol):
    """A tab as the window shell sees it.

    ``api_ok()`` and ``api_failed(str)`` tell the status bar how the tab's last call to Impilo
    went; the shell connects them for every tab in the list.
    """

    @property
    def view(self) -> TabPage:
        """The page the window shows."""

    @property
    def api_ok(self) -> SignalInstance:
        """Emitted when a call to Impilo succeeded."""

    @property
    def api_failed(self) -> SignalInstance:
        """Emitted with one sentence when a call to Impilo failed."""

    def bind(self, session: Session | None, tasks: TaskOwner) -> None:
        """Follows ``session`` (None: no session), starting its work as tasks of ``tasks``."""

    def window_closing(self) -> None:
        """The window is closing: drop what must not outlive it (e.g. a copied secret)."""


TabFactory = Callable[[TabParts], Tab]
"""Builds one tab (its models, view and controller) from the shared parts."""
