"""The main window: environment banner, one tab per job, status bar, menus."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QTabBar, QTabWidget, QVBoxLayout, QWidget

from impilo_desk.ui.kit.banners import EnvironmentBanner, MessageBanner
from impilo_desk.ui.shell.status_bar import StatusBar

DEFAULT_SIZE = (1280, 800)


class MainWindow(QMainWindow):
    """The window: the environment banner on top, the tabs, the status bar.

    Adding a tab is one call to :meth:`add_page` with a widget that has a ``title``; the page's
    own actions carry its shortcuts (F5, Ctrl+N, Delete), active while it is the visible tab.

    Signals:
        profiles_requested(): The user asked for the profiles dialog.
        profile_chosen(str): The user picked a profile (its id) from the Profile menu.
        first_painted(): The window was painted for the first time.
        closing(): The window is closing (owners cancel their tasks).
    """

    profiles_requested = Signal()
    profile_chosen = Signal(str)
    first_painted = Signal()
    closing = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Impilo Desk")
        self.resize(*DEFAULT_SIZE)
        self.environment_banner = EnvironmentBanner(self)
        self.banner = MessageBanner(self)
        self.tabs = QTabWidget(self)
        self.tabs.setTabBar(_SteadyTabBar(self.tabs))
        self.tabs.setAccessibleName("Tabs")
        self.tabs.setDocumentMode(True)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.environment_banner)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)

        self.next_tab_action = self._window_action("Next tab", QKeySequence("Ctrl+Tab"))
        self.next_tab_action.triggered.connect(lambda: self._step_tab(1))
        self.previous_tab_action = self._window_action(
            "Previous tab", QKeySequence("Ctrl+Shift+Tab")
        )
        self.previous_tab_action.triggered.connect(lambda: self._step_tab(-1))
        self.profiles_action = self._window_action("&Manage profiles…", QKeySequence("Ctrl+P"))
        self.profiles_action.triggered.connect(self.profiles_requested)
        self.quit_action = self._window_action("&Quit", QKeySequence(QKeySequence.StandardKey.Quit))
        self.quit_action.triggered.connect(self.close)

        menu_bar = self.menuBar()
        file_menu = menu_bar.addMenu("&File")
        file_menu.addAction(self.quit_action)
        self.profile_menu: QMenu = menu_bar.addMenu("&Profile")
        self.set_profiles([], None)
        self.view_menu: QMenu = menu_bar.addMenu("&View")
        self.view_menu.addAction(self.next_tab_action)
        self.view_menu.addAction(self.previous_tab_action)
        self._painted = False
        self.installEventFilter(self)

    def add_page(self, page: QWidget) -> int:
        """Adds a tab showing ``page`` under its ``title``; returns its index."""
        title = str(getattr(page, "title", page.objectName()))
        index = self.tabs.addTab(page, title)
        room = str(getattr(page, "badge_room", ""))
        if room:
            self.tabs.tabBar().setTabData(index, f"{title} ({room})")
        return index

    def page(self, title: str) -> QWidget | None:
        """The tab page with ``title``, or None."""
        for index in range(self.tabs.count()):
            if getattr(self.tabs.widget(index), "title", self.tabs.tabText(index)) == title:
                return self.tabs.widget(index)
        return None

    def set_profiles(self, profiles: list[tuple[str, str]], active_id: str | None) -> None:
        """Fills the Profile menu with ``(id, name)`` pairs, checking the active one."""
        self.profile_menu.clear()
        for profile_id, name in profiles:
            action = self.profile_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(profile_id == active_id)
            action.triggered.connect(lambda _=False, pid=profile_id: self.profile_chosen.emit(pid))
        if profiles:
            self.profile_menu.addSeparator()
        self.profile_menu.addAction(self.profiles_action)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Notices the first paint (for the start-up figure and the smoke test)."""
        if watched is self and not self._painted and event.type() == QEvent.Type.Paint:
            self._painted = True
            self.removeEventFilter(self)
            self.first_painted.emit()
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        """Tells the owners of tasks to stop, then closes."""
        self.closing.emit()
        super().closeEvent(event)

    def _window_action(self, text: str, shortcut: QKeySequence) -> QAction:
        action = QAction(text, self)
        action.setShortcut(shortcut)
        self.addAction(action)
        return action

    def _step_tab(self, step: int) -> None:
        count = self.tabs.count()
        if count:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % count)


class _SteadyTabBar(QTabBar):
    """A tab bar whose tabs keep their width while a badge comes and goes.

    A tab's data, when set, is the widest text it may show ("Webhooks (99 failing)"): it is
    that wide from the start, so the tabs after it do not move under the pointer when the
    badge appears (found under Xvfb: the next click landed on the wrong tab).
    """

    def tabSizeHint(self, index: int) -> QSize:  # noqa: N802 - Qt API
        """The style's size, widened to the tab's widest text."""
        size = super().tabSizeHint(index)
        widest = self.tabData(index)
        if isinstance(widest, str):
            advance = self.fontMetrics().horizontalAdvance
            extra = advance(widest) - advance(self.tabText(index))
            size.setWidth(size.width() + max(0, extra))
        return size
