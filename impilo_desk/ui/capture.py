"""The smoke test's and the screenshots' capture: waits for real data, grabs the window, exits.

Every wait is on the signal that says the data is there (``loaded``, ``relay_status``,
``followed``, a page's first paint), bounded by a time-out; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QEvent, QObject, SignalInstance
from PySide6.QtWidgets import QWidget

from impilo_desk.ui.events.controller import EventsController
from impilo_desk.ui.readings.controller import ReadingsController
from impilo_desk.ui.secret.controller import SecretController
from impilo_desk.ui.shell.main_window import MainWindow
from impilo_desk.ui.test_events.controller import TestEventsController
from impilo_desk.ui.webhooks.controller import WebhooksController

if TYPE_CHECKING:
    from impilo_desk.session import RelayStatus

READY_TIMEOUT_S = 60.0
PAINT_TIMEOUT_S = 2.0

_log = logging.getLogger(__name__)
T = TypeVar("T")


async def until(
    condition: Callable[[], bool], signals: Sequence[SignalInstance], timeout_s: float
) -> None:
    """Returns once ``condition()`` holds, checking it now and after each of ``signals``.

    Raises:
        TimeoutError: If it does not hold within ``timeout_s``.
    """
    if condition():
        return
    held = asyncio.get_running_loop().create_future()

    def check(*_args: object) -> None:
        if not held.done() and condition():
            held.set_result(None)

    for signal in signals:
        signal.connect(check)
    try:
        await asyncio.wait_for(held, timeout_s)
    finally:
        for signal in signals:
            signal.disconnect(check)


class _PaintWatch(QObject):
    """Resolves ``painted`` at the next paint of the watched widget."""

    def __init__(self, widget: QWidget, painted: asyncio.Future[None]) -> None:
        super().__init__(widget)
        self._painted = painted

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Notices the paint."""
        if event.type() == QEvent.Type.Paint and not self._painted.done():
            self._painted.set_result(None)
        return False


async def shown_and_painted(window: MainWindow, page: QWidget | None) -> None:
    """Brings ``page`` to the front and returns once it has been painted (laid out and drawn)."""
    if page is None:
        return
    painted = asyncio.get_running_loop().create_future()
    watch = _PaintWatch(page, painted)
    page.installEventFilter(watch)
    try:
        window.tabs.setCurrentWidget(page)
        page.update()
        await asyncio.wait_for(painted, PAINT_TIMEOUT_S)
    except TimeoutError:
        _log.info("%s was not painted in time; grabbing it anyway", type(page).__name__)
    finally:
        page.removeEventFilter(watch)
        watch.deleteLater()


def _tab(tabs: Sequence[object], kind: type[T]) -> T:
    return next(tab for tab in tabs if isinstance(tab, kind))


def _say(**event: object) -> None:
    print(json.dumps(event), flush=True)


async def capture(
    window: MainWindow,
    relay_status: SignalInstance,
    tabs: Sequence[object],
    smoke_png: Path | None,
    screenshots: Path | None,
    finish: Callable[[int], None],
    set_dark: Callable[[bool], None] | None = None,
) -> None:
    """Smoke test (one PNG of the window) and screenshots (one PNG per tab), then ``finish``.

    With ``set_dark``, every tab is captured again in the dark palette (``<tab>-dark.png``),
    and the first errors a user meets there (``<tab>-error-dark.png``).

    Args:
        window: The main window.
        relay_status: The session controller's ``relay_status`` signal.
        tabs: The desk's tabs (the Webhooks, Secret, Test events and Readings tabs are used).
        smoke_png: Where the smoke test's PNG goes (None: no smoke test).
        screenshots: The folder of the screenshots (None: none).
        finish: Ends the app with an exit code.
        set_dark: Switches the dark palette on or off (None: no dark screenshots).
    """
    webhooks, secret = _tab(tabs, WebhooksController), _tab(tabs, SecretController)
    loaded = asyncio.get_running_loop().create_future()

    def webhooks_loaded(_count: int) -> None:
        if not loaded.done():
            loaded.set_result(None)

    webhooks.loaded.connect(webhooks_loaded)
    relay: list[RelayStatus] = []
    relay_status.connect(relay.append)
    try:
        await asyncio.wait_for(loaded, READY_TIMEOUT_S)
        if screenshots is not None:
            await until(lambda: secret.view.impilo_state.text() != "unknown", [secret.loaded], 15)
            await until(lambda: bool(relay) and relay[-1].phase == "live", [relay_status], 15)
            await until(lambda: relay[-1].received > 0, [relay_status], 30)
    except TimeoutError:
        _say(event="capture-failed", reason="no data")
        finish(1)
        return
    if smoke_png is not None:
        await asyncio.to_thread(smoke_png.parent.mkdir, parents=True, exist_ok=True)
        ok = window.grab().save(str(smoke_png))
        _say(event="smoke-test", ok=ok, png=str(smoke_png))
        if not ok:
            finish(1)
            return
    if screenshots is not None:
        await asyncio.to_thread(screenshots.mkdir, parents=True, exist_ok=True)
        await _follow_example(_tab(tabs, TestEventsController))
        await _open_event_detail(_tab(tabs, EventsController))
        await _capture_tabs(window, screenshots, "")
        readings = _tab(tabs, ReadingsController)
        for kind in ("ecg", "blood-glucose"):
            await _capture_kind(window, readings, screenshots, kind)
        from impilo_desk.ui.capture_redeliver import capture_redelivery
        from impilo_desk.ui.logs.controller import LogsController

        await capture_redelivery(window, _tab(tabs, LogsController), screenshots)
        # after the redelivery, so that the health shows its manual resends apart
        await _capture_health(window, webhooks, screenshots)
        from impilo_desk.ui.capture_logs import capture_logs_local

        await capture_logs_local(window, _tab(tabs, LogsController), screenshots)
        if set_dark is not None:
            set_dark(True)
            try:
                await _capture_tabs(window, screenshots, "-dark")
                from impilo_desk.ui.capture_errors import capture_errors

                await capture_errors(
                    window, secret, _tab(tabs, LogsController),
                    _tab(tabs, TestEventsController), screenshots, "-dark",
                )  # fmt: skip
            finally:
                set_dark(False)
    finish(0)


async def _capture_tabs(window: MainWindow, folder: Path, suffix: str) -> None:
    """One PNG per tab: ``<tab><suffix>.png``."""
    for index in range(window.tabs.count()):
        await shown_and_painted(window, window.tabs.widget(index))
        page = window.tabs.widget(index)
        title = str(getattr(page, "title", "") or window.tabs.tabText(index))  # not the badge
        name = title.lower().replace(" ", "-")
        path = folder / f"{name}{suffix}.png"
        window.grab().save(str(path))
        _say(event="screenshot", png=str(path))


async def _capture_health(window: MainWindow, webhooks: WebhooksController, folder: Path) -> None:
    """The Webhooks tab with health figures, a failing webhook selected and its chart drawn.

    With the manual resends of the redelivery screenshots counted (apart) when there are any.
    """
    watch, tab = webhooks.health, webhooks.view

    def failing_row() -> int:  # the failing webhook with the most failures (the down sink's)
        health = watch.health or {}
        best, worst = -1, -1
        for row, hook in enumerate(webhooks.model.webhooks()):
            known = health.get(hook.id) if hook.id is not None else None
            if known is not None and known.state.value == "failing":
                failed = known.deliveries - known.delivered
                if failed > worst:
                    best, worst = row, failed
        return best

    try:
        await until(lambda: failing_row() >= 0, [watch.health_updated], 60)
        window.tabs.setCurrentWidget(tab)  # shown: it counts the manual resends again
        await until(lambda: watch.manual_current, [watch.health_updated], 15)
        updated = asyncio.get_running_loop().create_future()

        def panel_done() -> None:
            if not updated.done():
                updated.set_result(None)

        watch.panel_updated.connect(panel_done)
        try:
            tab.select_row(failing_row())
            await asyncio.wait_for(updated, 15)
        finally:
            watch.panel_updated.disconnect(panel_done)
        await until(lambda: not tab.health_panel.dirty, [tab.health_panel.redrawn], 5)
    except TimeoutError:
        _log.warning("no failing webhook with health figures to show in the screenshot")
        return
    await shown_and_painted(window, tab)
    path = folder / "webhooks-health.png"
    window.grab().save(str(path))
    _say(event="screenshot", png=str(path))


async def _capture_kind(
    window: MainWindow, readings: ReadingsController, folder: Path, kind: str
) -> None:
    """Also shows the page of ``kind``: the first patient whose readings of it have loaded."""
    tab = readings.view
    window.tabs.setCurrentWidget(tab)
    tab.show_kind(kind)
    page = tab.pages.get(kind)
    if page is None:
        return

    def has_rows() -> bool:
        readings.redraw(full=True)  # the table holds this patient's rows now, not the last one's
        return page.model.rowCount() > 0

    for index in range(min(tab.patient_combo.count(), 8)):
        tab.patient_combo.setCurrentIndex(index)
        try:
            await until(has_rows, [readings.loaded, readings.received], 5)
        except TimeoutError:
            continue
        await shown_and_painted(window, tab)
        path = folder / f"readings-{kind}.png"
        window.grab().save(str(path))
        _say(event="screenshot", png=str(path))
        return
    _log.warning("no patient with %s readings to show in the screenshot", kind)


async def _open_event_detail(events: EventsController) -> None:
    """Selects the newest event, so the Events tab shows its detail pane (JSON tree, headers)."""
    model = events.model
    try:
        signals = [events.arrived, events.loaded]
        await until(lambda: any(not r.marker for r in model.rows), signals, 15)
        row = next(n for n, r in enumerate(model.rows) if not r.marker)
        events.view.follow_box.setChecked(False)  # the selection stays where it is
        events.select_row(row)
        await until(lambda: events.detail.shown_id is not None, [events.detail_shown], 10)
    except TimeoutError:
        _log.warning("no event to show in the Events screenshot")


async def _follow_example(test_events: TestEventsController) -> None:
    """Fires a test event and follows it, so the Test events tab shows a receipt chain."""
    followed = asyncio.get_running_loop().create_future()

    def ended(_outcome: str) -> None:
        if not followed.done():
            followed.set_result(None)

    test_events.followed.connect(ended)
    try:
        await until(
            lambda: test_events.view.patient_id() is not None, [test_events.patients_loaded], 15
        )
        if test_events.fire_example():
            await asyncio.wait_for(followed, 30)
    except TimeoutError:
        _log.warning("the example test event was not followed to its end in time")
    finally:
        test_events.followed.disconnect(ended)
