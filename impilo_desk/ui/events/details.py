"""The Events tab's detail pane: the selected event's payload, headers, and copies of it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex

from impilo_desk.ui.events.model import (
    EventsModel,
    format_patient,
    format_received,
    received_text,
)
from impilo_desk.ui.kit.dialogs import alive

if TYPE_CHECKING:
    from impilo_desk.services.event_store import EventStore, RelayEvent
    from impilo_desk.ui.events.view import EventsTab

CURL_TARGET = "http://localhost:3000/webhook"
"""Where "Copy as curl" POSTs to (the user edits it; a local handler is the usual target)."""
SECRET_HEADER_NAME = "impilo-webhook-secret"  # noqa: S105 - a header's name


class DetailPane:
    """Shows the current row's event in the detail pane and copies its payload or a curl.

    Args:
        view: The tab.
        model: The table model.
        store: Returns the session's event store (None without one).
        spawn: Starts a task of the session (coroutine, name).
        on_shown: Called with the Impilo id of each event shown.
    """

    def __init__(
        self,
        view: EventsTab,
        model: EventsModel,
        store: Callable[[], EventStore | None],
        spawn: Callable[[Coroutine[Any, Any, None], str], None],
        on_shown: Callable[[int], None],
    ) -> None:
        self.view = view
        self.model = model
        self._store = store
        self._spawn = spawn
        self._on_shown = on_shown
        self.event: RelayEvent | None = None
        self.shown_id: int | None = None
        self._asked = 0
        view.table.selectionModel().currentRowChanged.connect(self._current_changed)
        view.copy_payload_action.triggered.connect(self.copy_payload)
        view.copy_curl_action.triggered.connect(self.copy_curl)
        self.clear()

    def clear(self) -> None:
        """Shows nothing selected."""
        self.event = None
        self.shown_id = None
        self.view.detail_title.setText("Select an event to see its payload and headers.")
        self.view.tree_model.show(None)
        self.view.raw.clear()
        self.view.headers_model.show({})
        self.view.copy_payload_action.setEnabled(False)
        self.view.copy_curl_action.setEnabled(False)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.listed(current.row()) if current.isValid() else None
        self._asked += 1
        if row is None:
            self.clear()
            return
        if row.marker:
            self.clear()
            self.view.detail_title.setText(f"{received_text(row)}: {row.text}")
            return
        if row.envelope_id is not None:
            self._spawn(self._load(row.envelope_id, self._asked), "events.detail")

    async def _load(self, envelope_id: int, asked: int) -> None:
        store = self._store()
        if store is None:
            return
        found = await asyncio.to_thread(store.by_ids, [envelope_id])
        if asked != self._asked or not alive(self.view):
            return  # another row was selected meanwhile
        event = found.get(envelope_id)
        if event is None:
            self.clear()
            self.view.detail_title.setText("This event is no longer stored (pruned).")
            return
        self.show(event)

    def show(self, event: RelayEvent) -> None:
        """Shows ``event``: tree (payload expanded), raw text, headers."""
        from impilo_desk.services.event_store import patient_id_of, patient_name_of

        self.event = event
        self.shown_id = event.envelope.id
        data = event.envelope.model_dump(mode="json")
        envelope = event.envelope
        title = f"{envelope.type} · event {envelope.id} · {format_received(event.received_at)}"
        patient = format_patient(patient_name_of(envelope), patient_id_of(envelope))
        self.view.detail_title.setText(title + (f" · {patient}" if patient else ""))
        self.view.tree_model.show(data)
        self.view.tree.expandToDepth(1)
        self.view.tree.resizeColumnToContents(0)
        self.view.raw.setPlainText(json.dumps(data, indent=2, ensure_ascii=False))
        headers = {k: v for k, v in event.headers.items() if k.lower() != SECRET_HEADER_NAME}
        self.view.headers_model.show(headers)
        self.view.headers.resizeColumnToContents(0)
        self.view.copy_payload_action.setEnabled(True)
        self.view.copy_curl_action.setEnabled(True)
        self._on_shown(event.envelope.id)

    def body(self) -> str | None:
        """The shown event's body as Impilo sent it (its envelope as JSON)."""
        from impilo_desk.services.redelivery.plan import store_body

        return store_body(self.event) if self.event is not None else None

    def copy_payload(self) -> None:
        """Copies the body."""
        body = self.body()
        if body is not None:
            self.view.clipboard.setText(body)
            self.view.banner.show_info("Payload copied.")

    def copy_curl(self) -> None:
        """Copies a curl that POSTs the body as Impilo would; the secret as a variable."""
        from impilo_desk.services.curl import delivery_curl_command

        body = self.body()
        if body is not None:
            self.view.clipboard.setText(delivery_curl_command(CURL_TARGET, body))
            self.view.banner.show_info(
                f"curl copied: it POSTs to {CURL_TARGET} with the secret from "
                "$IMPILO_WEBHOOK_SECRET; edit the URL to your handler's."
            )
