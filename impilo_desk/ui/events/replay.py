"""Decides "Replay to…" in the Events tab: the selected events, as the relay got them, to a URL.

Same service and record as the Logs tab's Resend: the secret from the keyring (none: one
sentence, nothing sent), a confirmation with the URL (typed for a production profile), then the
run with progress and Cancel, every attempt in the session's record (``Session.attempts``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from impilo_desk.ui.events.replay_dialog import ReplayDialog
from impilo_desk.ui.kit.dialogs import alive, run_dialog
from impilo_desk.ui.kit.redelivery_run import RunDriver, guarded, unsigned_sentence, webhook_secret

if TYPE_CHECKING:
    from impilo_desk.services.event_store import EventStore
    from impilo_desk.services.redelivery import Plan, RedeliverySettings, RunResult
    from impilo_desk.session import Session
    from impilo_desk.ui.events.view import EventsTab
    from impilo_desk.ui.kit.tasks import TaskOwner

UNSIGNED = unsigned_sentence("replay")
CANCELLING = "Cancelling: the POSTs in flight finish first…"
NO_RECORD = "Choose a profile with an event store first: a replay needs its record."
NOTHING_SELECTED = "Select at least one event to replay."
GONE = "The selected events are no longer in the local event store (pruned?); nothing was sent."


class Replay(QObject):
    """The "Replay to…" part of the Events tab; it follows the tab's session.

    Signals:
        dialog_opened(object): The confirmation (a :class:`ReplayDialog`) is open.
        run_started(int): A replay of this many POSTs started.
        progressed(int, int): POSTs done, of the total.
        run_finished(str): A replay ended; the sentence the banner shows.

    Args:
        view: The Events tab.
        selected_ids: The Impilo ids of the selected events, in table order.
        store: The session's event store, if any.
        tasks: The task owner of the session.
        report: Says an unexpected failure in one sentence (the tab's ``report_failure``).
        parent: QObject parent.
    """

    dialog_opened = Signal(object)
    run_started = Signal(int)
    progressed = Signal(int, int)
    run_finished = Signal(str)

    def __init__(
        self,
        view: EventsTab,
        selected_ids: Callable[[], list[int]],
        store: Callable[[], EventStore | None],
        tasks: Callable[[], TaskOwner],
        report: Callable[[Exception], object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._report = report
        self.view = view
        self._selected_ids = selected_ids
        self._store = store
        self._tasks = tasks
        self._session: Session | None = None
        self._busy = False
        self._last_target = ""
        self.settings: RedeliverySettings | None = None  # None: the service's defaults
        self.driver = RunDriver(
            view.replay_bar,
            origin="events",
            name="events-replay-progress",
            progress_text=lambda _p: None,
            on_started=self.run_started.emit,
            on_progress=self.progressed.emit,
            parent=self,
        )
        view.replay_action.triggered.connect(self.start)
        view.replay_bar.cancel_button.clicked.connect(self.cancel)
        view.table.selectionModel().selectionChanged.connect(lambda *_a: self.update())
        model = view.table.model()
        for signal in (model.modelReset, model.rowsRemoved, model.rowsInserted):
            signal.connect(lambda *_a: self.update())
        self.update()

    def bind(self, session: Session | None) -> None:
        """Follows ``session`` (its secret store, record) or none."""
        self._session = session
        self.update()

    def update(self) -> None:
        """Enables "Replay to…" only when it can act: a record, a selection, no replay running."""
        if not alive(self.view):
            return
        ready = self._session is not None and self._session.attempts is not None
        ready = ready and self._store() is not None and not self._busy
        self.view.replay_action.setEnabled(ready and bool(self._selected_ids()))

    def start(self) -> None:
        """Replays the selected events (asks for the URL first)."""
        if self._busy or self._tasks().closed:
            return
        self._spawn(self._replay())

    def cancel(self) -> None:
        """Stops the run: no more POSTs start; those in flight finish and are recorded."""
        self.driver.cancel(CANCELLING)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self._tasks().spawn(self._guarded(work), name="events.replay")

    async def _guarded(self, work: Coroutine[Any, Any, None]) -> None:
        await guarded(
            work,
            view=self.view,
            refused=lambda sentence: self._say(sentence, error=True),
            report=self._report,
            what="replay",
            busy=self._set_busy,
        )

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.update()

    async def _replay(self) -> None:
        from impilo_desk.services.redelivery import RedeliveryRefused

        ids = self._selected_ids()
        if not ids:
            raise RedeliveryRefused(NOTHING_SELECTED)
        session = self._session
        store = self._store()
        if session is None or session.attempts is None or store is None:
            raise RedeliveryRefused(NO_RECORD)
        secret = await webhook_secret(session, "replay")
        found = await asyncio.to_thread(store.by_ids, ids)
        events = [found[i] for i in ids if i in found]
        if not events:
            raise RedeliveryRefused(GONE)
        production = session.profile.environment == "production"
        dialog = ReplayDialog(
            self.view, events, production_name=session.profile.name if production else None
        )
        dialog.url_edit.setText(self._last_target)
        try:
            self.dialog_opened.emit(dialog)
            result = await run_dialog(dialog)
            plan = dialog.plan() if result == ReplayDialog.DialogCode.Accepted else None
            if plan is not None:
                self._last_target = dialog.url_edit.text().strip()
        finally:
            dialog.deleteLater()
        if plan is None:
            return  # cancelled: nothing sent
        await self._run(session, plan, secret)

    async def _run(self, session: Session, plan: Plan, secret: str) -> None:
        from impilo_desk.services.redelivery import RedeliverySettings

        total = len(plan.deliveries)
        started = f"Replaying to {plan.deliveries[0].target}…"
        settings = self.settings or RedeliverySettings()
        result = await self.driver.run(session, plan, secret, settings, started, CANCELLING)
        sentence = _summary(result, total)
        self._say(sentence, error=result.failed > 0)
        self.run_finished.emit(sentence)

    def _say(self, sentence: str, *, error: bool) -> None:
        if not alive(self.view):
            return
        if error:
            self.view.banner.show_error(sentence)
        else:
            self.view.banner.show_info(sentence)


def _summary(result: RunResult, total: int) -> str:
    from impilo_desk.services.redelivery.words import run_summary

    return run_summary("Replay", result, total)
