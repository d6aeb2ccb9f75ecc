"""pytest-qt on a qasync loop (toolchain.md §3, pattern A) and a leak check after every test.

Tests here are sync: they drive the real widgets with qtbot and wait only with qtbot waits.
After each test, the check fails it if a top-level widget, an active QTimer or an asyncio task
outlived it.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QApplication, QWidget

SETTLE_S = 5.0
_IGNORED_WIDGETS = {"QTipLabel"}  # Qt's shared tooltip window, created and kept by Qt itself


def _settle(app: QApplication) -> None:
    app.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()


def _top_levels(app: QApplication) -> set[QWidget]:
    return {w for w in app.topLevelWidgets() if type(w).__name__ not in _IGNORED_WIDGETS}


def _active_timers(app: QApplication) -> list[str]:
    found: list[QTimer] = list(app.findChildren(QTimer))
    for widget in _top_levels(app):
        found.extend(widget.findChildren(QTimer))
    return [t.objectName() or repr(t) for t in found if t.isActive()]


@pytest.fixture
def qasync_loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop on the running Qt app; afterwards, nothing of the test may survive."""
    before = _top_levels(qapp)
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    # qtbot has closed (and deleteLater-ed) its widgets by now; let owners finish cancelling.
    deadline = time.monotonic() + SETTLE_S
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    while pending and time.monotonic() < deadline:
        _settle(qapp)
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    _settle(qapp)
    leaked_widgets = [type(w).__name__ for w in _top_levels(qapp) - before]
    leaked_timers = _active_timers(qapp)
    for task in pending:
        task.cancel()
    for widget in _top_levels(qapp) - before:
        widget.close()
        widget.deleteLater()
    _settle(qapp)
    asyncio.events._set_running_loop(None)  # else later asyncio users see a running loop
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]  # close() refuses otherwise
    loop.close()
    # close() only marks qasync's timer object stopped: the Qt timers it still has pending stay
    # registered until they fire. Were that parentless object freed later by the garbage
    # collector on another thread (a test server's), Qt would fire them at freed memory, a
    # segfault in some later test. Deleting it here, on the GUI thread, unregisters them.
    shiboken6.delete(loop._timer)
    asyncio.set_event_loop(None)
    problems = []
    if pending:
        problems.append(f"asyncio tasks outlived the test: {[t.get_name() for t in pending]}")
    if leaked_widgets:
        problems.append(f"top-level widgets outlived the test: {leaked_widgets}")
    if leaked_timers:
        problems.append(f"active QTimers outlived the test: {leaked_timers}")
    if problems:
        pytest.fail("; ".join(problems))


@pytest.fixture(scope="module")
def logs_seeded() -> Iterator[Any]:
    """The Logs tab tests' sandbox, seeded through its API; one per test module.

    Its time scale makes retries come after 0.25, 0.5 and 1 s. Yields a ``logs_support.Seeded``.
    """
    from tests.fixtures.sandbox import Receiver, SandboxProcess
    from tests.ui.logs_support import seed_through_api

    ok, down = Receiver(), Receiver()
    down.status = 500
    box = SandboxProcess(time_scale=3600).start()
    try:
        yield seed_through_api(box, ok, down)
    finally:
        box.close()
        ok.close()
        down.close()


@pytest.fixture
def logs_tab(qtbot: Any, make_desk: Any, logs_seeded: Any) -> Iterator[Any]:
    """The desk's Logs tab on a client of ``logs_seeded``, its first page shown (a ``Harness``)."""
    from tests.ui.logs_support import close_tab, open_tab

    harness = open_tab(qtbot, make_desk, logs_seeded.box)
    yield harness
    close_tab(qtbot, make_desk, harness)


@pytest.fixture
def firing_world(sandbox: Any, relay: Any) -> Iterator[Any]:
    """The sandbox delivering to the relay, two patients (a ``receipts_support.World``)."""
    from tests.ui.receipts_support import make_world

    with make_world(sandbox, relay) as world:
        yield world


@pytest.fixture
def open_firing_desk(qtbot: Any, make_desk: Any, firing_world: Any, tmp_path: Any) -> Any:
    """Opens the real desk on ``firing_world``: ``open_firing_desk(environment=…)`` → ``Desk``."""
    from tests.ui.receipts_support import desk_opener

    return desk_opener(qtbot, make_desk, firing_world, tmp_path)


@pytest.fixture
def make_desk(qtbot: Any, qasync_loop: asyncio.AbstractEventLoop) -> Iterator[Any]:
    """Builds the desk as the app does: every UI test's desk comes from here.

    A ``tests.fixtures.desk.DeskMaker``: ``make_desk(api=…, store=…, events=…)`` or
    ``make_desk(open_session)``; every desk it made is closed after the test.
    """
    from tests.fixtures.desk import DeskMaker

    maker = DeskMaker(qtbot, qasync_loop)
    try:
        yield maker
    finally:
        maker.close_all()


@pytest.fixture
def event_store_factory() -> Any:
    """How ``world`` opens a session's event store (a module may override it)."""
    from impilo_desk.services.event_store import EventStore

    return EventStore


@pytest.fixture
def heartbeat() -> Any:
    """The API watch's intervals for ``world`` (None: the app's; a module may override it)."""
    return None


@pytest.fixture
def world(
    qtbot: Any,
    qasync_loop: asyncio.AbstractEventLoop,
    tmp_path: Any,
    monkeypatch: Any,
    make_desk: Any,
    event_store_factory: Any,
    heartbeat: Any,
) -> Iterator[Any]:
    """The real app wiring (services, keyring API, profiles) around the desk: a ``World``.

    The keyring is keyring's plain-text file backend in a folder of its own (toolchain.md §5),
    outside the app's config, data and log folders, which all live under a temporary
    IMPILO_DESK_HOME.
    """
    import logging

    from keyrings.alt.file import PlaintextKeyring

    from impilo_desk.applog import HOME_ENV, AppPaths, SecretRedactor, setup_logging
    from impilo_desk.services.credentials import KeyringCredentialStore
    from impilo_desk.ui.kit.tasks import TaskOwner
    from impilo_desk.ui.profiles.controller import ProfilesController
    from impilo_desk.wiring import build_services
    from tests.fixtures.desk import KEYRING_SERVICE, World

    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    paths = AppPaths.from_env()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring.cfg")
    redactor = SecretRedactor()
    handler = setup_logging(paths, redactor)
    store = KeyringCredentialStore(KEYRING_SERVICE, backend=backend)
    services = build_services(paths, redactor, store, event_store=event_store_factory)
    desk = make_desk(services.open_session, closed_by_test=True, heartbeat=heartbeat)
    tasks = TaskOwner(qasync_loop, name="app")
    desk.window.closing.connect(lambda: tasks.cancel_all(close=True))
    profiles = ProfilesController(
        desk.window, services.book, desk.sessions, tasks, services.start_demo, desk.window
    )
    try:
        yield World(desk, services, profiles, backend, paths)
    finally:
        make_desk.close(desk)  # every task ends before the log handler goes
        services.close()  # the demo's children end with their test, not at the interpreter's exit
        logging.getLogger().removeHandler(handler)
        handler.close()
