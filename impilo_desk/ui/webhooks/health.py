"""Runs the session's log mirror and shows what it knows on the Webhooks tab.

The sync runs as a task of the session (cancelled on profile switch or quit); its status goes
to the tab's sync line; after each sync the health of every listed webhook is computed in a
worker thread and shown in the table, and the selected webhook's chart is refreshed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from impilo_desk.services.delivery_alerts import FailingWatch, failing_line
from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.webhooks.health_panel import hours_heading
from impilo_desk.ui.webhooks.model import WebhooksModel
from impilo_desk.ui.webhooks.view import WebhooksTab

if TYPE_CHECKING:
    from impilo_desk.services.delivery_health import WebhookHealth
    from impilo_desk.services.log_mirror import LogMirror, SyncStatus

TICK_MS = 5000  # the sync line's "synced 12 s ago" is rewritten this often


class HealthWatch(QObject):
    """The Webhooks tab's view of the log mirror: sync line, health columns, chart.

    Signals:
        status_changed(object): The mirror reported a new ``SyncStatus``.
        health_updated(): The table's health figures were recomputed.
        panel_updated(): The chart and failure list show the selected webhook's figures.
        failing_changed(str): The status bar's line about failing webhooks ("" when none).
    """

    status_changed = Signal(object)
    health_updated = Signal()
    panel_updated = Signal()
    failing_changed = Signal(str)

    def __init__(
        self,
        view: WebhooksTab,
        model: WebhooksModel,
        tasks: TaskOwner,
        clock: Callable[[], datetime],
        alerts: FailingWatch,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.alerts = alerts
        self._view = view
        self._model = model
        self._tasks = tasks
        self._clock = clock
        self._mirror: LogMirror | None = None
        self._run: asyncio.Task[None] | None = None
        self._stop_listening: Callable[[], None] | None = None
        self._computing = False
        self._again = False
        self.health: dict[int, WebhookHealth] | None = None
        self._tick = QTimer(self)
        self._tick.setObjectName("webhook-sync-line")
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._show_line)
        view.stop_sync_action.triggered.connect(self.stop_sync)
        view.health_panel.span_changed.connect(lambda _days: self.update_panel())
        view.selection_changed.connect(self.update_panel)
        model.modelReset.connect(self.recompute)

    def bind(self, mirror: LogMirror | None, tasks: TaskOwner, alerts: bool = True) -> None:
        """Follows a session's mirror (None: none), running its sync as a task of ``tasks``.

        ``alerts`` is the profile's setting: whether a webhook turning failing is announced.
        """
        self.alerts.reset()
        self.alerts.enabled = alerts
        self._show_failing({})
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        self._tasks = tasks
        self._mirror = mirror
        self._run = None
        self.health = None
        self._model.set_health(None)
        self._view.health_panel.clear()
        if mirror is None:
            self._tick.stop()
            self._view.sync_label.setText("No local copy of the delivery log for this profile.")
            self._view.stop_sync_action.setEnabled(False)
            self._view.sync_progress.hide()
            return
        self._stop_listening = mirror.listen(self._on_status)
        self._start_run()
        self._tick.start()
        self._show_line()

    def refresh(self) -> None:
        """Syncs now (F5): restarts a stopped sync, or wakes the running one."""
        if self._mirror is None:
            return
        if self._run is None or self._run.done():
            self._start_run()
        else:
            self._mirror.sync_now()

    def stop_sync(self) -> None:
        """Stops the sync under way; what it got stays. F5 starts it again."""
        if self._run is not None and not self._run.done():
            self._run.cancel()

    def window_closing(self) -> None:
        """Stops the sync line's timer."""
        self._tick.stop()

    def _start_run(self) -> None:
        mirror = self._mirror
        if mirror is None or self._tasks.closed:
            return
        self._run = self._tasks.spawn(mirror.run(), name="log-mirror")
        self._view.stop_sync_action.setEnabled(True)

    def _on_status(self, status: SyncStatus) -> None:
        if not alive(self._view):
            return
        self._show_line()
        view = self._view
        first = status.phase == "first-sync"
        view.sync_progress.setVisible(first)
        if first:
            view.sync_progress.setMaximum(max(status.total or 0, status.rows, 1))
            view.sync_progress.setValue(status.rows)
        view.stop_sync_action.setEnabled(status.phase in ("first-sync", "syncing", "waiting"))
        if status.phase == "synced":
            self.recompute()
        self.status_changed.emit(status)

    def _show_line(self) -> None:
        if self._mirror is None or not alive(self._view):
            return
        status = self._mirror.status
        self._view.show_sync_line(status.describe(self._clock()), failed=status.phase == "failed")

    # -- health ----------------------------------------------------------------------------

    def recompute(self) -> None:
        """Recomputes the health of every listed webhook (in a worker thread)."""
        if self._mirror is None or self._tasks.closed:
            return
        if self._computing:
            self._again = True
            return
        self._computing = True
        self._tasks.spawn(self._recompute(self._mirror), name="webhook-health")

    async def _recompute(self, mirror: LogMirror) -> None:
        from impilo_desk.services.delivery_health import DAY, compute_health

        try:
            while True:
                self._again = False
                now = self._clock()
                ids = [h.id for h in self._model.webhooks() if h.id is not None]
                if not mirror.covers(now - DAY):
                    health = None  # a first sync under way: figures would be partial
                else:
                    health = await asyncio.to_thread(compute_health, mirror.store, now, ids)
                if mirror is not self._mirror or not alive(self._view):
                    return
                self.health = health
                self._model.set_health(health)
                if health is not None:
                    names = {h.id: h.type for h in self._model.webhooks() if h.id is not None}
                    self.alerts.observe(health, names)
                    self._show_failing(health)
                self.health_updated.emit()
                self.update_panel()
                if not self._again:
                    return
        finally:
            self._computing = False

    def _show_failing(self, health: dict[int, WebhookHealth]) -> None:
        names = {h.id: h.type for h in self._model.webhooks() if h.id is not None}
        failing = sum(1 for h in health.values() if h.state.value == "failing")
        if alive(self._view):
            self._view.show_badge(f"{failing} failing" if failing else "")
        self.failing_changed.emit(failing_line(health, names))

    def update_panel(self) -> None:
        """Shows the selected webhook's outcomes per hour and top failures."""
        mirror = self._mirror
        hook = self._model.webhook_at(self._view.selected_row())
        if mirror is None or self._tasks.closed:
            return
        if hook is None or hook.id is None:
            self._view.health_panel.clear()
            return
        self._tasks.spawn(self._panel(mirror, hook.id, hook.type), name="webhook-chart")

    async def _panel(self, mirror: LogMirror, hook_id: int, hook_type: str) -> None:
        panel = self._view.health_panel
        days = panel.span_days
        now = self._clock()
        span = timedelta(days=days)
        if not mirror.covers(now - span):
            panel.clear("The local copy is still syncing; the chart follows when it is done.")
            return
        hours, failures = await asyncio.to_thread(_figures, mirror, hook_id, now, span)
        if mirror is not self._mirror or not alive(panel) or panel.span_days != days:
            return
        selected = self._model.webhook_at(self._view.selected_row())
        if selected is None or selected.id != hook_id:
            return
        panel.show_outcomes(hours_heading(f"#{hook_id} {hook_type}", now), hours, failures)
        self.panel_updated.emit()


def _figures(mirror: LogMirror, hook_id: int, now: datetime, span: timedelta) -> tuple[Any, Any]:
    from impilo_desk.services.delivery_health import outcomes_per_hour, top_failures

    return (
        outcomes_per_hour(mirror.store, hook_id, now, span),
        top_failures(mirror.store, hook_id, now, span),
    )
