"""The Events tab's forwarding: new events POSTed to a URL while the box is ticked."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QInputDialog

from impilo_desk.ui.events.model import EventColumn, EventsModel
from impilo_desk.ui.kit.dialogs import alive, run_dialog
from impilo_desk.ui.kit.tasks import TaskOwner

if TYPE_CHECKING:
    from impilo_desk.services.event_store import RelayEvent
    from impilo_desk.services.forwarding import Forwarder, ForwardResult
    from impilo_desk.session import Session
    from impilo_desk.ui.events.view import EventsTab


class Forwarding(QObject):
    """Turns forwarding on and off, feeds it new events, shows each result and the counts.

    Signals:
        forwarded(int, str): An event's result (its id, the text shown).
        started(str): Forwarding to this URL started.
        stopped(): Forwarding stopped.

    Args:
        view: The tab.
        model: The table model (its Forwarded column).
        tasks: Returns the owner of the session's tasks.
        parent: QObject parent.
    """

    forwarded = Signal(object, str)  # an Impilo id passes 2**31: int overflowed
    started = Signal(str)
    stopped = Signal()

    def __init__(
        self,
        view: EventsTab,
        model: EventsModel,
        tasks: Callable[[], TaskOwner],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.model = model
        self._tasks = tasks
        self.session: Session | None = None
        self.forwarder: Forwarder | None = None
        self._task: asyncio.Task[None] | None = None
        self.confirm_dialog: QInputDialog | None = None
        view.forward_box.toggled.connect(self._toggled)
        view.forward_box.setEnabled(False)

    def bind(self, session: Session | None) -> None:
        """A new session: forwarding stops (its task ended with the old session)."""
        self.stop()
        self.session = session
        self.view.forward_box.setEnabled(session is not None)

    def offer(self, event: RelayEvent) -> None:
        """Forwards a new event, if forwarding is on."""
        if self.forwarder is not None:
            self.forwarder.offer(event)

    def _toggled(self, on: bool) -> None:
        if on and self.forwarder is None:
            self._tasks().spawn(self._start(), name="events.forward-start")
        elif not on:
            self.stop()

    def _refuse(self, sentence: str) -> None:
        self.view.banner.show_error(sentence)
        self.view.forward_box.setChecked(False)

    async def _start(self) -> None:
        from impilo_desk.services.forwarding import Forwarder, is_local_url
        from impilo_desk.services.redelivery import RedeliveryRefused, check_target
        from impilo_desk.session import webhook_secret_kind

        session = self.session
        if session is None:
            return
        try:
            url = check_target(self.view.forward_url.text())
        except RedeliveryRefused as exc:
            self._refuse(str(exc))
            return
        outside = session.profile.environment == "production" and not is_local_url(url)
        if outside and not await self._confirmed(url):
            self._refuse("Forwarding not started: the confirmation did not match.")
            return
        secret = None
        if self.view.forward_secret_box.isChecked():
            secret = await session.store.get(session.profile.id, webhook_secret_kind())
            if not secret:
                self._refuse(
                    "No webhook secret is stored for this profile; set it on the Secret tab, "
                    "or forward without it."
                )
                return
        if not self.view.forward_box.isChecked() or session is not self.session:
            return  # turned off (or switched) while asking
        self.forwarder = Forwarder(url, secret, self._result)
        self._task = self._tasks().spawn(self.forwarder.run(), name="events.forward")
        self.view.table.setColumnHidden(EventColumn.FORWARDED, False)
        self.view.forward_url.setEnabled(False)
        self.view.forward_secret_box.setEnabled(False)
        self._show_stats()
        self.started.emit(url)

    async def _confirmed(self, url: str) -> bool:
        from urllib.parse import urlsplit

        host = urlsplit(url).hostname or url
        dialog = QInputDialog(self.view)
        dialog.setWindowTitle("Forward production events?")
        dialog.setLabelText(
            f"This is a production profile: real patients' events would go to {host}, "
            "outside this machine.\nType the host name to confirm:"
        )
        self.confirm_dialog = dialog
        try:
            result = await run_dialog(dialog)
            return result == QDialog.DialogCode.Accepted and dialog.textValue().strip() == host
        finally:
            self.confirm_dialog = None
            dialog.deleteLater()

    def _result(self, result: ForwardResult) -> None:
        if not alive(self.view):
            return
        text = result.text()
        self.model.set_forwarded(result.envelope_id, text)
        self._show_stats()
        self.forwarded.emit(result.envelope_id, text)

    def _show_stats(self, prefix: str = "") -> None:
        forwarder = self.forwarder
        if forwarder is None:
            return
        s = forwarder.stats
        self.view.forward_status.setText(
            f"{prefix}{s.delivered:,} forwarded, {s.failed:,} failed, "
            f"{s.dropped:,} not forwarded (queue full), {s.queued:,} waiting"
        )

    def stop(self) -> None:
        """Stops forwarding (what is still queued is not sent)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        if self.forwarder is not None:
            self._show_stats("Stopped: ")
            self.forwarder = None
            self.stopped.emit()
        if alive(self.view):
            self.view.forward_url.setEnabled(True)
            self.view.forward_secret_box.setEnabled(True)
            if self.view.forward_box.isChecked():
                self.view.forward_box.setChecked(False)
