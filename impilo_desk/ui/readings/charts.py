"""Time charts of readings (pyqtgraph): persistent curves, a crosshair, markers, PNG export.

Curves are created once and only get new arrays (``setData``) when their data changed. Every
curve clips to the visible range and downsamples by peaks, so a million points redraw as fast
as a thousand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from pyqtgraph import exporters
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget, QWidgetAction

from impilo_desk.services.reading_series import (
    AFTER_MEAL,
    BEFORE_MEAL,
    Column,
    Snapshot,
    format_value,
    meal_text,
)
from impilo_desk.services.series import FloatArray
from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.ui.kit.palette import is_dark, status_colour
from impilo_desk.ui.readings.time_axis import TimeAxis

# curves: no red or grey, which the markers use; each at least 3:1 on its background
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf")
DARK_PALETTE = ("#6cb4ee", "#ffa64d", "#5fd35f", "#c3a6e8", "#d7a98c", "#4fd8e8")
FAILED_PEN = ("#d62728", Qt.PenStyle.DashLine)  # dashed: the line style says it, not only red
GAP_PEN = ("#555555", Qt.PenStyle.DotLine)
DARK_GAP_COLOR = "#b0b0b0"
AXIS_COLOR = "#333333"
DARK_AXIS_COLOR = "#e8eaed"
DARK_BACKGROUND = "#17181a"
MAX_MARKERS = 300  # lines, per kind; more would be noise on a time axis


def chart_colours(dark: bool) -> tuple[str, str]:
    """The background and the axis/text colour of a chart, light or dark."""
    return (DARK_BACKGROUND, DARK_AXIS_COLOR) if dark else ("w", AXIS_COLOR)


def style_plot(plot: pg.PlotItem, dark: bool = False) -> None:
    """Axes in the text colour of the light (white) or dark background."""
    axis_colour = chart_colours(dark)[1]
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(axis_colour))
        axis.setTextPen(pg.mkPen(axis_colour))
    plot.showGrid(x=False, y=False)


def follow_palette(owner: QWidget, widget: pg.PlotWidget, restyle: Callable[[bool], None]) -> None:
    """Restyles a chart (``restyle(dark)``) now and whenever ``owner``'s palette changes."""

    class Watch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
            if event.type() == QEvent.Type.PaletteChange:
                dark = is_dark(owner)
                widget.setBackground(chart_colours(dark)[0])
                restyle(dark)
            return False

    watch = Watch(owner)
    owner.installEventFilter(watch)
    dark = is_dark(owner)
    widget.setBackground(chart_colours(dark)[0])
    restyle(dark)


def adopt_menus(owner: QWidget, plot: pg.PlotItem) -> None:
    """Gives pyqtgraph's parentless context menus a parent, so they die with the chart."""
    for menu in (plot.ctrlMenu, plot.getViewBox().menu):
        if menu is None:
            continue
        menu.setParent(owner, menu.windowFlags())
        for action in menu.findChildren(QWidgetAction):
            widget = action.defaultWidget()
            if widget is not None and widget.parent() is None:
                widget.setParent(menu, widget.windowFlags())


def marker_pen(pen: tuple[str, Qt.PenStyle]) -> Any:
    """The pen of a marker line (failed delivery, relay gap): its colour and dash style."""
    color, style = pen
    return pg.mkPen(color, width=1.5, style=style)


def fast_curve(plot: pg.PlotItem, color: str, name: str | None, width: float = 1) -> Any:
    """A persistent curve that clips to the view and downsamples by peaks."""
    curve = plot.plot([], [], pen=pg.mkPen(color, width=width), name=name, connect="finite")
    curve.setClipToView(True)
    curve.setDownsampling(auto=True, method="peak")
    return curve


class ChartPanel(QWidget):
    """One reading kind's values against time, with a crosshair readout, legend and markers.

    Signals:
        panned(): The user panned or zoomed the chart (the tab stops following live data).

    Args:
        title: The chart's title.
        columns: The charted values (one curve each).
        meal_markers: Also mark before-meal and after-meal readings (glucose).
        parent: Parent widget.
        times: How the readout writes a reading's time.
    """

    panned = Signal()

    def __init__(
        self,
        title: str,
        columns: Sequence[Column],
        meal_markers: bool = False,
        parent: QWidget | None = None,
        times: TimeDisplay | None = None,
    ) -> None:
        super().__init__(parent)
        self.times = times or TimeDisplay()
        self.readout = QLabel("Point at the chart to read its values.", self)
        self.readout.setAccessibleName(f"{title} values under the cursor")
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.widget = pg.PlotWidget(background="w", axisItems={"bottom": TimeAxis(self.times)})
        self.widget.setAccessibleName(f"{title} chart")
        self.plot: pg.PlotItem = self.widget.getPlotItem()
        adopt_menus(self, self.plot)
        style_plot(self.plot)
        self._title = title
        self.plot.setTitle(title, color=AXIS_COLOR, size="11pt")
        # under the chart, in one row: a legend inside the plot would cover the newest values
        self.legend = pg.LegendItem(colCount=8, labelTextColor=AXIS_COLOR, frame=False)
        self.plot.layout.addItem(self.legend, 4, 1)
        self.plot.legend = self.legend  # curves with a name join it
        self.columns = list(columns)
        self.curves = {
            c.name: fast_curve(self.plot, PALETTE[i % len(PALETTE)], c.title)
            for i, c in enumerate(self.columns)
        }
        self.meal_items: dict[float, Any] = {}
        if meal_markers:
            meals = ((BEFORE_MEAL, "t1", "#2ca02c"), (AFTER_MEAL, "t", "#9467bd"))
            for value, symbol, color in meals:
                item = pg.ScatterPlotItem(
                    [], [], symbol=symbol, size=11, brush=pg.mkBrush(color), pen=None,
                    name=meal_text(value),
                )  # fmt: skip
                self.plot.addItem(item)  # named: it joins the legend
                self.meal_items[value] = item
        for pen, label in ((FAILED_PEN, "failed delivery"), (GAP_PEN, "relay gap")):
            self.legend.addItem(pg.PlotDataItem([], [], pen=marker_pen(pen)), label)
        self._markers: list[pg.InfiniteLine] = []
        self._marker_key: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())
        self._gap_pen = GAP_PEN
        self.snapshot: Snapshot | None = None
        self.crosshair = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888888"))
        self.crosshair.setVisible(False)
        self.plot.addItem(self.crosshair, ignoreBounds=True)
        view_box = self.plot.getViewBox()
        view_box.setMouseEnabled(x=True, y=False)
        self.plot.setAutoVisible(y=True)
        view_box.sigRangeChangedManually.connect(lambda *_: self.panned.emit())
        self.widget.scene().sigMouseMoved.connect(self._mouse_moved)
        follow_palette(self, self.widget, self._restyle)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.readout)
        layout.addWidget(self.widget, 1)

    def _restyle(self, dark: bool) -> None:
        """Axes, title, legend, curves and gap markers in the colours of the background."""
        axis_colour = chart_colours(dark)[1]
        style_plot(self.plot, dark)
        self.plot.setTitle(self._title, color=axis_colour, size="11pt")
        self.legend.setLabelTextColor(axis_colour)
        for _sample, label in self.legend.items:  # the labels already there keep their colour
            label.setText(label.text, color=axis_colour)
        colours = DARK_PALETTE if dark else PALETTE
        for i, curve in enumerate(self.curves.values()):
            curve.setPen(pg.mkPen(colours[i % len(colours)]))
        self._gap_pen = (DARK_GAP_COLOR if dark else GAP_PEN[0], GAP_PEN[1])
        self._marker_key = ((), ())  # redrawn with the new pens at the next set_markers

    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Shows ``snapshot`` on the persistent curves (and its units in the legend)."""
        self.snapshot = snapshot
        for column in snapshot.columns:
            curve = self.curves[column.name]
            curve.setData(snapshot.t, snapshot.values[column.name], connect="finite")
            if curve.name() != column.title:  # the unit changed
                curve.opts["name"] = column.title
                label = self.legend.getLabel(curve)
                if label is not None:
                    label.setText(column.title)
        if self.meal_items and snapshot.meal is not None:
            main = snapshot.values[snapshot.columns[0].name]
            for value, item in self.meal_items.items():
                mask = snapshot.meal == value
                item.setData(snapshot.t[mask], main[mask])

    def set_unavailable(self, sentence: str | None) -> None:
        """Says in the chart that its data cannot be had from this server (None: it can)."""
        dark = is_dark(self)
        if sentence is None:
            self.plot.setTitle(self._title, color=chart_colours(dark)[1], size="11pt")
            self.readout.setText("Point at the chart to read its values.")
            return
        colour = status_colour("error", dark)
        self.plot.setTitle(f"{self._title}: not available", color=colour, size="11pt")
        self.readout.setText(sentence)

    def set_markers(self, failed: Sequence[float], gaps: Sequence[float]) -> None:
        """Vertical lines at failed deliveries and relay gaps (times in seconds)."""
        key = (tuple(sorted(failed))[-MAX_MARKERS:], tuple(sorted(gaps))[-MAX_MARKERS:])
        if key == self._marker_key:
            return
        self._marker_key = key
        for line in self._markers:
            self.plot.removeItem(line)
        self._markers = []
        for times, pen in ((key[0], FAILED_PEN), (key[1], self._gap_pen)):
            for t in times:
                line = pg.InfiniteLine(pos=t, angle=90, movable=False, pen=marker_pen(pen))
                self.plot.addItem(line, ignoreBounds=True)
                self._markers.append(line)

    @property
    def marker_count(self) -> int:
        """How many marker lines are shown."""
        return len(self._markers)

    def set_window(self, start: float | None, end: float | None) -> None:
        """Shows ``[start, end]`` (None: all the data)."""
        if start is None or end is None:
            self.plot.enableAutoRange(x=True)
        else:
            self.plot.setXRange(start, end, padding=0.01)
        self.plot.enableAutoRange(y=True)

    def readout_at(self, x: float) -> str:
        """The values of the reading nearest to time ``x``, as one line."""
        snap = self.snapshot
        i = None if snap is None else snap.nearest(x)
        if snap is None or i is None:
            return "No readings."
        parts = [self.times.moment(float(snap.t[i]))]
        for column in snap.columns:
            text = format_value(float(snap.values[column.name][i]), column.unit)
            if text:
                parts.append(f"{column.label} {text} {column.unit}".rstrip())
        if snap.meal is not None and meal_text(float(snap.meal[i])):
            parts.append(meal_text(float(snap.meal[i])))
        return "  ·  ".join(parts)

    def point_at(self, x: float) -> None:
        """Moves the crosshair to time ``x`` and shows the values there."""
        self.crosshair.setPos(x)
        self.crosshair.setVisible(True)
        self.readout.setText(self.readout_at(x))

    def export_png(self, path: Path, width: int = 1600) -> None:
        """Saves the chart (with legend and markers) as a PNG ``width`` pixels wide."""
        exporter = exporters.ImageExporter(self.plot)
        exporter.parameters()["width"] = int(width)
        exporter.export(str(path))

    def _mouse_moved(self, position: QPointF) -> None:
        view_box = self.plot.getViewBox()
        if not view_box.sceneBoundingRect().contains(position):
            self.crosshair.setVisible(False)
            return
        self.point_at(view_box.mapSceneToView(position).x())


class EcgWaveform(QWidget):
    """The latest ECG's waveform: µV against seconds from its first sample."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = pg.PlotWidget(background="w")
        self.widget.setAccessibleName("ECG waveform")
        self.plot: pg.PlotItem = self.widget.getPlotItem()
        adopt_menus(self, self.plot)
        self._title = "ECG: latest waveform"
        self.curve = fast_curve(self.plot, "#c0392b", None)
        self.plot.getViewBox().setMouseEnabled(x=True, y=False)
        self.plot.setAutoVisible(y=True)
        follow_palette(self, self.widget, self._restyle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget)

    def set_waveform(self, seconds: FloatArray, microvolts: FloatArray, title: str) -> None:
        """Shows one waveform."""
        self.curve.setData(seconds, microvolts)
        self.set_title(title)
        self.plot.enableAutoRange()

    def set_title(self, title: str) -> None:
        """The title above the strip (which reading it is, or why there is none)."""
        self._title = title
        self.plot.setTitle(title, color=chart_colours(is_dark(self))[1], size="11pt")

    def _restyle(self, dark: bool) -> None:
        colour = chart_colours(dark)[1]
        style_plot(self.plot, dark)
        self.plot.setLabel("left", "µV", color=colour)
        self.plot.setLabel("bottom", "seconds", color=colour)
        self.plot.setTitle(self._title, color=colour, size="11pt")
        self.curve.setPen(pg.mkPen("#ff6b5b" if dark else "#c0392b"))

    def export_png(self, path: Path, width: int = 1600) -> None:
        """Saves the waveform as a PNG."""
        exporter = exporters.ImageExporter(self.plot)
        exporter.parameters()["width"] = int(width)
        exporter.export(str(path))
