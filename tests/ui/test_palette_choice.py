"""View › Dark palette says what is shown, on a light desktop theme and on a dark one.

The desk as the app builds it, with the View menu the app gives it (``add_display_options``);
a dark desktop theme is the platform's palette being dark when the app starts. The app follows
the desktop's theme when it changes later (as Qt tells of it: see ``Desktop``), unless the user
picked a palette.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QAction, QColor, QPalette
from PySide6.QtWidgets import QLineEdit, QWidget

from impilo_desk.app import add_display_options
from impilo_desk.ui.kit.outlined_style import OutlinedStyle
from impilo_desk.ui.kit.palette import (
    BOX_COLOURS,
    contrast,
    dark_palette,
    is_dark,
    palette_is_dark,
    shown_colour,
    status_colour,
)
from impilo_desk.ui.kit.palette_choice import platform_palette
from impilo_desk.ui.shell.status_bar import ApiState
from tests.ui.fakes import FakeApi, FakeStore
from tests.ui.test_text_contrast import desktop_dark_palette, light, switch_palette  # noqa: F401

AA = 4.5


def placeholder_contrast(edit: QLineEdit) -> float:
    palette = edit.palette()
    base = palette.color(QPalette.ColorRole.Base)
    return contrast(shown_colour(palette.color(QPalette.ColorRole.PlaceholderText), base), base)


@pytest.fixture
def shown_desk(
    qtbot: Any,
    qapp: Any,
    make_desk: Any,
    light: None,  # noqa: F811 - the fixture: the next test starts on the platform's palette
) -> Callable[..., tuple[Any, QAction]]:
    """Makes a desk on screen (1280 x 800) with the View menu the app gives it.

    ``shown_desk(desktop)`` returns the desk and View › Dark palette; ``desktop`` reads the
    desktop theme's palette after a change (the app's own reading by default).
    """

    def make(desktop: Callable[[], QPalette] | None = None) -> tuple[Any, QAction]:
        desk = make_desk(api=FakeApi(), store=FakeStore())
        window = desk.window
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        _switch, action = add_display_options(qapp, desk.desk, desktop)
        assert action is not None
        return desk, action

    return make


def test_on_a_dark_desktop_theme_dark_palette_is_ticked_and_unticking_it_gives_a_light_one(
    qtbot: Any, qapp: Any, shown_desk: Any
) -> None:
    qapp.setPalette(desktop_dark_palette())  # the desktop's theme is dark when the app starts
    desk, action = shown_desk()
    window = desk.window
    assert is_dark(window)
    assert action.isChecked()  # it was unticked while the window was dark
    field = desk.logs.view.filters.status_edit
    # the app's palette reaches its widgets on the next turns of the event loop
    qtbot.waitUntil(lambda: placeholder_contrast(field) >= AA, timeout=5_000)

    assert not switch_palette(qtbot, action, window)  # unticked: a light palette, readable
    assert not action.isChecked()
    assert placeholder_contrast(field) >= AA
    assert switch_palette(qtbot, action, window)  # ticked again: the dark one
    assert action.isChecked()
    assert window.palette().color(QPalette.ColorRole.Window) == desktop_dark_palette().color(
        QPalette.ColorRole.Window
    )  # the desktop's own dark palette, as at the start


def test_the_tick_follows_a_desktop_theme_that_turns_dark_and_placeholders_read(
    qtbot: Any, qapp: Any, shown_desk: Any
) -> None:
    desk, action = shown_desk()
    window = desk.window
    assert not is_dark(window)
    assert not action.isChecked()
    field = desk.logs.view.filters.status_edit
    assert field.placeholderText()
    # Qt's default placeholder (the text at half opacity) was 3.9:1 on the platform's white
    qtbot.waitUntil(lambda: placeholder_contrast(field) >= AA, timeout=5_000)
    qapp.setPalette(desktop_dark_palette())  # the desktop's theme turned dark meanwhile
    qtbot.waitUntil(lambda: is_dark(window), timeout=5_000)
    assert action.isChecked()


def outline_contrast(widget: QWidget) -> float:
    """The most a pixel of the indicator (the first 20 px of the widget) stands out."""
    image = widget.grab().toImage()
    window = widget.palette().color(QPalette.ColorRole.Window)
    return max(
        contrast(image.pixelColor(x, y), window)
        for x in range(min(20, image.width()))
        for y in range(image.height())
    )


def test_check_boxes_and_fields_show_their_outline_on_both_palettes(
    qtbot: Any, qapp: Any, shown_desk: Any
) -> None:
    desk, action = shown_desk()
    window = desk.window
    style = OutlinedStyle(qapp.style().name())  # as the app's run() sets it
    style.setParent(window)  # it outlives the widgets that use it
    logs = desk.logs.view
    window.tabs.setCurrentWidget(logs)
    bar = logs.filters
    # unticked boxes and empty fields: the outline is all there is to see of them
    shown = [logs.auto_box, bar.created_from.check, bar.status_edit, bar.retries_min, bar.type_box]
    for widget in shown:
        widget.setStyle(style)
        qtbot.waitUntil(widget.isVisible, timeout=5_000)
    for dark in (False, True):
        if dark:
            assert switch_palette(qtbot, action, window)
        for widget in shown:
            # found in the dark screenshots: an unticked box was invisible (1.1:1)
            assert outline_contrast(widget) >= 3.0, (widget.accessibleName(), dark)


class Desktop:
    """The desktop's theme as Qt's platform theme gives it to the app, and its changes.

    The offscreen platform the tests run on cannot change its theme: its colour scheme is
    ``Unknown``, ``QStyleHints.setColorScheme(Dark)`` changes nothing (no signal, the same
    palette), and its palette is fixed (the app's style does not reach it either). So the
    theme's palette is this object's (the app reads it as ``desktop``), and a change is
    delivered as Qt delivers one (``QGuiApplicationPrivate::processThemeChanged``): the style
    hints' ``colorSchemeChanged``, then ``ThemeChange`` to the windows.
    """

    def __init__(self, qapp: Any, palette: QPalette) -> None:
        self._qapp = qapp
        self._palette = QPalette(palette)

    def palette(self) -> QPalette:
        """The theme's palette now."""
        return QPalette(self._palette)

    def turn(self, palette: QPalette, scheme: Qt.ColorScheme, window: QWidget) -> None:
        """The user changes the desktop's theme to ``palette`` (a ``scheme`` one)."""
        self._palette = QPalette(palette)
        self._qapp.styleHints().colorSchemeChanged.emit(scheme)
        handle = window.windowHandle()
        assert handle is not None
        QCoreApplication.sendEvent(handle, QEvent(QEvent.Type.ThemeChange))


def window_colour(window: QWidget) -> QColor:
    return window.palette().color(QPalette.ColorRole.Window)


def test_the_app_follows_the_desktop_theme_turning_dark_and_light_again(
    qtbot: Any, qapp: Any, shown_desk: Any
) -> None:
    light_theme = QPalette(qapp.palette())  # the desktop's theme is light when the app starts
    desktop = Desktop(qapp, light_theme)
    desk, action = shown_desk(desktop.palette)
    window = desk.window
    window.status.set_api(ApiState.OK)
    window.banner.show_error("The Impilo API has not answered since 18:30:31 UTC.")
    api, banner = window.status.api_label, window.banner
    field = desk.logs.view.filters.status_edit
    started = window_colour(window)
    assert not is_dark(window)
    assert not action.isChecked()

    desktop.turn(desktop_dark_palette(), Qt.ColorScheme.Dark, window)
    qtbot.waitUntil(lambda: is_dark(window), timeout=5_000)
    assert window_colour(window) == desktop_dark_palette().color(QPalette.ColorRole.Window)
    assert api.palette().color(api.foregroundRole()) == QColor(status_colour("ok", True))
    assert banner.palette().color(QPalette.ColorRole.Window) == QColor(BOX_COLOURS["error"][1][0])
    assert placeholder_contrast(field) >= AA  # not the light palette's grey on a dark field
    assert action.isChecked()  # it says what is shown

    desktop.turn(light_theme, Qt.ColorScheme.Light, window)
    qtbot.waitUntil(lambda: not is_dark(window), timeout=5_000)
    assert window_colour(window) == started
    assert api.palette().color(api.foregroundRole()) == QColor(status_colour("ok", False))
    assert banner.palette().color(QPalette.ColorRole.Window) == QColor(BOX_COLOURS["error"][0][0])
    assert placeholder_contrast(field) >= AA
    assert not action.isChecked()
    assert switch_palette(qtbot, action, window)  # Dark palette still gives the dark one...
    assert not switch_palette(qtbot, action, window)  # ...and unticked, the light one
    assert window_colour(window) == started


def test_a_palette_the_user_picked_stays_through_desktop_theme_changes(
    qtbot: Any, qapp: Any, shown_desk: Any
) -> None:
    light_theme = QPalette(qapp.palette())
    desktop = Desktop(qapp, light_theme)
    desk, action = shown_desk(desktop.palette)
    window = desk.window
    started = window_colour(window)
    assert switch_palette(qtbot, action, window)  # the user picks Dark palette
    ours = window_colour(window)

    desktop.turn(desktop_dark_palette(), Qt.ColorScheme.Dark, window)
    theirs = desktop_dark_palette().color(QPalette.ColorRole.Window)
    qtbot.waitUntil(lambda: window_colour(window) == theirs, timeout=5_000)  # the desktop's dark
    assert action.isChecked()
    desktop.turn(light_theme, Qt.ColorScheme.Light, window)
    qtbot.waitUntil(lambda: window_colour(window) == ours, timeout=5_000)  # still dark: picked
    assert action.isChecked()
    assert not switch_palette(qtbot, action, window)  # unticked: the desktop's light one
    assert window_colour(window) == started


def test_the_desktop_palette_is_read_from_qt_whatever_palette_the_app_set(
    qapp: Any,
    light: None,  # noqa: F811 - the fixture
) -> None:
    platform = qapp.palette().color(QPalette.ColorRole.Window)  # offscreen's light palette
    assert not palette_is_dark(qapp.palette())
    qapp.setPalette(dark_palette())  # View › Dark palette
    assert palette_is_dark(qapp.palette())
    assert platform_palette(qapp).color(QPalette.ColorRole.Window) == platform
