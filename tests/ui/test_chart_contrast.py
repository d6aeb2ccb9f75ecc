"""The colours a user reads without words stand out on the light and on the dark palette.

The real window on the demo (``world``), switched with View › Dark palette as a user does, while
each part is shown: the Webhooks tab's delivery-health chart (pyqtgraph paints it itself), the
Logs tab's state discs and the Webhooks tab's health icons (non-text contrast, WCAG 1.4.11:
3:1 on what is behind them), and the placeholders of the Logs tab's fields (text: 4.5:1).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction, QColor, QIcon, QPalette
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from impilo_desk.ui.kit.palette import contrast, is_dark
from impilo_desk.ui.logs.model import LogColumn
from impilo_desk.ui.webhooks.health_panel import HealthPanel
from tests.fixtures.desk import World
from tests.ui.contrast_support import behind, over, unreadable
from tests.ui.test_text_contrast import (  # noqa: F401 - fixtures and helpers
    FAST,
    dark_action,
    heartbeat,
    light,
    switch_palette,
)

WAIT_MS = 20_000
NON_TEXT = 3.0
AA = 4.5
FAR_APART = 20.0  # CIE76 ΔE between any two series: clearly different colours, not shades


def lab(colour: QColor) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour."""

    def linear(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(v) for v in (colour.redF(), colour.greenF(), colour.blueF()))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a: QColor, b: QColor) -> float:
    return float(sum((p - q) ** 2 for p, q in zip(lab(a), lab(b), strict=True)) ** 0.5)


def chart_problems(panel: HealthPanel) -> list[str]:
    """What on the chart does not stand out from the chart's background, as sentences."""
    widget = panel.plot_widget
    background = widget.backgroundBrush().color()
    dark = is_dark(panel)
    low = []
    if (background.lightness() < 128) != dark:
        low.append(f"background {background.name()} on the {'dark' if dark else 'light'} palette")
    painted = widget.grab().toImage().pixelColor(2, 2)  # a corner: the background, as drawn
    if contrast(painted, background) > 1.05:
        low.append(f"painted {painted.name()}, not {background.name()}")
    plot = widget.getPlotItem()
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        colours = {"line": axis.pen().color(), "tick labels": axis.textPen().color()}
        if axis.labelText:
            colours["title"] = QColor(axis.labelStyle.get("color", "#000000"))
        for what, colour in colours.items():
            need = NON_TEXT if what == "line" else AA
            if contrast(colour, background) < need:
                low.append(f"{name} axis {what}: {contrast(colour, background):.1f}:1")
    series = [pg.mkBrush(bar.opts["brush"]).color() for bar in panel.bars]
    keys = panel.legend.findChildren(QLabel)  # in the order the bars stack
    names = [key.accessibleName() for key in keys]
    for name, colour in zip(names, series, strict=True):
        ratio = contrast(colour, background)
        if ratio < NON_TEXT:
            low.append(f"{name} {colour.name()}: {ratio:.1f}:1 on {background.name()}")
    for (a, ca), (b, cb) in itertools.combinations(zip(names, series, strict=True), 2):
        if delta_e(ca, cb) < FAR_APART:
            low.append(f"{a} and {b} look alike: ΔE {delta_e(ca, cb):.0f}")
    # the legend names each series beside its swatch, in the series' colour, on the window
    for key, name, colour in zip(keys, names, series, strict=True):
        assert key.isVisible(), name
        assert name in key.text()
        swatch = re.search(r"color:\s*(#[0-9a-fA-F]{6})", key.text())
        assert swatch is not None, key.text()
        if QColor(swatch.group(1)) != colour:
            low.append(f"legend of {name}: {swatch.group(1)}, the bars {colour.name()}")
        elif contrast(colour, behind(key)) < NON_TEXT:
            low.append(f"legend of {name}: {contrast(colour, behind(key)):.1f}:1 on the window")
    return low


def disc_colours(icon: QIcon, mode: QIcon.Mode) -> tuple[QColor, QColor]:
    """An icon's disc (its most common opaque colour) and the pixel that stands out most on it."""
    image = icon.pixmap(16, 16, mode).toImage()
    opaque = [
        image.pixelColor(x, y)
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() == 255
    ]
    assert opaque, "the icon draws nothing"
    counts: dict[int, int] = {}
    for c in opaque:
        counts[c.rgb()] = counts.get(c.rgb(), 0) + 1
    disc = QColor.fromRgb(max(counts, key=lambda k: counts[k]))
    glyph = max(opaque, key=lambda c: contrast(c, disc))
    return disc, glyph


def icon_problems(where: str, icons: dict[str, QIcon | None], table: QWidget) -> list[str]:
    palette = table.palette()
    backgrounds = [
        palette.color(r) for r in (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase)
    ]
    low = []
    for phase, icon in icons.items():
        assert icon is not None, (where, phase)
        # on a selected row too (found under Xvfb: the style tinted it grey there)
        selected = disc_colours(icon, QIcon.Mode.Selected)
        disc, glyph = disc_colours(icon, QIcon.Mode.Normal)
        if selected != (disc, glyph):
            low.append(f"{where} {phase}: {selected[0].name()} on a selected row")
        for bg in backgrounds:
            if contrast(disc, bg) < NON_TEXT:
                low.append(
                    f"{where} {phase} {disc.name()}: {contrast(disc, bg):.1f}:1 on {bg.name()}"
                )
        if contrast(glyph, disc) < NON_TEXT:
            low.append(f"{where} {phase} glyph: {contrast(glyph, disc):.1f}:1 on its disc")
    return low


def logs_icon(model: Any, row: int) -> QIcon | None:
    icon = model.data(model.index(row, LogColumn.STATE), Qt.ItemDataRole.DecorationRole)
    return icon if isinstance(icon, QIcon) else None


def placeholder_problems(root: QWidget) -> list[str]:
    """Each visible field's placeholder under 4.5:1 on the field."""
    low = []
    for edit in root.findChildren(QLineEdit):
        if not (edit.isVisible() and edit.isEnabled() and edit.placeholderText()):
            continue
        palette = edit.palette()
        base = palette.color(QPalette.ColorRole.Base)
        shown = over(palette.color(QPalette.ColorRole.PlaceholderText), base)
        if contrast(shown, base) < AA:
            low.append(f"“{edit.placeholderText()}”: {contrast(shown, base):.1f}:1")
    return low


def test_chart_discs_and_placeholders_stand_out_on_both_palettes_and_follow_a_switch(
    qtbot: Any,
    world: World,
    dark_action: QAction,  # noqa: F811 - the fixture
) -> None:
    desk, window = world.desk, world.desk.window
    window.resize(1280, 800)
    with qtbot.waitSignal(world.profiles.demo_ready, timeout=60_000):
        world.profiles.start(demo=True)
    webhooks, logs = desk.webhooks, desk.logs
    qtbot.waitUntil(lambda: bool(webhooks.health.health), timeout=60_000)
    qtbot.waitUntil(lambda: logs.model.rowCount() > 3, timeout=WAIT_MS)
    window.tabs.setCurrentWidget(webhooks.view)
    panel = webhooks.view.health_panel
    health = webhooks.health.health or {}
    hooks = webhooks.model.webhooks()

    def deliveries(row: int) -> int:
        hook_id = hooks[row].id
        known = health.get(hook_id) if hook_id is not None else None
        return known.deliveries if known is not None else 0

    busiest_hook = max(range(len(hooks)), key=deliveries)
    assert deliveries(busiest_hook) > 0
    with qtbot.waitSignal(webhooks.health.panel_updated, timeout=WAIT_MS):
        assert webhooks.view.select_row(busiest_hook)
    qtbot.waitUntil(lambda: panel.plot_widget.isVisible() and not panel.dirty, timeout=5_000)
    assert not is_dark(window)

    # colour is not the only way in: the hour under the pointer, in words
    heights = [list(bar.opts["height"]) for bar in panel.bars]
    totals = [sum(column) for column in zip(*heights, strict=True)]
    busiest = max(range(len(totals)), key=totals.__getitem__)
    assert totals[busiest] > 0
    x = float(panel.bars[0].opts["x"][busiest])
    view_box = panel.plot_widget.getPlotItem().getViewBox()
    point = panel.plot_widget.mapFromScene(view_box.mapViewToScene(QPointF(x, 0.5)))
    qtbot.mouseMove(panel.plot_widget.viewport(), point)
    figures = [int(column[busiest]) for column in heights]
    qtbot.waitUntil(lambda: "failed for good" in panel.readout.text(), timeout=5_000)
    assert panel.readout.text().endswith(
        f"{figures[0]:,} delivered first time, {figures[1]:,} after retries, "
        f"{figures[2]:,} retrying, {figures[3]:,} failed for good."
    )

    health_states = ("healthy", "degraded", "failing", "idle")
    phases = ("delivered", "retrying", "failed", "pending")
    for palette in ("light", "dark", "light again"):
        if palette != "light":
            switch_palette(qtbot, dark_action, window)  # while the chart is shown
        assert is_dark(panel) == (palette == "dark")
        assert chart_problems(panel) == [], palette
        assert unreadable(panel) == [], palette  # the chart's title, figures, legend names
        icons = {s: webhooks.model.icon_of(s) for s in health_states}
        assert icon_problems("Webhooks", icons, webhooks.view.table) == [], palette

        window.tabs.setCurrentWidget(logs.view)
        qtbot.waitUntil(logs.view.table.isVisible, timeout=5_000)
        model = logs.model
        # the discs the rows show, and those of the phases the demo has none of just now
        rows = range(model.rowCount())
        icons = {model.state_at(r).phase.value: logs_icon(model, r) for r in rows}
        icons |= {p: model.icon_of(p) for p in phases if p not in icons}
        assert icon_problems("Logs", icons, logs.view.table) == [], palette
        assert placeholder_problems(window) == [], palette
        window.tabs.setCurrentWidget(webhooks.view)
        qtbot.waitUntil(panel.isVisible, timeout=5_000)
