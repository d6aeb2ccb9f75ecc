"""Decides the Logs tab's redelivery: what to resend, the preview, the run, the record shown.

"Resend…" takes the selected rows, "Recover…" every row matching the filters that failed. Each
goes: the secret from the keyring (none: one sentence, nothing sent), a preview to confirm
(typed for a production profile), then the run with progress and Cancel. Every attempt is in
the session's record (``Session.attempts``); the table shows each row's latest one.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from impilo_desk.ui.kit.dialogs import alive, run_dialog
from impilo_desk.ui.kit.redelivery_run import RunDriver, guarded, unsigned_sentence, webhook_secret
from impilo_desk.ui.logs.history import HistoryDialog
from impilo_desk.ui.logs.redeliver_bar import RedeliverBar
from impilo_desk.ui.logs.redeliver_dialog import PreviewDialog
from impilo_desk.ui.logs.redeliver_rows import curl_of, matching_rows
from impilo_desk.ui.logs.redeliver_text import most_common_error, notes, summary

if TYPE_CHECKING:  # the services (httpx, SQLite) load after the first paint
    from impilo_desk.contract import WebhookLog
    from impilo_desk.services.event_store import RelayEvent
    from impilo_desk.services.redelivery import (
        Plan,
        RedeliverySettings,
    )
    from impilo_desk.session import Session
    from impilo_desk.ui.logs.controller import LogsController

UNSIGNED = unsigned_sentence("redelivery")
CANCELLING = "Cancelling: finishing the POSTs already sent…"
NOTHING_FAILED = "No delivery matching these filters failed, so there is nothing to recover."


class RedeliverController(QObject):
    """The redelivery part of the Logs tab: it follows the tab's session.

    Signals:
        preview_opened(object): The preview (a :class:`PreviewDialog`) is open.
        run_started(int): A run of this many POSTs started.
        progressed(int, int): POSTs done, of the total.
        run_finished(str): A run ended; the sentence the banner shows.
        notes_shown(): The table shows the latest manual attempts of its rows.
        history_opened(object): The history (a :class:`HistoryDialog`) is open and filled.

    Args:
        logs: The Logs tab's controller (its view, model, client, filters, tasks).
        clock: The current time, aware UTC (which rows failed for good).
        settings: Concurrency, rate and timeout of every run (default: the service's).
        parent: QObject parent.
    """

    preview_opened = Signal(object)
    run_started = Signal(int)
    progressed = Signal(int, int)
    run_finished = Signal(str)
    notes_shown = Signal()
    history_opened = Signal(object)

    def __init__(
        self,
        logs: LogsController,
        clock: Callable[[], datetime],
        settings: RedeliverySettings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._logs = logs
        self._clock = clock
        self._settings = settings
        self.bar = RedeliverBar(logs.view)
        logs.view.add_tool(self.bar)
        self._session: Session | None = None
        self._busy = False
        self._notes_generation = 0
        self._last_target = ""  # the "Another URL" typed last, offered again
        self.driver = RunDriver(
            self.bar.run_bar,
            origin="logs",
            name="logs-redelivery-progress",
            progress_text=lambda p: _progress_text(p.delivered, p.failed),
            on_started=self.run_started.emit,
            on_progress=self.progressed.emit,
            parent=self,
        )
        bar = self.bar
        bar.resend_action.triggered.connect(lambda: self._spawn(self._resend(), "resend"))
        bar.recover_action.triggered.connect(lambda: self._spawn(self._recover(), "recover"))
        bar.delivery_curl_action.triggered.connect(
            lambda: self._spawn(self._copy_delivery(), "delivery-curl", busy=False)
        )
        bar.history_action.triggered.connect(
            lambda: self._spawn(self.show_history(), "history", busy=False)
        )
        bar.cancel_button.clicked.connect(self.cancel)
        logs.session_bound.connect(self.bind)
        logs.loaded.connect(self._loaded)
        logs.view.table.selectionModel().selectionChanged.connect(lambda *_a: self.update())
        self.update()

    @property
    def settings(self) -> RedeliverySettings:
        """The settings of the next run."""
        if self._settings is None:
            from impilo_desk.services.redelivery import RedeliverySettings

            self._settings = RedeliverySettings()
        return self._settings

    @settings.setter
    def settings(self, value: RedeliverySettings) -> None:
        self._settings = value

    def bind(self, session: Session | None) -> None:
        """Follows ``session`` (its record, secret store, event store) or none."""
        self._session = session
        self._notes_generation += 1
        self.update()

    def update(self) -> None:
        """Enables the actions that can act now (no dead buttons)."""
        if not alive(self.bar):
            return
        session = self._session
        record = session is not None and session.attempts is not None
        idle = record and not self._busy
        selected = len(self._logs.view.selected_rows())
        bar = self.bar
        bar.resend_action.setEnabled(idle and selected > 0)
        bar.recover_action.setEnabled(idle and self._logs.total > 0)
        bar.delivery_curl_action.setEnabled(session is not None and selected == 1)
        bar.history_action.setEnabled(record)

    def cancel(self) -> None:
        """Stops the run: no more POSTs start; those in flight finish and are recorded."""
        self.driver.cancel(CANCELLING)

    # -- flows --------------------------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None], name: str, busy: bool = True) -> None:
        if self._session is None or self._logs.tasks.closed or (busy and self._busy):
            work.close()
            return
        self._logs.tasks.spawn(self._guarded(work, busy), name=f"logs.{name}")

    async def _guarded(self, work: Coroutine[Any, Any, None], busy: bool) -> None:
        await guarded(
            work,
            view=self._logs.view,
            refused=lambda sentence: self._say(sentence, error=True),
            report=self._logs.report_failure,
            what="redelivery",
            busy=self._set_busy if busy else None,
        )

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.update()

    def _selected(self) -> list[WebhookLog]:
        model = self._logs.model
        rows = (model.record_at(r) for r in self._logs.view.selected_rows())
        return [r for r in rows if r is not None]

    async def _resend(self) -> None:
        from impilo_desk.services.redelivery import plan_logs

        rows = self._selected()
        plan_logs(rows)  # an empty selection: one sentence, before anything else
        secret = await self._secret()
        stored = await self._stored(rows)

        def plan_for(target: str | None, _retrying: bool) -> Plan:
            return plan_logs(rows, target=target, stored=stored)

        await self._offer("Resend deliveries", plan_for, recover=False, secret=secret)

    async def _recover(self) -> None:
        from impilo_desk.services.redelivery import Plan, plan_logs, recoverable

        secret = await self._secret()
        self._logs.view.set_busy(True, "Finding the failed deliveries…")
        try:
            rows = await matching_rows(self._logs.api, self._logs.filters)
        finally:
            if alive(self._logs.view):
                self._logs.view.set_busy(False)
        now = self._clock()
        failed = recoverable(rows, now, include_retrying=True)
        if not failed:
            self._say(NOTHING_FAILED, error=False)
            return
        stored = await self._stored(failed)

        def plan_for(target: str | None, retrying: bool) -> Plan:
            chosen = recoverable(failed, now, include_retrying=retrying)
            if not chosen:
                if target is not None:
                    from impilo_desk.services.redelivery import check_target

                    check_target(target)
                return Plan(())
            return plan_logs(chosen, target=target, stored=stored)

        await self._offer("Recover failed deliveries", plan_for, recover=True, secret=secret)

    async def _offer(
        self,
        title: str,
        plan_for: Callable[[str | None, bool], Plan],
        *,
        recover: bool,
        secret: str,
    ) -> None:
        session = self._require()
        production = session.profile.environment == "production"
        dialog = PreviewDialog(
            self._logs.view,
            title,
            plan_for,
            recover=recover,
            production_name=session.profile.name if production else None,
        )
        dialog.url_edit.setText(self._last_target)
        try:
            self.preview_opened.emit(dialog)
            result = await run_dialog(dialog)
            plan = dialog.plan() if result == PreviewDialog.DialogCode.Accepted else None
            if plan is not None and dialog.target() is not None:
                self._last_target = dialog.url_edit.text().strip()
        finally:
            dialog.deleteLater()
        if plan is None or not plan.deliveries:
            return  # cancelled (Escape, Cancel): nothing sent
        await self._run(plan, secret)

    async def _run(self, plan: Plan, secret: str) -> None:
        session = self._require()
        targets = plan.preview().targets
        where = targets[0][0] if len(targets) == 1 else f"{len(targets)} URLs"
        total = len(plan.deliveries)
        result = await self.driver.run(
            session,
            plan,
            secret,
            self.settings,
            f"Resending {total:,} to {where}…",
            _progress_text(total, total),
            CANCELLING,
        )
        sentence = summary(result, total)
        if result.failed:
            assert session.attempts is not None
            attempts = await asyncio.to_thread(session.attempts.attempts, result.run_id)
            sentence += most_common_error(attempts)
        self._say(sentence, error=result.failed > 0, history=True)
        self.run_finished.emit(sentence)
        await self.refresh_notes()

    async def _copy_delivery(self) -> None:
        from impilo_desk.services.redelivery import RedeliveryRefused

        rows = self._selected()
        if len(rows) != 1:
            raise RedeliveryRefused("Select one delivery to copy it as curl.")
        text, sentence = curl_of(rows[0], await self._stored(rows))
        self._logs.view.clipboard.setText(text)
        self._say(sentence, error=False)

    async def show_history(self) -> None:
        """Opens the history of runs (window-modal) until the user closes it."""
        record = self._require().attempts
        assert record is not None
        dialog = HistoryDialog(self._logs.view)

        def chosen(run_id: str) -> None:
            async def load() -> None:
                attempts = await asyncio.to_thread(record.attempts, run_id)
                if alive(dialog) and dialog.chosen_run() == run_id:
                    dialog.show_attempts(attempts)

            self._logs.tasks.spawn(load(), name="logs.history-run")

        dialog.run_chosen.connect(chosen)
        try:
            dialog.open()
            dialog.show_runs(await asyncio.to_thread(record.runs))
            self.history_opened.emit(dialog)
            await run_dialog(dialog)
        finally:
            dialog.deleteLater()

    # -- the table's manual attempts -----------------------------------------------------------

    def _loaded(self, _rows: int) -> None:
        self.update()
        if self._session is not None and self._session.attempts is not None:
            self._logs.tasks.spawn(self.refresh_notes(), name="logs.redelivery-notes")

    async def refresh_notes(self) -> None:
        """Shows each row's latest manual attempt beside Impilo's state."""
        session = self._session
        if session is None or session.attempts is None:
            return
        self._notes_generation += 1
        generation = self._notes_generation
        ids = [r.id for r in self._logs.model.records() if r.id is not None]
        try:
            latest = await asyncio.to_thread(session.attempts.latest_for_logs, ids)
        except sqlite3.ProgrammingError:
            return  # the session ended meanwhile (its record is closed)
        if generation != self._notes_generation or not alive(self._logs.view):
            return
        self._logs.model.set_manual(notes(latest))
        self.notes_shown.emit()

    # -- helpers ------------------------------------------------------------------------------

    def _require(self) -> Session:
        from impilo_desk.services.redelivery import RedeliveryRefused

        session = self._session
        if session is None or session.attempts is None:
            raise RedeliveryRefused("Choose a profile first: redelivery needs its record.")
        return session

    async def _secret(self) -> str:
        return await webhook_secret(self._require(), "redelivery")

    async def _stored(self, rows: Sequence[WebhookLog]) -> Mapping[int, RelayEvent]:
        """The relay's copies (local event store) of the rows the log has no exact body of."""
        from impilo_desk.services.redelivery import stored_ids

        session = self._session
        store = session.events.store if session is not None and session.events else None
        ids = stored_ids(rows)
        if store is None or not ids:
            return {}
        return await asyncio.to_thread(store.by_ids, ids)

    def _say(self, sentence: str, *, error: bool, history: bool = False) -> None:
        if not alive(self._logs.view):
            return
        banner = self._logs.view.banner
        if error and not history:
            banner.show_error(sentence)
        elif history:
            banner.show_info(sentence, ("History…", self._open_history))
        else:
            banner.show_info(sentence)

    def _open_history(self) -> None:
        self._spawn(self.show_history(), "history", busy=False)


def _progress_text(delivered: int, failed: int) -> str:
    return f"Resending: {delivered:,} delivered, {failed:,} failed"
