"""View › Dark palette says what is shown, on a light desktop theme and on a dark one.

The desk as the app builds it, with the View menu the app gives it (``add_display_options``);
a dark desktop theme is the platform's palette being dark when the app starts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLineEdit, QWidget

from impilo_desk.app import add_display_options
from impilo_desk.ui.kit.outlined_style import OutlinedStyle
from impilo_desk.ui.kit.palette import contrast, is_dark
from tests.ui.contrast_support import over
from tests.ui.fakes import FakeApi, FakeStore
from tests.ui.test_text_contrast import desktop_dark_palette, light, switch_palette  # noqa: F401

AA = 4.5


def placeholder_contrast(edit: QLineEdit) -> float:
    palette = edit.palette()
    base = palette.color(QPalette.ColorRole.Base)
    return contrast(over(palette.color(QPalette.ColorRole.PlaceholderText), base), base)


def test_on_a_dark_desktop_theme_dark_palette_is_ticked_and_unticking_it_gives_a_light_one(
    qtbot: Any,
    qapp: Any,
    make_desk: Any,
    light: None,  # noqa: F811 - the fixture
) -> None:
    qapp.setPalette(desktop_dark_palette())  # the desktop's theme is dark when the app starts
    desk = make_desk(api=FakeApi(), store=FakeStore())
    window = desk.window
    window.show()
    qtbot.waitExposed(window)
    _switch, action = add_display_options(qapp, desk.desk)
    assert action is not None
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
    qtbot: Any,
    qapp: Any,
    make_desk: Any,
    light: None,  # noqa: F811 - the fixture
) -> None:
    desk = make_desk(api=FakeApi(), store=FakeStore())
    window = desk.window
    _switch, action = add_display_options(qapp, desk.desk)
    assert action is not None
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
    qtbot: Any,
    qapp: Any,
    make_desk: Any,
    light: None,  # noqa: F811 - the fixture
) -> None:
    desk = make_desk(api=FakeApi(), store=FakeStore())
    window = desk.window
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    _switch, action = add_display_options(qapp, desk.desk)
    assert action is not None
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
