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
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QClipboard
from PySide6.QtWidgets import QApplication, QMessageBox

from impilo_desk.applog import AppPaths, SecretRedactor, setup_logging
from impilo_desk.ui.firing_controller import FiringController
from impilo_desk.ui.firing_models import ChainModel, HistoryModel
from impilo_desk.ui.firing_tab import FiringTab
from impilo_desk.ui.keyring_choice import KeyringChoiceController
from impilo_desk.ui.logs_controller import LogsController
from impilo_desk.ui.logs_model import LogsModel, state_icons
from impilo_desk.ui.logs_tab import LogsTab
from impilo_desk.ui.main_controller import SessionController
from impilo_desk.ui.main_window import MainWindow
from impilo_desk.ui.ports import OpenSession, ProfileInfo, RelayStatus, Session
from impilo_desk.ui.profiles_controller import ProfilesController
from impilo_desk.ui.qt_messages import route_qt_messages
from impilo_desk.ui.readings_controller import ReadingsController
from impilo_desk.ui.readings_tab import ReadingsTab
from impilo_desk.ui.secret_controller import SecretController
from impilo_desk.ui.secret_tab import SecretTab
from impilo_desk.ui.tasks import TaskOwner
from impilo_desk.ui.webhooks_controller import WebhooksController
from impilo_desk.ui.webhooks_model import WebhooksModel
from impilo_desk.ui.webhooks_tab import WebhooksTab

if TYPE_CHECKING:
    from impilo_desk.client.ports import ReadingsApi
    from impilo_desk.wiring import DeskServices

_log = logging.getLogger(__name__)
SECOND_STAGE_FALLBACK_MS = 400
READY_TIMEOUT_S = 60.0


@dataclass
class Desk:
    """The window and its controllers, as built by :func:`build_desk`."""

    window: MainWindow
    webhooks: WebhooksController
    secret: SecretController
    sessions: SessionController
    logs: LogsController
    firing: FiringController
    readings: ReadingsController


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
    firing = _firing_tab(window, sessions, idle)
    readings_tab = ReadingsTab()
    window.add_page(readings_tab)
    readings = ReadingsController(readings_tab, idle, window)

    def readings_session(_profile_id: str) -> None:
        session = sessions.session
        readings.set_tasks(sessions.tasks)
        if session is not None:
            readings.poll_interval_s = session.profile.poll_interval_s
        api = cast("ReadingsApi", session.api) if session is not None else None
        readings.set_session(api, session.events if session is not None else None)

    sessions.session_started.connect(readings_session)
    sessions.session_ended.connect(lambda _profile_id: readings.set_session(None, None))
    return Desk(window, webhooks, secret, sessions, logs, firing, readings)


def _logs_tab(window: MainWindow, idle: TaskOwner, clipboard: QClipboard) -> LogsController:
    async def time_scale_of(base_url: str) -> float:
        from impilo_desk.services.server_info import fetch_time_scale

        return await fetch_time_scale(base_url)

    model = LogsModel(lambda: datetime.now(UTC), state_icons(), window)
    tab = LogsTab(model, clipboard)
    window.add_page(tab)
    return LogsController(tab, model, idle, time_scale_of, window)


def _firing_tab(
    window: MainWindow, sessions: SessionController, idle: TaskOwner
) -> FiringController:
    chain_model, history_model = ChainModel(window), HistoryModel(window)
    firing_tab = FiringTab(chain_model, history_model)
    window.add_page(firing_tab)
    firing = FiringController(firing_tab, chain_model, history_model, idle, parent=window)
    sessions.session_started.connect(
        lambda _id: firing.set_session(sessions.session, sessions.tasks)
    )
    sessions.session_ended.connect(lambda _id: firing.set_session(None))
    return firing


@dataclass
class Options:
    """The command line, parsed (see ``__main__``)."""

    demo: bool = False
    smoke_test: Path | None = None
    screenshots: Path | None = None
    report_first_paint: bool = False
    started_at: float = 0.0  # time.monotonic() at process start, for the first-paint figure


def run(options: Options) -> int:
    """Runs the app until its window closes; returns the process exit code.

    The window is built and shown first; the services (HTTP client, keyring, relay) are
    imported and built right after its first paint, so that start-up feels immediate.
    """
    app = QApplication(sys.argv[:1])
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
            app_tasks.spawn(_capture(desk, options, finish), name="capture")

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

    desk.sessions.session_started.connect(freeze_startup_objects)  # after the Readings tab's
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


async def _capture(desk: Desk, options: Options, finish: Callable[[int], None]) -> None:
    """Smoke test and screenshots: waits for real data, grabs the window, exits."""
    loaded = asyncio.Event()
    desk.webhooks.loaded.connect(lambda _n: loaded.set())
    relay: list[RelayStatus] = []
    desk.sessions.relay_status.connect(relay.append)
    try:
        await asyncio.wait_for(loaded.wait(), READY_TIMEOUT_S)
        if options.screenshots is not None:
            await _wait_until(lambda: desk.secret.view.impilo_state.text() != "unknown", 15)
            await _wait_until(lambda: bool(relay) and relay[-1].phase == "live", 15)
            await _wait_until(lambda: relay[-1].received > 0, 30)
    except TimeoutError:
        print(json.dumps({"event": "capture-failed", "reason": "no data"}), flush=True)
        finish(1)
        return
    window = desk.window
    if options.smoke_test is not None:
        options.smoke_test.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(options.smoke_test))
        print(json.dumps({"event": "smoke-test", "ok": ok, "png": str(options.smoke_test)}))
        if not ok:
            finish(1)
            return
    if options.screenshots is not None:
        options.screenshots.mkdir(parents=True, exist_ok=True)
        await _follow_example(desk)
        for index in range(window.tabs.count()):
            window.tabs.setCurrentIndex(index)
            await asyncio.sleep(0.3)  # let the tab lay out and paint
            name = window.tabs.tabText(index).lower().replace(" ", "-")
            path = options.screenshots / f"{name}.png"
            window.grab().save(str(path))
            print(json.dumps({"event": "screenshot", "png": str(path)}), flush=True)
        for kind in ("ecg", "blood-glucose"):
            await _capture_kind(desk, options.screenshots, kind)
    finish(0)


async def _capture_kind(desk: Desk, folder: Path, kind: str) -> None:
    """Also shows the page of ``kind``: the first patient whose readings of it have loaded."""
    window, tab = desk.window, desk.readings.view
    window.tabs.setCurrentWidget(tab)
    tab.show_kind(kind)
    page = tab.pages.get(kind)
    if page is None:
        return
    for index in range(min(tab.patient_combo.count(), 8)):
        tab.patient_combo.setCurrentIndex(index)
        try:
            await _wait_until(lambda: page.model.rowCount() > 0, 5)
        except TimeoutError:
            continue
        await asyncio.sleep(0.3)  # let the chart lay out and paint
        path = folder / f"readings-{kind}.png"
        window.grab().save(str(path))
        print(json.dumps({"event": "screenshot", "png": str(path)}), flush=True)
        return
    _log.warning("no patient with %s readings to show in the screenshot", kind)


async def _follow_example(desk: Desk) -> None:
    """Fires a test event and follows it, so the Test events tab shows a receipt chain."""
    followed = asyncio.Event()
    desk.firing.followed.connect(lambda _outcome: followed.set())
    try:
        await _wait_until(lambda: desk.firing.view.patient_id() is not None, 15)
        if desk.firing.fire_example():
            await asyncio.wait_for(followed.wait(), 30)
    except TimeoutError:
        _log.warning("the example test event was not followed to its end in time")


async def _wait_until(condition: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.1)


def _excepthook(
    window: MainWindow, log_file: Path
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
