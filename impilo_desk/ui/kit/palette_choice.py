"""Which palette the app shows: the desktop theme's own, followed as it changes, or the one picked.

There is no "follow the system" setting: the app shows the desktop theme's palette (made
:func:`~impilo_desk.ui.kit.palette.readable`) until View › Dark palette picks the other one,
and follows the desktop's theme while it shows the desktop's. Picking what the desktop shows
follows it again, as at the start.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QWidget

from impilo_desk.ui.kit.palette import light_and_dark


def platform_palette(app: QApplication) -> QPalette:
    """The desktop theme's own palette, whatever the app set since; it is left applied.

    A palette with no role of its own set resolves every role against the platform theme's
    (``QGuiApplication::setPalette``), so the application's palette is that one afterwards:
    the caller sets the palette to show right after, before anything is painted.
    """
    app.setPalette(QPalette())  # QPalette(): the app's colours, none of them set ("resolved")
    return app.palette()


class PaletteChoice(QObject):
    """Shows the desktop theme's palette, or the other one once picked, and follows the desktop.

    When the desktop's theme changes after the start (a light or dark scheme, a high-contrast
    theme), Qt emits ``QStyleHints.colorSchemeChanged`` (the old palette still in effect) and
    then sends ``QEvent.ThemeChange`` to every window; on either, the desktop's palette is read
    again, on the next turn of the event loop (the two of one change are one reading). The app
    then shows the desktop's new palette, unless the user picked the other one
    (:meth:`set_dark`): a pick stays through later theme changes, and picking what the desktop
    shows follows it again.

    No signals: the widgets see the palette change itself (``PaletteChange``).

    Args:
        app: The application whose palette this sets.
        window: The main window, whose ``ThemeChange`` events say the desktop's theme changed
            (it owns this object).
        desktop: Reads the desktop theme's palette after a change (default:
            :func:`platform_palette`). At the start the application's palette is that one.
    """

    def __init__(
        self,
        app: QApplication,
        window: QWidget,
        desktop: Callable[[], QPalette] | None = None,
    ) -> None:
        super().__init__(window)
        self._app = app
        self._window = window
        self._desktop = desktop or (lambda: platform_palette(app))
        self._picked: bool | None = None  # dark or light, as picked; None: the desktop's
        self._light, self._dark, self._desktop_dark = light_and_dark(app.palette())
        self._again = QTimer(self)
        self._again.setSingleShot(True)
        self._again.setInterval(0)
        self._again.timeout.connect(self.desktop_changed)
        app.styleHints().colorSchemeChanged.connect(self._theme_changed)
        window.installEventFilter(self)
        self._show()

    @property
    def dark(self) -> bool:
        """Whether the palette shown is the dark one."""
        return self._desktop_dark if self._picked is None else self._picked

    def set_dark(self, on: bool) -> None:
        """Shows the dark palette (or the light one): View › Dark palette."""
        self._picked = None if on == self._desktop_dark else on
        self._show()

    def desktop_changed(self) -> None:
        """Reads the desktop theme's palette again and shows it, unless the other was picked."""
        # not the pair made at the start: that is the old theme's (its light one, set again,
        # showed the new theme's colours, with the old placeholders)
        self._light, self._dark, self._desktop_dark = light_and_dark(self._desktop())
        self._show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Notes the window's ``ThemeChange`` (the desktop's theme changed); lets it through."""
        if watched is self._window and event.type() == QEvent.Type.ThemeChange:
            self._theme_changed()
        return False

    def _theme_changed(self, _scheme: Qt.ColorScheme | None = None) -> None:
        self._again.start()  # after Qt has updated its palette and fonts for the new theme

    def _show(self) -> None:
        self._app.setPalette(self._dark if self.dark else self._light)
