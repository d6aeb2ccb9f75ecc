"""Buttons stay where they are while messages, countdowns and progress rows come and go.

A user reaches for a button; if a banner, a longer status sentence or a progress row appears
just then and pushes it down (or sideways), the click lands on something else. Each test shows
the real window at a fixed size and compares every visible button's place before and after.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QWidget

from tests.ui.test_secret_tab import desk, parts  # noqa: F401 - fixtures of the Secret tab

LONG = (
    "Impilo's last 3 deliveries to the relay were refused (401): the relay holds another "
    "secret. Save this secret to the relay too, or give it the one Impilo has, then wait for "
    "the next delivery to check again."
)


def places(page: QWidget) -> dict[str, QRect]:
    """Where each visible button (and the page's main table, if any) is, in page coordinates."""
    found = {}
    for button in page.findChildren(QAbstractButton):
        if button.isVisible() and button.accessibleName() != "Dismiss message":
            top_left = button.mapTo(page, button.rect().topLeft())
            found[button.accessibleName() or button.text()] = QRect(top_left, button.size())
    table = getattr(page, "table", None)
    if table is not None:
        found["table"] = QRect(table.mapTo(page, table.rect().topLeft()), table.size())
    return found


def shown(qtbot, window: QWidget) -> None:
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)


def settled(qtbot, page: QWidget) -> dict[str, QRect]:
    qtbot.wait(0)  # the layout applies the change on the next turn of the loop
    layout = page.layout()
    assert layout is not None
    layout.activate()
    return places(page)


def test_secret_buttons_stay_put_through_banner_reveal_and_relay_sentences(qtbot, desk):  # noqa: F811
    view = desk.secret.view
    shown(qtbot, desk.window)
    view.set_secret("a-secret-value-0123456789")
    before = settled(qtbot, view)
    assert {"Reveal secret", "Copy secret", "Save secret"} <= set(before)
    view.copy_action.trigger()  # "Copied…" banner
    assert view.banner.isVisible()
    assert settled(qtbot, view) == before
    view.banner.clear()
    assert settled(qtbot, view) == before
    view.reveal_action.trigger()  # "Hiding in 5 s" on the Reveal button
    assert view.reveal_action.text() == "Hiding in 5 s"
    assert settled(qtbot, view) == before
    view.hide_secret()
    view.show_relay(LONG, trouble=True)  # a long sentence beside "Relay:"
    assert settled(qtbot, view) == before
    view.show_problem("The secret must have at least 16 characters; this one has 5.")
    view.banner.show_error(LONG)
    assert settled(qtbot, view) == before
    view.clear_clipboard()


def test_logs_buttons_and_table_stay_put_through_banner_export_and_run_rows(qtbot, logs_tab):
    view = logs_tab.view
    shown(qtbot, logs_tab.desk.window)
    logs_tab.desk.window.tabs.setCurrentWidget(view)
    before = settled(qtbot, view)
    assert {"Refresh the log", "Show the redelivery history", "table"} <= set(before)
    view.banner.show_error(LONG)
    assert settled(qtbot, view) == before
    view.banner.clear()
    view.show_export(True, "Exporting the log…")
    during = settled(qtbot, view)
    assert {k: v for k, v in during.items() if k in before} == before
    view.show_export(False)
    run = logs_tab.controller.redeliver.bar.run_bar
    run.show_run(12, "Resending 12 to http://127.0.0.1:9/hook…", "Cancelling: finishing…")
    during = settled(qtbot, view)
    assert "Cancel the redelivery" in during  # the run row is there, and moved nothing
    assert {k: v for k, v in during.items() if k in before} == before
    run.hide()
    assert settled(qtbot, view) == before


def test_a_long_api_sentence_does_not_widen_the_window(qtbot, desk):  # noqa: F811
    from impilo_desk.ui.shell.status_bar import ApiState

    window = desk.window
    shown(qtbot, window)
    sentence = (
        "127.0.0.1:34867 refused the connection: nothing is listening there; check that the "
        "server is running and that the API base URL has the right port."
    )
    window.status.set_api(ApiState.ERROR, sentence)
    window.status.set_alert("Webhook #14 reading.temperature is failing since 30 Nov 23:00")
    qtbot.wait(0)
    assert window.minimumSizeHint().width() <= 1280  # found under Xvfb: it grew past the screen
    assert window.width() == 1280
    assert sentence in window.status.api_label.toolTip()  # cut on screen, whole in the tooltip


def test_a_dead_relays_long_status_does_not_widen_the_window(qtbot, desk):  # noqa: F811
    from impilo_desk.ui.shell.status_bar import ApiState, RelayPhase

    window = desk.window
    shown(qtbot, window)
    window.status.set_profile("Sandbox (demo)")
    window.status.set_api(ApiState.OK)
    window.status.set_alert("Webhook #14 reading.temperature is failing since 00:21:50 UTC")
    window.status.set_relay(
        RelayPhase.RECONNECTING,
        6,
        15,
        error="cannot connect (refused or unreachable)",
        live_words="connected",
        trouble="Impilo's deliveries to it fail (no answer since 17:22:22 UTC)",
    )
    qtbot.wait(0)
    for layout in (window.status.layout(), window.layout()):  # apply the change now
        layout.activate()
    assert window.minimumSizeHint().width() <= 1280  # found under Xvfb: it grew past the screen
    assert window.width() == 1280
    assert "reconnecting" in window.status.relay_label.toolTip()


def test_events_buttons_and_table_stay_put_through_banner_export_and_replay_rows(qtbot, desk):  # noqa: F811
    from impilo_desk.ui.events.controller import EventsController

    view = desk.desk.tab(EventsController).view
    shown(qtbot, desk.window)
    desk.window.tabs.setCurrentWidget(view)
    before = settled(qtbot, view)
    assert {"Export all matching events", "Replay the selected events to a URL", "table"} <= set(
        before
    )
    view.banner.show_error(LONG)
    assert settled(qtbot, view) == before
    view.banner.clear()
    view.show_export(True, "Exporting 1,000,000 events to /home/someone/Documents/events.jsonl…")
    during = settled(qtbot, view)
    assert "Cancel the export" in during  # the export row is there, and moved nothing
    assert {k: v for k, v in during.items() if k in before} == before
    view.show_export(False)
    view.replay_bar.show_run(2, "Replaying 2 to http://127.0.0.1:9/hook…", "Cancelling…")
    during = settled(qtbot, view)
    assert "Cancel the replay" in during
    assert {k: v for k, v in during.items() if k in before} == before
    view.replay_bar.hide()
    assert settled(qtbot, view) == before


def test_a_banner_sentence_longer_than_its_line_is_cut_with_an_ellipsis(qtbot, desk):  # noqa: F811
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    window = desk.window
    shown(qtbot, window)
    banner = window.banner
    sentence = f"{LONG} {LONG}"  # two lines' worth at 1280 px
    banner.show_error(sentence)
    label = banner.findChild(QLabel)
    qtbot.waitUntil(label.isVisible)
    room = label.contentsRect()
    drawn = label.fontMetrics().boundingRect(room, Qt.TextFlag.TextWordWrap, label.text())
    assert drawn.height() <= room.height()  # found under Xvfb: a second line, cut through
    assert label.text().endswith("…")
    assert banner.text == sentence
    assert label.toolTip() == sentence  # the whole sentence


def test_the_tabs_stay_put_when_the_webhooks_tab_shows_its_badge(qtbot, desk):  # noqa: F811
    window = desk.window
    shown(qtbot, window)
    bar = window.tabs.tabBar()
    before = [bar.tabRect(i) for i in range(bar.count())]
    for badge in ("2 failing", "14 failing", ""):
        desk.webhooks.view.show_badge(badge)  # as the health watch does
        qtbot.wait(0)
        assert bar.tabText(0) == (f"Webhooks ({badge})" if badge else "Webhooks")
        # found under Xvfb: the other tabs moved right, and a click landed on the wrong one
        assert [bar.tabRect(i) for i in range(bar.count())] == before, badge
