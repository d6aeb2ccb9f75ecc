"""When the OS keyring is unusable: the user's explicit choice of session-only secrets."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from impilo_desk.ui.kit.dialogs import accepted, alive, run_dialog
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.shell.main_window import MainWindow

KEEP_IN_MEMORY = "Keep secrets in memory for this session only"
LOST_ON_EXIT = (
    "In memory, the API key and secrets you enter are lost when Impilo Desk closes and must be "
    "typed again next time; they are never written to a file."
)
# QMessageBox wraps its text narrowly; its own labels have these object names.
_WIDE_TEXT = "QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel { min-width: 520px; }"
KEYRING = "keyring"
SESSION = "session"
UNAVAILABLE = "unavailable"


def keyring_choice_box(parent: QWidget, sentence: str) -> QMessageBox:
    """The question: the store's sentence, "keep in memory for this session only", or Cancel."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("No usable keyring")
    box.setText(sentence)
    box.setInformativeText(LOST_ON_EXIT)
    box.setStyleSheet(_WIDE_TEXT)
    keep = box.addButton(KEEP_IN_MEMORY, QMessageBox.ButtonRole.AcceptRole)
    keep.setAccessibleName(KEEP_IN_MEMORY)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box


class KeyringChoiceController(QObject):
    """Asks, once at a time, whether to keep secrets in memory; shows the answer in the status bar.

    The credential store calls :meth:`ask` when the keyring fails. Reads after a refusal do not
    ask again (the status bar offers the choice instead); every attempt to store a secret does.

    Signals:
        mode_changed(str): ``keyring``, ``session`` (memory, this session only) or
            ``unavailable`` (the keyring failed and the user declined).
        memory_chosen(): The user chose session-only secrets (the store switches to memory).
        dialog_opened(QObject): The question was shown (tests, screenshots).

    Args:
        window: The main window (status bar; the question's parent).
        tasks: Owner of the question's task.
        parent: QObject parent.
    """

    mode_changed = Signal(str)
    memory_chosen = Signal()
    dialog_opened = Signal(QObject)

    def __init__(self, window: MainWindow, tasks: TaskOwner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._tasks = tasks
        self.mode = KEYRING
        self._sentence = ""
        self._pending: asyncio.Future[bool] | None = None
        self.dialog: QMessageBox | None = None
        window.status.secrets_choice_requested.connect(self.offer)

    @property
    def session_only(self) -> bool:
        """Whether secrets are kept in memory for this session only."""
        return self.mode == SESSION

    async def ask(self, sentence: str, action: str) -> bool:
        """The user's answer to "keep secrets in memory for this session only?".

        Args:
            sentence: The store's sentence (the problem and what to do).
            action: ``check``, ``get``, ``set`` or ``delete``: what failed.
        """
        self._sentence = sentence
        if self.mode == SESSION:
            return True
        if self.mode == UNAVAILABLE and action in ("get", "delete") and self._pending is None:
            return False
        return await asyncio.shield(self._question())

    def offer(self) -> None:
        """Asks again (the status bar's link), after an earlier refusal."""
        if self.mode != SESSION:
            self._question()

    def _question(self) -> asyncio.Future[bool]:
        if self._pending is None or self._pending.done():
            self._pending = self._tasks.spawn(self._run_question(), name="keyring-choice")
        return self._pending

    async def _run_question(self) -> bool:
        box = keyring_choice_box(self._top_window(), self._sentence)
        self.dialog = box
        try:
            self.dialog_opened.emit(box)
            chosen = accepted(await run_dialog(box), box)
        finally:
            self.dialog = None
            self._pending = None
            if alive(box):
                box.deleteLater()
        self._set_mode(SESSION if chosen else UNAVAILABLE)
        if chosen:
            self.memory_chosen.emit()
        return chosen

    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        if alive(self._window):
            self._window.status.set_secrets(mode, self._sentence)
        self.mode_changed.emit(mode)

    def _top_window(self) -> QWidget:
        """The open dialog on top (e.g. the welcome dialog), so the question is not blocked."""
        top: QWidget = self._window
        direct = Qt.FindChildOption.FindDirectChildrenOnly
        while True:
            dialogs = [d for d in top.findChildren(QDialog, options=direct) if d.isVisible()]
            if not dialogs:
                return top
            top = dialogs[-1]
