"""The Readings and Test events tabs with the keyboard alone, read out, and in a dark palette."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from impilo_desk.contract import Patient
from impilo_desk.ui import readings, test_events
from impilo_desk.ui.kit.palette import dark_palette, is_dark
from tests.fixtures.desk import ProfileStub
from tests.ui.fakes import FakeApi


@pytest.fixture
def desk(qtbot: Any, make_desk: Any) -> Any:
    api = FakeApi()
    api.patients = [Patient(id=7, firstName="Amara", lastName="Nwosu")]
    desk = make_desk(api=api, tabs=(test_events.build, readings.build))
    desk.window.resize(1280, 800)
    with qtbot.waitSignal(desk.readings.loaded, timeout=10_000):
        desk.sessions.switch_to(ProfileStub())
    qtbot.waitUntil(lambda: desk.test_events.view.patient_id() == 7)
    desk.window.activateWindow()
    qtbot.waitUntil(desk.window.isActiveWindow)
    return desk


def _name(widget: QWidget) -> str:
    """What a screen reader says for ``widget`` (its own name, else its focus proxy owner's)."""
    while widget is not None and not widget.accessibleName():
        owner = widget.parentWidget()
        if owner is None or owner.focusProxy() is not widget:
            break
        widget = owner
    return widget.accessibleName() if widget is not None else ""


def _tab_chain(qtbot: Any, first: QWidget, page: QWidget, steps: int = 80) -> list[QWidget]:
    """The widgets Tab visits from ``first`` until it leaves ``page`` or comes back around."""
    first.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first)
    seen: list[QWidget] = [first]
    for _ in range(steps):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        now = QApplication.focusWidget()
        if now is None or now is first or not page.isAncestorOf(now):
            break
        seen.append(now)
    return seen


def _page_focusables(page: QWidget) -> list[QWidget]:
    return [
        w
        for w in page.findChildren(QWidget)
        if w.isVisibleTo(page)
        and w.isEnabled()
        and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and w.focusProxy() is None
    ]


@pytest.mark.parametrize("title", ["Readings", "Test events"])
def test_every_control_has_a_name_and_the_keyboard_reaches_it(qtbot, desk, title):
    window = desk.window
    index = next(i for i in range(window.tabs.count()) if window.tabs.tabText(i) == title)
    window.tabs.setCurrentIndex(index)
    page = window.tabs.widget(index)
    controls = _page_focusables(page)
    unnamed = [f"{type(w).__name__}:{w.objectName()}" for w in controls if not _name(w)]
    assert unnamed == []
    chain = _tab_chain(qtbot, controls[0], page)
    missed = [_name(w) for w in controls if w not in chain]
    assert missed == []  # Tab alone reaches every control of the tab
    assert len(chain) == len(set(chain))


def test_keyboard_alone_fires_a_test_event_form_check(qtbot, desk):
    tab = desk.test_events.view
    desk.window.tabs.setCurrentWidget(tab)
    tab.select_kind("weight")
    form = tab.current_form()
    weight = form.inputs["weight"]
    weight.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(weight, "1e3")
    with qtbot.waitSignal(desk.test_events.blocked, timeout=2_000):
        qtbot.keyClick(weight, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert form.message("weight") == "Weight must be a number."


def test_dark_palette_charts_follow_and_stay_readable(qtbot, desk, qapp):
    light = qapp.palette()
    qapp.setPalette(dark_palette())
    try:
        tab = desk.readings.view
        desk.window.tabs.setCurrentWidget(tab)
        page = tab.pages["weight"]
        qtbot.waitUntil(lambda: is_dark(page))
        background = page.chart.widget.backgroundBrush().color()
        axis = page.chart.plot.getAxis("left").textPen().color()
        assert background.lightness() < 80
        assert _contrast(axis, background) >= 4.5
        for curve in page.chart.curves.values():
            assert _contrast(curve.opts["pen"].color(), background) >= 3.0  # graphics: 3:1
    finally:
        qapp.setPalette(light)
    qtbot.waitUntil(lambda: not is_dark(page))
    assert page.chart.widget.backgroundBrush().color().lightness() > 200


def _contrast(a: Any, b: Any) -> float:
    """The WCAG contrast ratio of two QColors."""

    def luminance(c: Any) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
