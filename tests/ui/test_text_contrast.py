"""Every text the app colours reads (4.5:1, WCAG AA) on the light and on the dark palette.

The real window, wiring and demo (``world``), with the View menu the app gives it; the palette
is switched as a user does, with View › Dark palette. Each tab's errors and notes are produced
as a user would (a too-short secret, Retries "3 to 1", a field out of range, a bad target URL
in the webhook, redelivery and replay dialogs, the Webhooks sync failing once the demo's
sandbox is killed). Every tab and dialog is checked in the palette the errors appeared in, and
again after a switch, which must re-colour what is already on screen.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QColor, QIcon, QPalette
from PySide6.QtWidgets import QAbstractItemView, QDialog, QWidget

from impilo_desk.app import add_display_options
from impilo_desk.services.api_health import Heartbeat
from impilo_desk.services.event_store import Listed
from impilo_desk.ui import events as events_tab
from impilo_desk.ui.events.controller import EventsController
from impilo_desk.ui.kit.palette import contrast, is_dark
from impilo_desk.ui.webhooks.dialog import WebhookDialog
from tests.fixtures.desk import ProfileStub, World
from tests.ui.contrast_support import unreadable, unreadable_on_every_tab
from tests.ui.fakes import FakeApi, FakeStore

FAST = Heartbeat(interval_s=0.5, call_timeout_s=2.0, deliveries_interval_s=0.5)
WAIT_MS = 20_000
BAD_URL = "ftp://files.example.org/in"


@pytest.fixture
def heartbeat() -> Heartbeat:
    return FAST


@pytest.fixture
def light(qapp: Any) -> Iterator[None]:
    """The next test starts on the platform's palette, whatever this one left."""
    palette = qapp.palette()
    try:
        yield
    finally:
        qapp.setPalette(palette)


@pytest.fixture
def dark_action(qapp: Any, world: World, light: None) -> QAction:
    """View › Dark palette, added to the window as the app adds it."""
    _switch, action = add_display_options(qapp, world.desk.desk)
    assert action is not None
    return action


def switch_palette(qtbot: Any, action: QAction, window: QWidget) -> bool:
    """Clicks View › Dark palette; returns whether the window is dark now."""
    was = is_dark(window)
    action.trigger()
    qtbot.waitUntil(lambda: is_dark(window) != was, timeout=5_000)
    assert action.isChecked() == (not was)
    return not was


def select_rows(view: QAbstractItemView, rows: list[int]) -> None:
    model = view.model()
    selection = QItemSelection()
    for row in rows:
        selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
    view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def retype(qtbot: Any, edit: QWidget, text: str) -> None:
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)


def show_errors_on_the_tabs(qtbot: Any, world: World) -> None:
    """Each tab's inline errors and notes, produced through its fields."""
    desk = world.desk
    secret = desk.secret.view
    retype(qtbot, secret.secret_edit, "short")
    assert "16 characters" in secret.secret_problem.text()

    bar = desk.logs.view.filters
    local = desk.logs.view.local_filters
    # a range that starts before the local copy's window: its note says so (a filter that is
    # not valid leaves no range to judge, so the note goes with the invalid retries below)
    bar.created_from.set_value(datetime.now(UTC) - timedelta(days=8))
    qtbot.waitUntil(lambda: local.note.text() != "", timeout=WAIT_MS)
    tabs = desk.window.tabs
    shown = tabs.currentIndex()
    tabs.setCurrentWidget(desk.logs.view)
    assert local.note.isVisible()
    assert unreadable(local) == [], "the local copy's note"  # read now: the next step clears it
    tabs.setCurrentIndex(shown)
    bar.retries_min.setValue(0)
    bar.retries_max.setValue(3)
    bar.retries_min.setValue(3)
    bar.retries_max.setValue(1)
    qtbot.waitUntil(lambda: bar.problem.text() != "", timeout=WAIT_MS)
    assert desk.logs.view.banner.kind == "error"

    tab = desk.test_events.view
    tab.select_kind("blood-pressure")
    form = tab.current_form()
    assert form is not None
    form.set_text("heartRate", "999")
    with qtbot.waitSignal(desk.test_events.blocked, timeout=5_000):
        tab.fire_action.trigger()
    assert form.message("heartRate") == "Heart rate must be between 20 and 250 bpm."


def check_every_tab(qtbot: Any, world: World, when: str) -> None:
    window = world.desk.window
    assert unreadable_on_every_tab(window, window.tabs, qtbot) == [], when


def check_dialog_across_a_switch(
    qtbot: Any, world: World, action: QAction, dialog: QDialog, what: str
) -> None:
    """The open dialog reads in this palette, and in the other once switched to it."""
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    first = "dark" if is_dark(dialog) else "light"
    assert unreadable(dialog) == [], f"{what}, opened on the {first} palette"
    switch_palette(qtbot, action, world.desk.window)
    qtbot.waitUntil(lambda: is_dark(dialog) != (first == "dark"), timeout=5_000)
    assert unreadable(dialog) == [], f"{what}, opened on the {first} palette, then switched"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)


def test_every_coloured_text_reads_on_the_light_and_the_dark_palette(
    qtbot, world: World, dark_action: QAction
):
    desk, window = world.desk, world.desk.window
    window.resize(1280, 800)
    with qtbot.waitSignal(world.profiles.demo_ready, timeout=60_000):
        world.profiles.start(demo=True)
    relay = window.status.relay_label
    qtbot.waitUntil(lambda: relay.text().startswith("Relay: live"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: desk.logs.model.rowCount() > 3, timeout=WAIT_MS)
    events = desk.desk.tab(EventsController)
    qtbot.waitUntil(lambda: events.model.rowCount() > 0, timeout=WAIT_MS)
    assert not is_dark(window)

    show_errors_on_the_tabs(qtbot, world)
    check_every_tab(qtbot, world, "errors shown on the light palette")
    assert switch_palette(qtbot, dark_action, window)
    check_every_tab(qtbot, world, "errors shown on the light palette, then switched to dark")
    show_errors_on_the_tabs(qtbot, world)
    check_every_tab(qtbot, world, "errors shown on the dark palette")

    # -- the dialogs, each opened on one palette and switched to the other while open ----
    webhooks = desk.webhooks
    webhooks.view.new_action.trigger()
    qtbot.waitUntil(lambda: isinstance(webhooks.open_dialog, WebhookDialog), timeout=5_000)
    dialog = webhooks.open_dialog
    assert isinstance(dialog, WebhookDialog)
    dialog.select_type("reading.temperature")
    retype(qtbot, dialog.url_edit, "http://receiver.example.com/in")  # plain http: a warning
    assert dialog.url_message.text().startswith("Plain http")
    assert unreadable(dialog) == [], "the webhook dialog's warning"
    retype(qtbot, dialog.url_edit, BAD_URL)
    check_dialog_across_a_switch(qtbot, world, dark_action, dialog, "the webhook dialog")

    logs = desk.logs
    redeliver = logs.redeliver
    assert redeliver is not None
    logs.view.filters.clear_button.click()  # back to rows that can be selected
    qtbot.waitUntil(lambda: logs.model.rowCount() > 3, timeout=WAIT_MS)
    select_rows(logs.view.table, [0, 1, 2, 3])
    with qtbot.waitSignal(redeliver.preview_opened, timeout=WAIT_MS) as opened:
        redeliver.bar.resend_action.trigger()
    preview = opened.args[0]
    preview.other_url.setChecked(True)
    qtbot.keyClicks(preview.url_edit, BAD_URL)
    assert "is not a URL a webhook can be sent to" in preview.url_error.text()
    check_dialog_across_a_switch(qtbot, world, dark_action, preview, "the redelivery preview")
    qtbot.waitUntil(redeliver.bar.resend_action.isEnabled, timeout=WAIT_MS)

    window.tabs.setCurrentWidget(events.view)
    select_rows(events.view.table, [0])
    qtbot.waitUntil(events.view.replay_action.isEnabled, timeout=WAIT_MS)
    with qtbot.waitSignal(events.replay.dialog_opened, timeout=WAIT_MS) as opened:
        events.view.replay_action.trigger()
    replay = opened.args[0]
    retype(qtbot, replay.url_edit, BAD_URL)
    assert "is not a URL a webhook can be sent to" in replay.url_error.text()
    check_dialog_across_a_switch(qtbot, world, dark_action, replay, "the replay dialog")

    # -- the demo's sandbox dies: the Webhooks sync line, the banner and the status bar -----
    assert not is_dark(window)
    sandbox = world.services.demo._children[0]
    assert sandbox.name == "sandbox"
    assert sandbox.pid is not None
    os.kill(sandbox.pid, signal.SIGKILL)
    window.tabs.setCurrentWidget(webhooks.view)
    webhooks.view.refresh_action.trigger()  # F5: syncs the local copy now
    sync = webhooks.view.sync_label
    qtbot.waitUntil(lambda: "sync failed" in sync.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.banner.kind == "error", timeout=WAIT_MS)
    check_every_tab(qtbot, world, "the sandbox down, on the light palette")
    assert switch_palette(qtbot, dark_action, window)
    check_every_tab(qtbot, world, "the sandbox down, switched to dark")


def test_a_marked_events_row_reads_on_both_palettes(qtbot, qapp, make_desk, light):
    desk = make_desk(no_api=True, tabs=(events_tab.build,))
    _switch, action = add_display_options(qapp, desk.desk)
    assert action is not None
    tab = desk.desk.tab(EventsController)
    at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    gap = Listed((at.timestamp(), -1), at, True, "gap", None, "", None, None, "relay", "Gap")
    tab.model.reset([gap], more=False)
    window = desk.window
    qtbot.waitUntil(tab.view.table.isVisible, timeout=5_000)
    assert unreadable(window) == []
    assert switch_palette(qtbot, action, window)
    assert unreadable(window) == []  # the marker's amber turned dark under the light text


def desktop_dark_palette() -> QPalette:
    """A dark palette as a dark desktop theme gives the app (GTK's Adwaita-dark, through Qt's
    gtk3 theme under Xvfb): dark without View › Dark palette."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#323232",
        QPalette.ColorRole.WindowText: "#ffffff",
        QPalette.ColorRole.Base: "#2d2d2d",
        QPalette.ColorRole.AlternateBase: "#353535",
        QPalette.ColorRole.Text: "#ffffff",
        QPalette.ColorRole.Button: "#353535",
        QPalette.ColorRole.ButtonText: "#ffffff",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    return palette


def test_errors_read_on_a_dark_desktop_palette(qtbot, qapp, make_desk, light):
    desk = make_desk(api=FakeApi(), store=FakeStore())
    window = desk.window
    window.resize(1280, 800)
    with qtbot.waitSignal(desk.secret.loaded, timeout=5_000):
        desk.sessions.switch_to(ProfileStub())
    secret = desk.secret.view
    window.tabs.setCurrentWidget(secret)
    retype(qtbot, secret.secret_edit, "short")
    assert secret.secret_problem.text().strip()
    window.banner.show_error("The demo's sandbox has not answered since 18:30:31 UTC.")
    qapp.setPalette(desktop_dark_palette())  # the desktop's theme turned dark
    qtbot.waitUntil(lambda: is_dark(window), timeout=5_000)
    assert unreadable(window) == []


def darkest_or_lightest(icon: QIcon, dark: bool) -> QColor:
    """The icon's opaque pixel that stands out most on a dark (or light) background."""
    image = icon.pixmap(16, 16).toImage()
    pixels = [
        image.pixelColor(x, y)
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() > 200
    ]
    assert pixels, "the icon draws nothing"
    return max(pixels, key=lambda c: c.lightness() if dark else -c.lightness())


def test_the_idle_health_icon_shows_on_both_palettes(qtbot, qapp, make_desk, light):
    desk = make_desk(api=FakeApi(), store=FakeStore())
    _switch, action = add_display_options(qapp, desk.desk)
    assert action is not None
    view = desk.webhooks.view
    for dark in (False, True):
        if dark:
            assert switch_palette(qtbot, action, desk.window)
        sign = darkest_or_lightest(desk.webhooks.model.icon_of("idle"), dark)
        base = view.table.palette().color(QPalette.ColorRole.Base)
        # non-text contrast (WCAG 1.4.11); found under Xvfb: the style's grey pause sign
        # vanished on the dark table
        assert contrast(sign, base) >= 3.0, (dark, sign.name(), base.name())
