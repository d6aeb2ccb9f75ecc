"""The status bar's coloured words stay readable (4.5:1, WCAG AA) on the light and dark palettes.

Each state is shown on the real status bar; the colour its label is drawn in (what the style
sheet made of its palette) is compared with the bar's background, before and after the
palette changes under it.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel

from impilo_desk.ui.kit.palette import (
    BOX_COLOURS,
    MARKER_BACKGROUNDS,
    STATUS_COLOURS,
    contrast,
    dark_palette,
    is_dark,
)
from impilo_desk.ui.shell.status_bar import ApiState, RelayPhase, StatusBar

AA = 4.5


def drawn_in(label: QLabel) -> Any:
    label.ensurePolished()
    return label.palette().color(QPalette.ColorRole.WindowText)


def shown_states(bar: StatusBar) -> dict[str, QLabel]:
    """Puts the bar in every coloured state at once; returns each state's label."""
    bar.set_api(ApiState.UNREACHABLE, "refused", since="08:04 CET")
    bar.set_relay(RelayPhase.RECONNECTING, 2, 10, error="the server ended the stream")
    bar.set_alert("Webhook #14 reading.temperature is failing since 07:59")
    bar.set_secrets("session")
    states = {"API unreachable": bar.api_label, "relay reconnecting": bar.relay_label}
    states |= {"alert": bar.alert_label, "secrets in memory": bar.secrets_label}
    return states


def check(bar: StatusBar, qtbot: Any) -> list[str]:
    background = bar.palette().color(QPalette.ColorRole.Window)
    low = []
    labels = shown_states(bar)
    bar.set_api(ApiState.OK)  # the green one, on its own label
    qtbot.wait(0)
    for name, label in {**labels, "API ok": bar.api_label}.items():
        ratio = contrast(drawn_in(label), background)
        if ratio < AA:
            low.append(f"{name}: {ratio:.1f}:1")
    bar.set_api(ApiState.UNREACHABLE, "refused", since="08:04 CET")
    ratio = contrast(drawn_in(bar.api_label), background)
    if ratio < AA:
        low.append(f"API unreachable: {ratio:.1f}:1")
    return low


@pytest.fixture
def bar(qtbot: Any) -> StatusBar:
    status = StatusBar()
    qtbot.addWidget(status)
    status.show()
    return status


def test_status_colours_read_on_the_light_palette(qtbot, bar):
    assert not is_dark(bar)
    assert check(bar, qtbot) == []


def test_status_colours_read_on_the_dark_palette_and_follow_a_switch(qtbot, bar, qapp):
    light = qapp.palette()
    shown_states(bar)
    bar.set_api(ApiState.OK)
    qapp.setPalette(dark_palette())
    try:
        qtbot.waitUntil(lambda: is_dark(bar))
        background = bar.palette().color(QPalette.ColorRole.Window)
        # the state shown before the switch is recoloured by it, not only new states
        assert contrast(drawn_in(bar.api_label), background) >= AA
        assert check(bar, qtbot) == []
    finally:
        qapp.setPalette(light)
    qtbot.waitUntil(lambda: not is_dark(bar))
    assert check(bar, qtbot) == []


def test_every_status_colour_meets_aa_on_both_windows():
    from PySide6.QtGui import QColor

    windows = {False: QColor("#efefef"), True: dark_palette().color(QPalette.ColorRole.Window)}
    bases = {False: QColor("#ffffff"), True: dark_palette().color(QPalette.ColorRole.Base)}
    for kind, pair in STATUS_COLOURS.items():
        for dark, colour in zip((False, True), pair, strict=True):
            assert contrast(QColor(colour), windows[dark]) >= AA, (kind, dark)
            assert contrast(QColor(colour), bases[dark]) >= AA, (kind, dark, "in a table")
    for kind, boxes in BOX_COLOURS.items():
        for background, text in boxes:
            assert contrast(QColor(text), QColor(background)) >= AA, kind
    for dark, marker in zip((False, True), MARKER_BACKGROUNDS, strict=True):
        on = dark_palette().color(QPalette.ColorRole.Text) if dark else QColor("#000000")
        assert contrast(on, QColor(marker)) >= AA, ("marker", dark)
