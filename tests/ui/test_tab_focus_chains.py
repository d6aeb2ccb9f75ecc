"""The Secret, Logs and Events tabs with the keyboard alone: every control named, reached by Tab,
in reading order (row by row, left to right; a pane to the right after the one on the left).

The Readings and Test events tabs are walked by ``test_tab_access.py``, with the same helpers.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QWidget

from impilo_desk.ui import secret
from tests.fixtures.desk import ProfileStub
from tests.fixtures.sandbox import SandboxProcess
from tests.ui.events_support import PATIENT, WAIT_MS, open_events_desk
from tests.ui.fakes import FakeApi
from tests.ui.redeliver_support import close_desk, failed_rows, open_desk, seed
from tests.ui.test_tab_access import _name, _page_focusables, _tab_chain


def _rect(widget: QWidget, page: QWidget) -> QRect:
    return QRect(widget.mapTo(page, widget.rect().topLeft()), widget.size())


def _out_of_order(chain: list[QWidget], page: QWidget) -> list[str]:
    """Steps of ``chain`` that go against reading order, as "from → to".

    A step may go right along a row, or down to a later row; it may go up only into a pane to
    the right of where it was (the detail beside a list). Going left within a row, or up and
    left, is a step a keyboard user cannot predict.
    """
    wrong = []
    for a, b in pairwise(chain):
        ra, rb = _rect(a, page), _rect(b, page)
        same_row = rb.top() < ra.bottom() and ra.top() < rb.bottom()
        if same_row and rb.left() >= ra.left():
            continue
        if not same_row and rb.top() >= ra.bottom():
            continue  # down to a later row
        if not same_row and rb.left() >= ra.right():
            continue  # up into a pane to the right
        wrong.append(f"{_name(a)} → {_name(b)}")
    return wrong


def _walk(qtbot: Any, page: QWidget) -> tuple[list[QWidget], list[QWidget]]:
    qtbot.waitUntil(page.isVisible)
    controls = _page_focusables(page)
    unnamed = [f"{type(w).__name__}:{w.objectName()}" for w in controls if not _name(w)]
    assert unnamed == []
    chain = _tab_chain(qtbot, controls[0], page)
    assert len(chain) == len(set(chain))
    return controls, chain


def _active(qtbot: Any, window: QWidget) -> None:
    window.resize(1280, 800)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


@pytest.fixture
def desk(qtbot: Any, make_desk: Any) -> Any:
    api = FakeApi()
    api.secret = "a-secret-value-0123456789abcdef"
    desk = make_desk(api=api, tabs=(secret.build,))
    with qtbot.waitSignal(desk.secret.loaded, timeout=10_000):
        desk.sessions.switch_to(ProfileStub(relay_url="http://127.0.0.1:9/"))
    _active(qtbot, desk.window)
    return desk


def test_secret_tab_by_keyboard(qtbot, desk):
    view = desk.secret.view
    desk.window.tabs.setCurrentWidget(view)
    qtbot.keyClicks(view.secret_edit, "-and-a-new-ending")  # Save is enabled by a change
    controls, chain = _walk(qtbot, view)
    names = [_name(w) for w in chain]
    assert names == [
        "Webhook secret",
        "Reveal secret",
        "Copy secret",
        "Generate secret",
        "Save secret",
        "Refresh secret state",
    ]
    assert [w for w in controls if w not in chain] == []
    assert _out_of_order(chain, view) == []


def test_events_tab_by_keyboard(qtbot, make_desk, relay, sandbox, tmp_path):
    world = open_events_desk(qtbot, make_desk, relay, tmp_path, sandbox.base_url, with_record=True)
    world.post("reading.weight", {"id": 1, "weight": 81.5, "patient": PATIENT})
    qtbot.waitUntil(lambda: len(world.ids()) == 1, timeout=WAIT_MS)
    view = world.tab.view
    _active(qtbot, world.desk.window)
    view.table.selectRow(0)  # export, copy and replay need a row
    qtbot.waitUntil(view.replay_action.isEnabled)
    qtbot.waitUntil(view.copy_payload_action.isEnabled)
    controls, chain = _walk(qtbot, view)
    names = [_name(w) for w in chain]
    assert "Received events" in names
    assert "Replay the selected events to a URL" in names
    assert names[-3:] == [
        "Copy as curl",
        "Keep events for this many days",
        "Keep at most this many events",
    ]
    assert [_name(w) for w in controls if w not in chain] == []
    assert _out_of_order(chain, view) == []


def test_logs_tab_by_keyboard(qtbot, make_desk, tmp_path):
    rows = failed_rows("http://127.0.0.1:9/in", 3)
    seed(tmp_path / "sandbox.db", rows)
    with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
        tab = open_desk(qtbot, make_desk, box, tmp_path / "record.sqlite3")
        try:
            _active(qtbot, tab.desk.window)
            view = tab.view
            view.table.selectRow(0)  # Resend and Copy delivery need a row
            qtbot.waitUntil(tab.bar.resend_action.isEnabled)
            controls, chain = _walk(qtbot, view)
            names = [_name(w) for w in chain]
            assert "Delivery log" in names
            assert "Resend the selected deliveries" in names
            assert [_name(w) for w in controls if w not in chain] == []
            assert _out_of_order(chain, view) == []
        finally:
            close_desk(qtbot, make_desk, tab)
