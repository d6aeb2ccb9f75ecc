"""The Test events tab's patient search: by name or id, debounced, one search at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from impilo_desk.ui.test_events.view import TestEventsTab

if TYPE_CHECKING:
    from impilo_desk.client.ports import PatientsApi

SEARCH_DEBOUNCE_MS = 300
PATIENT_PAGE = 50


class PatientSearch(QObject):
    """Finds the patients the search field names and lists them in the tab.

    A search starts :data:`SEARCH_DEBOUNCE_MS` after the last keystroke; a newer one cancels
    the one in flight.

    Signals:
        loaded(int): The patient list was (re)loaded with this many patients.
        answered(): Impilo answered a search.
        failed(object): A search failed (the exception).

    Args:
        view: The tab.
        spawn: Starts a coroutine as a task of the session (with a name).
        parent: QObject parent.
    """

    loaded = Signal(int)
    answered = Signal()
    failed = Signal(object)

    def __init__(
        self,
        view: TestEventsTab,
        spawn: Callable[[Coroutine[Any, Any, None], str], asyncio.Task[None]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._spawn = spawn
        self.api: PatientsApi | None = None
        self._task: asyncio.Task[None] | None = None
        self.timer = QTimer(self)
        self.timer.setObjectName("patient-search-debounce")
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DEBOUNCE_MS)
        self.timer.timeout.connect(self.search_now)
        view.patient_search.textEdited.connect(lambda _text: self.timer.start())

    def search_now(self) -> None:
        """Searches for what the field holds now (cancelling a search in flight)."""
        if self.api is None:
            return
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = self._spawn(self._search(self._view.patient_search.text()), "search")

    async def _search(self, text: str) -> None:
        api = self.api
        if api is None:
            return
        query = text.strip().lstrip("#")
        self._view.patient_note.setText("Searching…")
        try:
            if query.isdigit():
                page = await api.list_patients(patient_id=int(query), size=PATIENT_PAGE)
            else:
                page = await api.list_patients(name=query or None, size=PATIENT_PAGE)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._view.patient_note.setText("")
            self.failed.emit(exc)
            return
        patients = [(p.id, p.display_name) for p in page.content if p.id is not None]
        more = page.total is not None and page.total > len(patients)
        count = f"{page.total if more else len(patients)}"
        note = f"{count} match{'es' if count != '1' else ''}" + (
            ", showing the first 50" if more else ""
        )
        if not patients:
            note = "No patient matches; try part of a name, or an id."
        self._view.set_patients(patients, note)
        self.answered.emit()
        self.loaded.emit(len(patients))
