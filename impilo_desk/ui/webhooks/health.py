"""Runs the session's log mirror and the count of manual resends for the Webhooks tab.

The sync runs as a task of the session (cancelled on profile switch or quit); its status goes
to the tab's sync line; after each sync the health of every listed webhook is computed in a
worker thread and shown in the table, and the selected webhook's chart is refreshed. The manual
resends (the session's ``AttemptStore``, see ``services/manual_resends.py``) are counted in the
same pass, in figures of their own that never enter Impilo's, and again whenever the record
changed: its ``version`` (a counter in memory, free to read) is looked at on the sync line's
tick and when the tab is shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from impilo_desk.services.delivery_alerts import FailingWatch, failing_line
from impilo_desk.services.manual_resends import HookTarget
from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.webhooks.model import WebhooksModel
from impilo_desk.ui.webhooks.view import WebhooksTab

if TYPE_CHECKING:
    from impilo_desk.services.delivery_health import WebhookHealth
    from impilo_desk.services.log_mirror import LogMirror, MirrorStore, SyncStatus
    from impilo_desk.services.manual_resends import ManualResends
    from impilo_desk.services.redelivery import AttemptStore

TICK_MS = 5000  # the sync line's "synced 12 s ago" is rewritten this often


class HealthWatch(QObject):
    """The Webhooks tab's view of the log mirror and, apart, of the manual resends.

    The mirror gives the sync line, the health columns and the chart; the record of manual
    resends gives their own column and lines beside the chart.

    Signals:
        status_changed(object): The mirror reported a new ``SyncStatus``.
        health_updated(): The table's figures (Impilo's health, the manual resends) were
            recomputed.
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
        self._attempts: AttemptStore | None = None
        self._seen: int | None = None  # the record's version the manual figures were read at
        self._run: asyncio.Task[None] | None = None
        self._stop_listening: Callable[[], None] | None = None
        self._computing = False
        self._again = False
        self._impilo_due = False  # Impilo's health is to be computed again, not only the resends
        self.health: dict[int, WebhookHealth] | None = None
        self.manual: dict[int, ManualResends] | None = None
        """Each webhook's manual resends of the last 24 h (None: no record in this session)."""
        self._tick = QTimer(self)
        self._tick.setObjectName("webhook-sync-line")
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        view.stop_sync_action.triggered.connect(self.stop_sync)
        view.health_panel.span_changed.connect(lambda _days: self.update_panel())
        view.selection_changed.connect(self.update_panel)
        view.shown.connect(self._check_record)
        model.modelReset.connect(self.recompute)
        model.times.listen(self._times_changed)

    @property
    def manual_current(self) -> bool:
        """Whether the manual figures shown are those of the record as it stands now."""
        record = self._attempts
        return record is None or (self.manual is not None and record.version == self._seen)

    def bind(
        self,
        mirror: LogMirror | None,
        tasks: TaskOwner,
        alerts: bool = True,
        attempts: AttemptStore | None = None,
    ) -> None:
        """Follows a session's mirror and record of manual resends (None: none).

        The mirror's sync runs as a task of ``tasks``. ``alerts`` is the profile's setting:
        whether a webhook turning failing is announced.
        """
        self.alerts.reset()
        self.alerts.enabled = alerts
        self._show_failing({})
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        self._tasks = tasks
        self._mirror = mirror
        self._attempts = attempts
        self._seen = None
        self._run = None
        self.health = None
        self.manual = None
        self._model.set_health(None)
        self._model.set_manual(None)
        self._view.health_panel.clear()
        if mirror is None:
            # not in the red of a failed sync before (it stayed red and bold while the demo
            # restarted, found under Xvfb): nothing failed, there is no copy to sync
            no_copy = "No local copy of the delivery log for this profile."
            self._view.show_sync_line(no_copy, failed=False)
            self._view.stop_sync_action.setEnabled(False)
            self._view.sync_progress.hide()
            if attempts is None:
                self._tick.stop()
            else:  # the manual resends still have their column
                self._tick.start()
                self.recompute()
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

    def _on_tick(self) -> None:
        self._show_line()
        self._check_record()

    def _check_record(self) -> None:
        """Counts the manual resends again if the record changed since they were counted."""
        record = self._attempts
        if record is not None and record.version != self._seen:
            self.recompute(impilo=False)  # only the record changed: Impilo's figures did not

    def _times_changed(self) -> None:
        if self.health is not None:
            self._show_failing(self.health)

    def _show_line(self) -> None:
        if self._mirror is None or not alive(self._view):
            return
        status = self._mirror.status
        self._view.show_sync_line(status.describe(self._clock()), failed=status.phase == "failed")

    # -- health ----------------------------------------------------------------------------

    def recompute(self, impilo: bool = True) -> None:
        """Recomputes the manual resends of every listed webhook, and its health (in a thread).

        ``impilo`` False leaves Impilo's health as it is: only the record of resends changed,
        and a resend is not one of Impilo's deliveries.
        """
        if (self._mirror is None and self._attempts is None) or self._tasks.closed:
            return
        self._impilo_due = self._impilo_due or impilo
        if self._computing:
            self._again = True
            return
        self._computing = True
        self._tasks.spawn(self._recompute(), name="webhook-health")

    async def _recompute(self) -> None:
        from impilo_desk.services.delivery_health import DAY

        try:
            while True:
                self._again = False
                impilo, self._impilo_due = self._impilo_due, False
                mirror, record = self._mirror, self._attempts
                now = self._clock()
                hooks = self._targets()
                version = None if record is None else record.version
                # during a first sync the figures would be partial: not known yet
                covered = impilo and mirror is not None and mirror.covers(now - DAY)
                health, manual = await asyncio.to_thread(
                    _snapshot,
                    None if mirror is None else mirror.store,
                    covered,
                    record,
                    hooks,
                    now,
                )
                if mirror is not self._mirror or record is not self._attempts:
                    return
                if not alive(self._view):
                    return
                self._seen = version
                self.manual = manual
                self._model.set_manual(manual)
                if impilo and mirror is not None:  # else unchanged: the log did not change
                    self.health = health
                    self._model.set_health(health)
                if impilo and health is not None:
                    names = {h.id: h.type for h in self._model.webhooks() if h.id is not None}
                    self.alerts.observe(health, names)
                    self._show_failing(health)
                self.health_updated.emit()
                self.update_panel()
                if not self._again:
                    return
        finally:
            self._computing = False

    def _targets(self) -> list[HookTarget]:
        return [HookTarget(h.id, h.type, h.url) for h in self._model.webhooks() if h.id is not None]

    def _show_failing(self, health: dict[int, WebhookHealth]) -> None:
        names = {h.id: h.type for h in self._model.webhooks() if h.id is not None}
        failing = sum(1 for h in health.values() if h.state.value == "failing")
        if alive(self._view):
            self._view.show_badge(f"{failing} failing" if failing else "")
        self.failing_changed.emit(failing_line(health, names, self._model.times))

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
        record = self._attempts
        hours, failures, manual = await asyncio.to_thread(
            _figures, mirror.store, record, self._targets(), hook_id, now, span
        )
        if mirror is not self._mirror or not alive(panel) or panel.span_days != days:
            return
        selected = self._model.webhook_at(self._view.selected_row())
        if selected is None or selected.id != hook_id or record is not self._attempts:
            return
        panel.show_outcomes(
            f"#{hook_id} {hook_type}",
            now,
            hours,
            failures,
            health=None if self.health is None else self.health.get(hook_id),
            manual=manual,
            manual_known=record is not None,
        )
        self.panel_updated.emit()


def _snapshot(
    store: MirrorStore | None,
    covered: bool,
    record: AttemptStore | None,
    hooks: list[HookTarget],
    now: datetime,
) -> tuple[dict[int, WebhookHealth] | None, dict[int, ManualResends] | None]:
    """Impilo's health (when the mirror covers the day) and, apart, the manual resends."""
    from impilo_desk.services.delivery_health import DAY, compute_health
    from impilo_desk.services.manual_resends import manual_resends

    ids = [h.webhook_id for h in hooks]
    health = compute_health(store, now, ids) if store is not None and covered else None
    manual = None if record is None else manual_resends(record, store, hooks, now - DAY, now)
    return health, manual


def _figures(
    store: MirrorStore,
    record: AttemptStore | None,
    hooks: list[HookTarget],
    hook_id: int,
    now: datetime,
    span: timedelta,
) -> tuple[Any, Any, ManualResends | None]:
    from impilo_desk.services.delivery_health import outcomes_per_hour, top_failures
    from impilo_desk.services.manual_resends import manual_resends

    manual = None
    if record is not None:
        manual = manual_resends(record, store, hooks, now - span, now).get(hook_id)
    return (
        outcomes_per_hour(store, hook_id, now, span),
        top_failures(store, hook_id, now, span),
        manual,
    )
