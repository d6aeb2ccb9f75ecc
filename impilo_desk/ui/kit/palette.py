"""The light (system) and dark palettes, and colours that read on either.

The app uses the platform's palette by default; ``--dark`` (and the dark screenshots) switch to
:func:`dark_palette`. Widgets that paint their own colours (charts) ask :func:`is_dark`.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

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

# Text colours that say how something is (always beside a word that says it too), each at
# least 4.5:1 (WCAG AA) on the light and on the dark window: (light, dark).
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "ok": ("#1b5e20", "#81c784"),
    "error": ("#b71c1c", "#ff8a80"),
    "warning": ("#8a4b00", "#ffb74d"),
}


def status_colour(kind: str, dark: bool) -> str:
    """The colour of a status word of ``kind`` (ok, error, warning) on a light or dark window."""
    light, on_dark = STATUS_COLOURS[kind]
    return on_dark if dark else light


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
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(_DISABLED_TEXT))
    return palette


def apply_palette(app: QApplication, dark: bool, light: QPalette) -> None:
    """Switches ``app`` to the dark palette, or back to ``light`` (the one it started with)."""
    app.setPalette(dark_palette() if dark else light)


def is_dark(widget: QWidget) -> bool:
    """Whether ``widget`` is drawn on a dark background."""
    return widget.palette().window().color().lightness() < 128
