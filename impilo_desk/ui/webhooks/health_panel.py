"""The selected webhook's health: Impilo's outcomes per hour (a chart), apart its manual resends.

Beside the stacked bar chart: Impilo's top failure statuses, and the manual resends of the same
period, apart. The chart and its figures are Impilo's own deliveries only; manual resends never
enter them.

The bars are four persistent ``BarGraphItem``s that only get new heights. A change marks the
panel dirty; a single-shot timer (at most 30 Hz) redraws once for any number of changes.
Times follow the window's one rule (``TimeDisplay``), the chart's time axis too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from impilo_desk.services.delivery_health import FailureStatus, HourOutcomes
from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.ui.kit.palette import follow_palette
from impilo_desk.ui.webhooks import health_colours
from impilo_desk.ui.webhooks.health_words import (
    POINT_AT,
    axis_offset,
    hour_words,
    manual_text,
    span_words,
    state_line,
)

if TYPE_CHECKING:
    from impilo_desk.services.delivery_health import WebhookHealth
    from impilo_desk.services.manual_resends import ManualResends

REDRAW_MS = 34  # at most ~30 redraws a second

NOTHING_SELECTED = "Select a webhook to see its deliveries per hour."
MANUAL_APART = (
    "Counted apart: not in the chart, its figures or Impilo's state. A resend that succeeds "
    "does not make a failing webhook healthy."
)
SIDE_WIDTH = 300


def style_plot(widget: pg.PlotWidget, dark: bool) -> None:
    """The chart's background, and its axes, ticks and labels in a colour that reads on it."""
    widget.setBackground(health_colours.background(dark))
    colour = health_colours.text(dark)
    plot = widget.getPlotItem()
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(colour))
        axis.setTextPen(pg.mkPen(colour))  # the axis's label too


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


class HealthPanel(QWidget):
    """Impilo's outcomes per hour of one webhook (24 h or 7 days), and apart its manual resends.

    Beside the chart: Impilo's top failure statuses, then the manual resends of the same span.

    Signals:
        span_changed(int): The user chose 1 (24 h) or 7 (days).
        redrawn(): The chart was redrawn.

    Args:
        times: How times are written (the window's one rule; default local time).
        parent: Parent widget.
    """

    span_changed = Signal(int)
    redrawn = Signal()

    def __init__(self, times: TimeDisplay | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Webhook health")
        self.times = times or TimeDisplay()
        self.title = QLabel(NOTHING_SELECTED, self)
        self.title.setAccessibleName("Health of the selected webhook")
        self.title.setWordWrap(True)
        self.title.setFont(_bold(self.title))
        self.day = QRadioButton("24 h", self)
        self.week = QRadioButton("7 days", self)
        self.day.setChecked(True)
        self.day.setAccessibleName("Chart the last 24 hours")
        self.week.setAccessibleName("Chart the last 7 days")
        group = QButtonGroup(self)
        group.addButton(self.day, 1)
        group.addButton(self.week, 7)
        group.idClicked.connect(self.span_changed.emit)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.day)
        top.addWidget(self.week)

        self.axis = pg.DateAxisItem(utcOffset=axis_offset(self.times))
        self.plot_widget = pg.PlotWidget(self, axisItems={"bottom": self.axis})
        self.plot_widget.setAccessibleName("Impilo's deliveries per hour")
        self.plot_widget.setMinimumHeight(160)
        self.plot_widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        plot = self.plot_widget.getPlotItem()
        adopt_menus(self, plot)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setLabel("left", "deliveries")
        self.bars: list[pg.BarGraphItem] = []
        self.keys: list[QLabel] = []  # the legend's entries, in the order the bars stack
        # the legend is a row of labels above the chart: inside it, it would hide the bars
        self.legend = QWidget(self)
        self.legend.setAccessibleName("Chart legend")
        legend = QHBoxLayout(self.legend)
        legend.setContentsMargins(0, 0, 0, 0)
        for name, _colours in health_colours.SERIES:
            bar = pg.BarGraphItem(x=[], height=[], width=1)
            plot.addItem(bar)
            self.bars.append(bar)
            key = QLabel("", self.legend)
            key.setAccessibleName(name)
            legend.addWidget(key)
            legend.addSpacing(12)
            self.keys.append(key)
        legend.addStretch(1)
        # the hour under the pointer in words: the bars' colours are never the only way in
        self.readout = QLabel(POINT_AT, self)
        self.readout.setAccessibleName("The hour under the pointer")
        plot.scene().sigMouseMoved.connect(self._pointed)
        follow_palette(self, self._restyle)  # white on the dark palette was a glaring box

        self.summary = QLabel("", self)
        self.summary.setAccessibleName("Impilo's deliveries summary")
        self.summary.setWordWrap(True)
        self.state_line = QLabel("", self)
        self.state_line.setAccessibleName("Impilo's state and the manual resends")
        self.state_line.setWordWrap(True)
        self.state_line.setFont(_bold(self.state_line))
        self.failures_title = QLabel("Top failure statuses", self)
        self.failures_title.setFont(_bold(self.failures_title))
        self.failures = QLabel("—", self)
        self.failures.setAccessibleName("Top failure statuses")
        self.manual_title = QLabel("Manual resends", self)
        self.manual_title.setFont(_bold(self.manual_title))
        self.manual = QLabel("", self)
        self.manual.setAccessibleName("Manual resends of the selected webhook")
        self.manual_note = QLabel(MANUAL_APART, self)
        self.manual_note.setAccessibleName("Manual resends are counted apart")
        note_font = self.manual_note.font()
        note_font.setItalic(True)
        self.manual_note.setFont(note_font)
        side = QVBoxLayout()
        side.setContentsMargins(8, 0, 0, 0)
        for label in (self.failures, self.manual, self.manual_note):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        side.addWidget(self.failures_title)
        side.addWidget(self.failures)
        side.addSpacing(10)
        side.addWidget(self.manual_title)
        side.addWidget(self.manual)
        side.addWidget(self.manual_note)
        side.addStretch(1)
        self.side = QWidget(self)
        self.side.setLayout(side)
        self.side.setFixedWidth(SIDE_WIDTH)  # wrapped text needs a width; the chart takes the rest

        chart = QVBoxLayout()
        chart.setSpacing(2)
        chart.addWidget(self.legend)
        chart.addWidget(self.plot_widget, 1)
        chart.addWidget(self.readout)
        body = QHBoxLayout()
        body.addLayout(chart, 1)
        body.addWidget(self.side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.state_line)

        self._hours: Sequence[HourOutcomes] = ()
        self._shown: _Shown | None = None
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setObjectName("webhook-health-redraw")
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self.redraws = 0
        self.times.listen(self._times_changed)
        self.clear()  # no webhook yet: no empty chart with a meaningless axis (seen at start)

    @property
    def span_days(self) -> int:
        """1 (24 h) or 7."""
        return 7 if self.week.isChecked() else 1

    @property
    def dirty(self) -> bool:
        """Whether a redraw is due."""
        return self._dirty

    def show_outcomes(
        self,
        hook: str,
        now: datetime,
        hours: Sequence[HourOutcomes],
        failures: Sequence[FailureStatus],
        *,
        health: WebhookHealth | None = None,
        manual: ManualResends | None = None,
        manual_known: bool = False,
    ) -> None:
        """Takes new figures; the chart redraws on the next tick of its timer.

        Args:
            hook: The webhook, in a few words (``#14 reading.temperature``).
            now: The time the figures were taken.
            hours: Impilo's outcomes per hour.
            failures: Impilo's top failure statuses.
            health: Impilo's state of the webhook (24 h), if known.
            manual: The webhook's manual resends over the span (None: none).
            manual_known: Whether the session keeps a record of manual resends at all.
        """
        self._shown = _Shown(hook, now, self.span_days, failures, health, manual, manual_known)
        for widget in (self.plot_widget, self.legend, self.readout, self.side):
            widget.show()
        self.manual_note.setVisible(manual_known)  # nothing to keep apart without a record
        self._hours = hours
        totals = [sum(getattr(h, f) for h in hours) for f in _FIELDS]
        self.summary.setText(
            f"Impilo, last {span_words(self.span_days)}: {totals[0]:,} delivered first time, "
            f"{totals[1]:,} after retries, {totals[2]:,} retrying, {totals[3]:,} failed for good."
        )
        self._write_times()
        self._mark_dirty()

    def clear(self, text: str = NOTHING_SELECTED) -> None:
        """Shows no webhook."""
        self._shown = None
        self.title.setText(text)
        for widget in (self.plot_widget, self.legend, self.readout, self.side):
            widget.hide()  # an empty chart would show a meaningless time axis
        self._hours = ()
        self.failures.setText("—")
        self.manual.setText("")
        self.summary.setText("")
        self.state_line.setText("")
        self._mark_dirty()

    def _write_times(self) -> None:
        """The texts that hold times or the manual figures, by the current rule."""
        shown = self._shown
        if shown is None:
            return
        times, now = self.times, shown.now
        self.title.setText(
            f"Impilo's deliveries per hour: {shown.hook} (until {times.moment(now, now)})"
        )
        lines = [f.describe(times, now) for f in shown.failures]
        self.failures.setText("\n".join(lines) if lines else "No failures in this period.")
        span = span_words(shown.span_days)
        self.manual_title.setText(f"Manual resends, last {span}")
        self.manual.setText(manual_text(shown.manual, shown.manual_known, times, now))
        self.state_line.setText(state_line(shown.health, shown.manual, shown.manual_known, span))

    def _restyle(self, dark: bool) -> None:
        """Colours the chart and its legend for the light or dark palette."""
        style_plot(self.plot_widget, dark)
        # outlined in the background: touching segments of a stack stay apart whatever their
        # colours (an outline in the series' colour drew a line of an empty series on every bar)
        outline = pg.mkPen(health_colours.background(dark), width=1)
        colours = health_colours.series(dark)
        for bar, key, colour, (name, _pair) in zip(
            self.bars, self.keys, colours, health_colours.SERIES, strict=True
        ):
            bar.setOpts(brush=pg.mkBrush(colour), pen=outline)
            key.setText(f'<span style="color: {colour};">■</span> {name}')

    def _pointed(self, scene_pos: QPointF) -> None:
        """The pointer moved over the chart: its hour's figures, in words."""
        shown = self._shown
        x = self.plot_widget.getPlotItem().getViewBox().mapSceneToView(scene_pos).x()
        words = hour_words(self._hours, x, self.times, shown.now) if shown else POINT_AT
        self.readout.setText(words)

    def _times_changed(self) -> None:
        self.axis.utcOffset = axis_offset(self.times)
        self.axis.picture = None  # the tick labels are cached in a picture: draw them anew
        self.axis.update()
        self._write_times()

    def _mark_dirty(self) -> None:
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def redraw(self) -> None:
        """Redraws the bars if something changed since the last redraw."""
        if not self._dirty:
            return
        self._dirty = False
        hours = self._hours
        x = np.array([h.start.replace(tzinfo=UTC).timestamp() + 1800 for h in hours])
        base = np.zeros(len(hours))
        for bar, field in zip(self.bars, _FIELDS, strict=True):
            heights = np.array([getattr(h, field) for h in hours], dtype=float)
            bar.setOpts(x=x, height=heights, y0=base.copy(), width=3600 * 0.8)
            base += heights
        plot = self.plot_widget.getPlotItem()
        if len(hours):
            top = float(base.max()) if base.size else 0.0
            plot.setXRange(x[0] - 1800, x[-1] + 1800, padding=0.01)
            plot.setYRange(0, max(1.0, top * 1.1), padding=0)
        self.redraws += 1
        self.redrawn.emit()


_FIELDS = ("first_time", "after_retries", "retrying", "failed")


@dataclass(frozen=True)
class _Shown:
    """What the panel shows, kept to write it again when the time rule changes."""

    hook: str
    now: datetime
    span_days: int
    failures: Sequence[FailureStatus]
    health: WebhookHealth | None
    manual: ManualResends | None
    manual_known: bool


def _bold(label: QLabel) -> QFont:
    font = label.font()
    font.setBold(True)
    return font
