"""The selected webhook's health: outcomes per hour (a stacked bar chart) and its top failures.

The bars are four persistent ``BarGraphItem``s that only get new heights. A change marks the
panel dirty; a single-shot timer (at most 30 Hz) redraws once for any number of changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
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

REDRAW_MS = 34  # at most ~30 redraws a second
# (name, colour): blue and orange for the two successes, hatched-like dark colours for failures;
# the legend names every series, so colour is never the only cue
SERIES = (
    ("Delivered first time", "#2c7fb8"),
    ("Delivered after retries", "#7fcdbb"),
    ("Retrying", "#fdae61"),
    ("Failed for good", "#b2182b"),
)


def style_plot(plot: pg.PlotItem) -> None:
    """Dark axes on the white background (as the Readings charts; no tab imports another)."""
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen("#333333"))
        axis.setTextPen(pg.mkPen("#333333"))


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
    """Outcomes per hour of one webhook (24 h or 7 days) and its top failure statuses.

    Signals:
        span_changed(int): The user chose 1 (24 h) or 7 (days).
        redrawn(): The chart was redrawn.
    """

    span_changed = Signal(int)
    redrawn = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Webhook health")
        self.title = QLabel("Select a webhook to see its deliveries per hour.", self)
        self.title.setAccessibleName("Health of the selected webhook")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
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

        self.plot_widget = pg.PlotWidget(
            self, background="w", axisItems={"bottom": pg.DateAxisItem()}
        )
        self.plot_widget.setAccessibleName("Deliveries per hour")
        self.plot_widget.setMinimumHeight(180)
        self.plot_widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        plot = self.plot_widget.getPlotItem()
        style_plot(plot)
        adopt_menus(self, plot)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setLabel("left", "deliveries")
        legend = plot.addLegend(offset=(8, 4), colCount=2, labelTextColor="#222222")
        self.bars: list[pg.BarGraphItem] = []
        for name, color in SERIES:
            # no outline: an empty series would draw a thin line of its colour on every bar
            bar = pg.BarGraphItem(x=[], height=[], width=1, brush=color, pen=pg.mkPen(None))
            plot.addItem(bar)
            legend.addItem(bar, name)
            self.bars.append(bar)

        self.summary = QLabel("", self)
        self.summary.setAccessibleName("Deliveries summary")
        self.summary.setWordWrap(True)
        self.failures_title = QLabel("Top failure statuses", self)
        self.failures = QLabel("—", self)
        self.failures.setAccessibleName("Top failure statuses")
        self.failures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.failures.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.failures.setMinimumWidth(220)
        side = QVBoxLayout()
        side.addWidget(self.failures_title)
        side.addWidget(self.failures, 1)

        body = QHBoxLayout()
        body.addWidget(self.plot_widget, 1)
        body.addLayout(side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addWidget(self.summary)

        self._hours: Sequence[HourOutcomes] = ()
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setObjectName("webhook-health-redraw")
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self.redraws = 0

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
        heading: str,
        hours: Sequence[HourOutcomes],
        failures: Sequence[FailureStatus],
    ) -> None:
        """Takes new figures; the chart redraws on the next tick of its timer."""
        self.title.setText(heading)
        for widget in (self.plot_widget, self.failures_title, self.failures):
            widget.show()
        self._hours = hours
        lines = [f.describe() for f in failures]
        self.failures.setText("\n".join(lines) if lines else "No failures in this period.")
        totals = [sum(getattr(h, f) for h in hours) for f in _FIELDS]
        span = "7 days" if self.span_days == 7 else "24 h"
        self.summary.setText(
            f"Last {span}: {totals[0]:,} delivered first time, {totals[1]:,} after retries, "
            f"{totals[2]:,} retrying, {totals[3]:,} failed for good."
        )
        self._mark_dirty()

    def clear(self, text: str = "Select a webhook to see its deliveries per hour.") -> None:
        """Shows no webhook."""
        self.title.setText(text)
        for widget in (self.plot_widget, self.failures_title, self.failures):
            widget.hide()  # an empty chart would show a meaningless time axis
        self._hours = ()
        self.failures.setText("—")
        self.summary.setText("")
        self._mark_dirty()

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


def hours_heading(hook: str, now: datetime) -> str:
    """The chart's heading for a webhook."""
    return f"Deliveries per hour: {hook} (until {now.astimezone():%H:%M})"
