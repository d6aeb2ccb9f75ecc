"""The target URL of Resend (Logs tab) and Replay to… (Events tab), as a user meets it.

Before anything is typed, the sentence under the field is a hint in the palette's own colour,
not an error; once something was typed that cannot be used, it is an error (a warning sign and
the error colour). Nothing in the dialog moves while the sentence comes, changes or goes: a
click aimed at a radio button or at Send must land there. Real servers: a seeded sandbox for
the Logs tab's preview, a real relay's events for the replay.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDialog, QLabel, QWidget

from impilo_desk.services.redelivery import AttemptStore
from impilo_desk.ui.kit.palette import is_dark, status_colour
from tests.fixtures.relay import RelayProcess
from tests.fixtures.sandbox import SandboxProcess
from tests.ui.contrast_support import unreadable
from tests.ui.events_support import WAIT_MS, open_events_desk
from tests.ui.redeliver_support import SECRET, close_desk, failed_rows, open_desk, scripted, seed
from tests.ui.test_events_replay import open_dialog, select
from tests.ui.test_logs_redeliver import open_preview
from tests.ui.test_logs_redeliver import select as select_logs

BAD_URL = "ftp://files.example.org/in"


def places(dialog: QDialog) -> dict[str, QRect]:
    """Where each visible widget of the dialog is (and the dialog's own size)."""
    found = {"the dialog": QRect(0, 0, dialog.width(), dialog.height())}
    for n, widget in enumerate(dialog.findChildren(QWidget)):
        if widget.isVisible() and widget.parentWidget() is dialog:
            name = widget.accessibleName() or getattr(widget, "text", lambda: "")() or str(n)
            found[f"{type(widget).__name__} {name}"] = QRect(
                widget.mapTo(dialog, widget.rect().topLeft()), widget.size()
            )
    return found


def settled(qtbot: Any, dialog: QDialog) -> dict[str, QRect]:
    qtbot.wait(0)  # the layout applies a change on the next turn of the loop
    layout = dialog.layout()
    assert layout is not None
    layout.activate()
    return places(dialog)


def moved(before: dict[str, QRect], after: dict[str, QRect]) -> dict[str, tuple[QRect, QRect]]:
    return {k: (v, after[k]) for k, v in before.items() if k in after and after[k] != v}


def drawn_in(label: QLabel) -> Any:
    label.ensurePolished()
    return label.palette().color(label.foregroundRole())


def is_hint(label: QLabel, dialog: QDialog) -> bool:
    """The label says something, in the dialog's own text colour, with no warning sign."""
    own = dialog.palette().color(QPalette.ColorRole.WindowText)
    return bool(label.text()) and drawn_in(label) == own and "⚠" not in label.text()


def is_error(label: QLabel, dialog: QDialog) -> bool:
    red = status_colour("error", is_dark(dialog))
    return label.text().startswith("⚠ ") and drawn_in(label).name() == red


def test_the_preview_hints_before_typing_and_nothing_moves_when_the_error_comes(
    qtbot: Any, make_desk: Any, tmp_path: Path
) -> None:
    record = AttemptStore.path_for(tmp_path / "data", "p1")
    with scripted() as receiver:
        # four webhooks' URLs: a summary of four lines or more, as on the demo
        urls = [f"{receiver.url}/clinic-{n}/readings/incoming-webhook-endpoint" for n in range(4)]
        seed(tmp_path / "sandbox.db", [row for url in urls for row in failed_rows(url, 1)])
        with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
            tab = open_desk(qtbot, make_desk, box, record)
            try:
                select_logs(tab, [0, 1, 2, 3])
                dialog = open_preview(qtbot, tab, tab.bar.resend_action)
                qtbot.waitUntil(dialog.isVisible, timeout=5_000)
                before = settled(qtbot, dialog)
                assert dialog.url_error.text() == ""
                qtbot.mouseClick(dialog.other_url, Qt.MouseButton.LeftButton)
                assert dialog.url_edit.hasFocus()
                # nothing typed yet: a hint, not an error
                assert dialog.url_error.text().startswith("Enter the URL to send to")
                assert is_hint(dialog.url_error, dialog)
                assert moved(before, settled(qtbot, dialog)) == {}
                qtbot.keyClicks(dialog.url_edit, BAD_URL)
                assert is_error(dialog.url_error, dialog)
                assert "is not a URL a webhook can be sent to" in dialog.url_error.text()
                assert unreadable(dialog) == []
                # found under Xvfb: the radio buttons moved up ~14 px as the error appeared
                assert moved(before, settled(qtbot, dialog)) == {}
                qtbot.keyClick(dialog.url_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
                qtbot.keyClick(dialog.url_edit, Qt.Key.Key_Backspace)
                assert is_error(dialog.url_error, dialog)  # emptied by the user: now it is one
                qtbot.keyClicks(dialog.url_edit, receiver.url + "/other")
                assert dialog.url_error.text() == ""
                assert dialog.send_button.isEnabled()
                assert moved(before, settled(qtbot, dialog)) == {}
                qtbot.keyClick(dialog, Qt.Key.Key_Escape)
                qtbot.waitUntil(tab.bar.resend_action.isEnabled, timeout=5_000)
            finally:
                close_desk(qtbot, make_desk, tab)
        assert receiver.count() == 0  # escaped: nothing sent


def test_the_replay_dialog_hints_before_typing_and_errs_after(
    qtbot: Any, make_desk: Any, relay: RelayProcess, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    world = open_events_desk(
        qtbot, make_desk, relay, tmp_path, sandbox.base_url, secret=SECRET, with_record=True
    )
    world.post("order.status", {"id": 60012, "eventType": "shipped"})
    qtbot.waitUntil(lambda: len(world.ids()) == 1, timeout=WAIT_MS)
    select(world, [0])
    dialog = open_dialog(qtbot, world)
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    before = settled(qtbot, dialog)
    # found under Xvfb: "Enter the URL…" in red before anything was typed
    assert dialog.url_error.text().startswith("Enter the URL to send to")
    assert is_hint(dialog.url_error, dialog)
    assert not dialog.send_button.isEnabled()
    qtbot.keyClicks(dialog.url_edit, "x")
    assert is_error(dialog.url_error, dialog)
    assert unreadable(dialog) == []
    assert moved(before, settled(qtbot, dialog)) == {}
    qtbot.keyClick(dialog.url_edit, Qt.Key.Key_Backspace)
    assert is_error(dialog.url_error, dialog)  # typed, then emptied: an error now
    assert (
        dialog.url_error.text() == "⚠ Enter the URL to send to, e.g. http://localhost:3000/webhook."
    )
    keyed = "http://127.0.0.1:9/a-rather-long-path/" + "x" * 120  # a long summary, too
    qtbot.keyClicks(dialog.url_edit, keyed)
    assert dialog.url_error.text() == ""
    assert dialog.send_button.isEnabled()
    assert dialog.send_button.text() == "Send 1"
    assert moved(before, settled(qtbot, dialog)) == {}
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
