"""The light (system) and dark palettes, and colours that read on either.

The app uses the platform's palette by default (made :func:`readable`: its placeholders too);
View › Dark palette (``--dark``, the dark screenshots) switches to :func:`dark_palette`, and
back. On a dark desktop theme the platform's palette is the dark one, and unticking it gives
:func:`light_palette`; :mod:`~impilo_desk.ui.kit.palette_choice` follows the desktop's theme
when it changes. Widgets that paint their own colours (charts) ask :func:`is_dark`.
Coloured text and boxes go through :func:`set_tone` and :func:`set_box`: they pick the colour
for the palette in use and pick again when it changes.

Colours are set in the widget's palette, not in a style sheet: a widget with a style sheet
keeps the palette it was polished with, so it never sees the application's palette change.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QWidget

_DARK: dict[QPalette.ColorRole, str] = {
    QPalette.ColorRole.Window: "#202124",
    QPalette.ColorRole.WindowText: "#e8eaed",
    QPalette.ColorRole.Base: "#17181a",
    QPalette.ColorRole.AlternateBase: "#26282b",
    QPalette.ColorRole.Text: "#e8eaed",
    QPalette.ColorRole.Button: "#2d2f33",
    QPalette.ColorRole.ButtonText: "#e8eaed",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Highlight: "#3d7bd9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2d2f33",
    QPalette.ColorRole.ToolTipText: "#e8eaed",
    QPalette.ColorRole.PlaceholderText: "#9aa0a6",
    QPalette.ColorRole.Link: "#8ab4f8",
    QPalette.ColorRole.Mid: "#3c4043",
    QPalette.ColorRole.Dark: "#111214",
    QPalette.ColorRole.Light: "#4a4d52",
}
_DISABLED_TEXT = "#7f8489"  # still 4.5:1 on the dark window

# The light palette, for a desktop whose own theme is dark (Fusion's light colours).
_LIGHT: dict[QPalette.ColorRole, str] = {
    QPalette.ColorRole.Window: "#efefef",
    QPalette.ColorRole.WindowText: "#000000",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f7f7f7",
    QPalette.ColorRole.Text: "#000000",
    QPalette.ColorRole.Button: "#efefef",
    QPalette.ColorRole.ButtonText: "#000000",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Highlight: "#308cc6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#ffffdc",
    QPalette.ColorRole.ToolTipText: "#000000",
    QPalette.ColorRole.PlaceholderText: "#5f6368",
    QPalette.ColorRole.Link: "#0b57d0",
    QPalette.ColorRole.Mid: "#b8b8b8",
    QPalette.ColorRole.Dark: "#9f9f9f",
    QPalette.ColorRole.Light: "#ffffff",
}
_LIGHT_DISABLED_TEXT = "#767676"  # 4.5:1 on white
AA = 4.5  # WCAG AA, for text

# Text colours that say how something is (always beside a word that says it too), each at
# least 4.5:1 (WCAG AA) on the light and on the dark window: (light, dark).
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "ok": ("#1b5e20", "#81c784"),
    "error": ("#b71c1c", "#ff8a80"),
    "warning": ("#8a4b00", "#ffb74d"),
    "muted": ("#5f6368", "#b0b4b9"),  # waiting, not known yet
}

# Boxes (banners, notes): (background, text and border) on a light and on a dark window, the
# text at least 4.5:1 on its background. The environments' strips are loud on either window.
BOX_COLOURS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "error": (("#fdecea", "#8a1c1c"), ("#3b1d1d", "#ffb4ab")),
    "info": (("#e8f1fb", "#0d3c61"), ("#1a2b3d", "#a8c8fa")),
    "caution": (("#fff4e5", "#5d4037"), ("#3a2c17", "#ffd8a8")),
    "production": (("#b71c1c", "#ffffff"),) * 2,
    "staging": (("#bf360c", "#ffffff"),) * 2,
    "sandbox": (("#1b5e20", "#ffffff"),) * 2,
    "other": (("#455a64", "#ffffff"),) * 2,
}

# The background of a table row that marks something (a place where events may be missing),
# under the palette's own text colour: (light, dark).
MARKER_BACKGROUNDS = ("#ffecb3", "#4a3800")


def status_colour(kind: str, dark: bool) -> str:
    """The colour of a status word of ``kind`` (ok, error, warning) on a light or dark window."""
    light, on_dark = STATUS_COLOURS[kind]
    return on_dark if dark else light


def marker_background(dark: bool) -> QColor:
    """The background of a marked table row, under the palette's text, light or dark."""
    return QColor(MARKER_BACKGROUNDS[1] if dark else MARKER_BACKGROUNDS[0])


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG 2 contrast ratio of two colours (1 to 21)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def dark_palette() -> QPalette:
    """A dark palette whose text keeps at least 4.5:1 contrast (WCAG AA) on its backgrounds."""
    return _palette(_DARK, _DISABLED_TEXT)


def light_palette() -> QPalette:
    """A light palette (the one a dark desktop theme lacks), its text 4.5:1 on its backgrounds."""
    return _palette(_LIGHT, _LIGHT_DISABLED_TEXT)


def _palette(colours: dict[QPalette.ColorRole, str], disabled_text: str) -> QPalette:
    palette = QPalette()
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled_text))
    return palette


def shown_colour(colour: QColor, over: QColor) -> QColor:
    """The colour a translucent ``colour`` shows as when drawn over ``over``."""
    alpha = colour.alphaF()
    return QColor.fromRgbF(
        *(
            alpha * mine + (1 - alpha) * under
            for mine, under in zip(
                (colour.redF(), colour.greenF(), colour.blueF()),
                (over.redF(), over.greenF(), over.blueF()),
                strict=True,
            )
        )
    )


def readable(palette: QPalette) -> QPalette:
    """``palette`` with placeholder text that reads (4.5:1) on its fields' background.

    Qt's default placeholder is the text colour at half opacity: 3.9:1 on white, under AA.
    """
    fixed = QPalette(palette)
    dark = palette_is_dark(palette)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        base = palette.color(group, QPalette.ColorRole.Base)
        now = shown_colour(palette.color(group, QPalette.ColorRole.PlaceholderText), base)
        if contrast(now, base) >= AA:
            continue
        for candidate in (QColor(status_colour("muted", dark)), palette.color(group, _TEXT)):
            if contrast(candidate, base) >= AA:
                fixed.setColor(group, QPalette.ColorRole.PlaceholderText, candidate)
                break
    return fixed


def light_and_dark(platform: QPalette) -> tuple[QPalette, QPalette, bool]:
    """The app's light and dark palettes, given the platform's, and whether that one is dark.

    The platform's palette is one of the two (on a dark desktop theme, the dark one): the
    other is :func:`light_palette` or :func:`dark_palette`. Both are :func:`readable`.
    """
    own = readable(platform)
    if palette_is_dark(own):
        return readable(light_palette()), own, True
    return own, readable(dark_palette()), False


def palette_is_dark(palette: QPalette) -> bool:
    """Whether ``palette``'s windows are dark."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def is_dark(widget: QWidget) -> bool:
    """Whether ``widget`` is drawn on a dark background."""
    return palette_is_dark(widget.palette())


def set_tone(widget: QWidget, kind: str, *, bold: bool = False) -> None:
    """Draws ``widget``'s text in the colour of ``kind`` (a key of :data:`STATUS_COLOURS`).

    ``""`` gives it back the palette's own text colour (every role it set itself goes). The
    colour is chosen for the palette the widget is drawn on (the platform's, light or dark, or
    View › Dark palette) and chosen again whenever that palette changes. ``bold`` makes the
    text bold (or not).
    """
    font = widget.font()
    if font.bold() != bold:
        font.setBold(bold)
        widget.setFont(font)
    _Tone.of(widget).show(kind, box=False)


def set_box(frame: QFrame, kind: str, *, border: bool = True) -> None:
    """Fills ``frame`` with the background of ``kind`` (a key of :data:`BOX_COLOURS`).

    Its text (and its children's, e.g. a banner's label) and its one-pixel border (unless
    ``border`` is False) take the kind's text colour; both follow a palette switch, as
    :func:`set_tone`. ``""`` gives the frame back the palette's own colours and no border.
    """
    boxed = bool(kind) and border
    frame.setFrameShape(QFrame.Shape.Box if boxed else QFrame.Shape.NoFrame)
    frame.setFrameShadow(QFrame.Shadow.Plain)
    frame.setAutoFillBackground(bool(kind))
    _Tone.of(frame).show(kind, box=True)


def follow_palette(widget: QWidget, restyle: Callable[[bool], None]) -> None:
    """Calls ``restyle(dark)`` now and whenever ``widget``'s palette changes (icons, brushes)."""
    _Follow(widget, lambda: restyle(is_dark(widget)))
    restyle(is_dark(widget))


class _Follow(QObject):
    """Calls back at each palette change of a widget.

    An event filter on the widget, and its child, so it lives as long as the widget.
    """

    def __init__(self, widget: QWidget, changed: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget, self._changed = widget, changed
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self._widget and event.type() == QEvent.Type.PaletteChange:
            self._changed()
        return False


class _Tone(_Follow):
    """What one widget's colours say; re-colours it when its palette changes."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget, self._apply)
        self._kind = ""
        self._box = False

    @staticmethod
    def of(widget: QWidget) -> _Tone:
        tone = widget.findChild(_Tone, "", _DIRECT)
        return tone if tone is not None else _Tone(widget)

    def show(self, kind: str, *, box: bool) -> None:
        self._kind, self._box = kind, box
        self._apply()

    def _apply(self) -> None:
        widget = self._widget
        if not self._kind:
            if widget.testAttribute(_OWN_PALETTE):
                widget.setPalette(QPalette())  # back to the inherited palette, every role
            return
        # A box paints its own window: whether it is on a dark one is its parent's to say.
        under = widget.parentWidget() if self._box else None
        dark = is_dark(under if under is not None else widget)
        wanted: dict[QPalette.ColorRole, QColor] = {}
        if self._box:
            background, text = BOX_COLOURS[self._kind][1 if dark else 0]
            wanted[QPalette.ColorRole.Window] = QColor(background)
            wanted[QPalette.ColorRole.WindowText] = QColor(text)
        else:
            wanted[widget.foregroundRole()] = QColor(status_colour(self._kind, dark))
        palette = widget.palette()
        if all(palette.color(role) == colour for role, colour in wanted.items()):
            return  # its own setPalette's event finds the colours in place: no loop
        for role, colour in wanted.items():
            palette.setColor(role, colour)
        widget.setPalette(palette)


_TEXT = QPalette.ColorRole.Text
_DIRECT = Qt.FindChildOption.FindDirectChildrenOnly
_OWN_PALETTE = Qt.WidgetAttribute.WA_SetPalette
