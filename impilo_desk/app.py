"""The composition root: builds the services and the window, and wires them. No globals."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import signal
import sys
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QAction, QClipboard, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from impilo_desk.applog import AppPaths, SecretRedactor, setup_logging
from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.ui import events, logs, readings, secret, test_events, webhooks
from impilo_desk.ui.kit.outlined_style import OutlinedStyle
from impilo_desk.ui.kit.palette import follow_palette
from impilo_desk.ui.kit.palette_choice import PaletteChoice
from impilo_desk.ui.kit.tab import Tab, TabFactory, TabParts
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.kit.view_options import add_view_options
from impilo_desk.ui.profiles.controller import ProfilesController
from impilo_desk.ui.profiles.keyring_choice import KeyringChoiceController
from impilo_desk.ui.shell.help import add_help_menu
from impilo_desk.ui.shell.main_window import MainWindow
from impilo_desk.ui.shell.qt_messages import route_qt_messages
from impilo_desk.ui.shell.session_controller import SessionController

if TYPE_CHECKING:
    from impilo_desk.services.api_health import Heartbeat
    from impilo_desk.session import OpenSession, ProfileInfo, Session
    from impilo_desk.wiring import DeskServices

TABS: tuple[TabFactory, ...] = (
    webhooks.build,
    secret.build,
    logs.build,
    test_events.build,
    readings.build,
    events.build,
)
"""Every tab of the window, in display order. A new tab is a package under ``ui/`` and a line."""

TabT = TypeVar("TabT")

_log = logging.getLogger(__name__)
SECOND_STAGE_FALLBACK_MS = 400


@dataclass
class Desk:
    """The window, its session controller and its tabs, as built by :func:`build_desk`."""

    window: MainWindow
    sessions: SessionController
    tabs: tuple[Tab, ...]
    times: TimeDisplay

    def tab(self, kind: type[TabT]) -> TabT:
        """The tab whose controller is a ``kind``.

        Raises:
            LookupError: If no tab is one.
        """
        for tab in self.tabs:
            if isinstance(tab, kind):
                return tab
        raise LookupError(f"no {kind.__name__} tab")


def build_desk(
    loop: asyncio.AbstractEventLoop,
    clipboard: QClipboard,
    open_session: OpenSession,
    tabs: tuple[TabFactory, ...] = TABS,
    clock: Callable[[], datetime] | None = None,
    heartbeat: Heartbeat | None = None,
) -> Desk:
    """Builds the main window with its tabs and the session controller.

    Args:
        loop: The qasync loop every task runs on.
        clipboard: The clipboard the tabs copy to.
        open_session: Opens a session (client, credential store, relay feed) for a profile.
        tabs: The tabs' factories, in display order.
        clock: The tabs' and status bar's clock; the system's UTC time unless given.
        heartbeat: How often the API is checked while the tabs are idle (default: every 10 s).
    """
    window = MainWindow()
    idle = TaskOwner(loop, name="idle")  # replaced by each session's owner
    now = clock or (lambda: datetime.now(UTC))
    times = TimeDisplay()  # one rule for every tab; View › Times in UTC changes it
    parts = TabParts(window, clipboard, now, idle, times)
    built = tuple(factory(parts) for factory in tabs)
    for tab in built:
        window.add_page(tab.view)
        failing = getattr(tab, "failing_changed", None)  # the Webhooks tab's alert line
        if failing is not None:
            failing.connect(window.status.set_alert)
    sessions = SessionController(
        window, built, open_session, loop, window, clock=now, heartbeat=heartbeat, times=times
    )
    return Desk(window, sessions, built, times)


def add_display_options(
    app: QApplication, desk: Desk, desktop: Callable[[], QPalette] | None = None
) -> tuple[Callable[[bool], None], QAction | None]:
    """Adds View › Times in UTC and View › Dark palette to the desk's window.

    ``app`` shows the desktop theme's palette (its placeholders made readable) and follows the
    theme when it changes (:class:`~impilo_desk.ui.kit.palette_choice.PaletteChoice`; ``desktop``
    reads the theme's palette then, by default from Qt). Dark palette is ticked while the
    palette shown is dark: from the start on a dark desktop theme, and after any switch. It
    switches between the desktop's palette and the other one. Returns that switch (the dark
    screenshots use it) and the menu's action.
    """
    choice = PaletteChoice(app, desk.window, desktop)
    menu = desk.window.view_menu
    _utc, action = add_view_options(menu, desk.times, choice.set_dark, dark_now=choice.dark)
    if action is not None:
        follow_palette(desk.window, lambda shown_dark: _show_checked(action, shown_dark))
    return choice.set_dark, action


def _show_checked(action: QAction, checked: bool) -> None:
    """Ticks (or not) ``action`` without switching anything: it says what is shown."""
    if action.isChecked() != checked:
        with QSignalBlocker(action):
            action.setChecked(checked)


@dataclass
class Options:
    """The command line, parsed (see ``__main__``)."""

    demo: bool = False
    smoke_test: Path | None = None
    screenshots: Path | None = None
    dark: bool = False  # start with the dark palette
    report_first_paint: bool = False
    started_at: float = 0.0  # time.monotonic() at process start, for the first-paint figure


def run(options: Options) -> int:
    """Runs the app until its window closes; returns the process exit code.

    The window is built and shown first; the services (HTTP client, keyring, relay) are
    imported and built right after its first paint, so that start-up feels immediate.
    """
    app = QApplication(sys.argv[:1])
    app.setStyle(OutlinedStyle(app.style().name()))  # check boxes that show on dark, too
    app.setApplicationName("Impilo Desk")
    app.setOrganizationName("Impilo Desk")
    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    paths = AppPaths.from_env()
    redactor = SecretRedactor()
    handler = setup_logging(paths, redactor)
    restore_qt_messages = route_qt_messages()
    stage = _SecondStage(paths, redactor)
    desk = build_desk(loop, app.clipboard(), stage.open_session)
    set_dark, dark_action = add_display_options(app, desk)
    add_help_menu(desk.window, paths)
    if dark_action is not None and options.dark:
        dark_action.setChecked(True)
    app_tasks = TaskOwner(loop, desk.window.banner.show_error, name="app")
    desk.window.closing.connect(lambda: app_tasks.cancel_all(close=True))
    exit_code = 0

    def finish(code: int) -> None:
        nonlocal exit_code
        exit_code = code
        loop.call_soon(desk.window.close)  # not from inside a paint or signal handler

    def second_stage() -> None:
        if stage.started:
            return
        profiles = stage.start(desk, app_tasks)
        profiles.start(demo=options.demo)
        if options.smoke_test is not None or options.screenshots is not None:
            from impilo_desk.ui.capture import capture

            status = desk.sessions.relay_status
            shots = capture(
                desk.window, status, desk.tabs, options.smoke_test, options.screenshots, finish,
                set_dark,
            )  # fmt: skip
            app_tasks.spawn(shots, name="capture")

    previous_hook = sys.excepthook
    sys.excepthook = _excepthook(desk.window, paths.log_file)
    if options.report_first_paint:
        desk.window.first_painted.connect(lambda: _report_first_paint(options, finish))
    desk.window.first_painted.connect(second_stage)
    frozen = False

    def freeze_startup_objects(_profile_id: str) -> None:
        # Start-up's objects (modules, widgets, the charts the first session builds) live as
        # long as the app: kept out of the collector's scans, a full collection while readings
        # stream in stays short (a few ms, not ~100: tests/benchmarks/bench_readings.py).
        nonlocal frozen
        if not frozen:
            frozen = True
            gc.freeze()

    desk.sessions.session_started.connect(freeze_startup_objects)  # after every tab is bound
    fallback = QTimer(desk.window)  # a window that is never painted (minimised) still starts
    fallback.setSingleShot(True)
    fallback.timeout.connect(second_stage)
    fallback.start(SECOND_STAGE_FALLBACK_MS)
    desk.window.show()
    _quit_on_signals(loop, desk.window.close)
    _log.info("started (demo=%s)", options.demo)
    try:
        with loop:
            loop.run_forever()
            loop.run_until_complete(_shutdown(desk, app_tasks))
        _log.info("shut down cleanly (exit code %d)", exit_code)
    finally:
        stage.close()
        sys.excepthook = previous_hook
        restore_qt_messages()
        logging.getLogger().removeHandler(handler)
        handler.close()
    return exit_code


class _SecondStage:
    """Imports and builds the services after the first paint; forwards sessions to them."""

    def __init__(self, paths: AppPaths, redactor: SecretRedactor) -> None:
        self._paths = paths
        self._redactor = redactor
        self._services: DeskServices | None = None

    @property
    def started(self) -> bool:
        return self._services is not None

    def start(self, desk: Desk, app_tasks: TaskOwner) -> ProfilesController:
        from impilo_desk.wiring import build_services

        choice = KeyringChoiceController(desk.window, app_tasks, desk.window)
        services = build_services(self._paths, self._redactor, ask_keyring=choice.ask)
        choice.memory_chosen.connect(services.secrets.use_memory)
        self._services = services
        app_tasks.spawn(services.housekeeping(), name="housekeeping")
        return ProfilesController(
            desk.window,
            services.book,
            desk.sessions,
            app_tasks,
            services.start_demo,
            desk.window,
            check_secrets=services.secrets.check,
            keyring_choice=choice,
        )

    def open_session(self, profile: ProfileInfo) -> AbstractAsyncContextManager[Session]:
        if self._services is None:
            raise RuntimeError("services are not built yet")
        return self._services.open_session(profile)

    def close(self) -> None:
        if self._services is not None:
            self._services.close()


def _quit_on_signals(loop: asyncio.AbstractEventLoop, quit_app: Callable[[], object]) -> None:
    """SIGTERM (``kill``, a logout) and SIGINT (Ctrl+C) quit as File › Quit does.

    So the session ends as usual: its event store is checkpointed and closed, the demo's
    children are stopped. Without this, SIGTERM ended the process at once (leaving ``-wal``
    and ``-shm`` beside the store). Loops without signal handlers (Windows) are left as they are.
    """

    def on_signal(number: signal.Signals) -> None:
        _log.info("%s received: quitting", number.name)
        quit_app()

    for number in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(number, on_signal, number)
        except (NotImplementedError, RuntimeError, ValueError):  # no signals on this loop
            return


async def _shutdown(desk: Desk, app_tasks: TaskOwner) -> None:
    """Lets every cancelled task finish its clean-up (closing clients, subscriptions)."""
    await desk.sessions.owner.aclose()
    await desk.sessions.tasks.aclose()
    await app_tasks.aclose()


def _report_first_paint(options: Options, finish: Callable[[int], None]) -> None:
    elapsed = time.monotonic() - options.started_at
    print(json.dumps({"event": "first-paint", "seconds": round(elapsed, 4)}), flush=True)
    if options.smoke_test is None and options.screenshots is None:
        finish(0)


def _excepthook(
    window: QWidget, log_file: Path
) -> Callable[[type[BaseException], BaseException, TracebackType | None], None]:
    """Logs an uncaught exception (secrets removed) and says so in a readable dialog."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        _log.error("uncaught exception", exc_info=(kind, exc, tb))
        box = QMessageBox(window)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Impilo Desk: unexpected error")
        box.setText(
            "Something went wrong inside Impilo Desk. You can keep working; if it happens "
            f"again, send the log file to support:\n{log_file}"
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    return hook


__all__ = ["Desk", "Options", "build_desk", "run"]
