"""What every tab's export shares: one run at a time, the save dialog, cancel, the closing words.

A tab's exporter subclasses :class:`ExportRun` and adds where its rows come from; the file
itself is written by a Qt-free service that appears only when complete.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Mapping
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QAbstractButton, QFileDialog

from impilo_desk.services.failure_sentence import describe_error
from impilo_desk.ui.kit.banners import MessageBanner
from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.kit.export_dialog import ask_export_path
from impilo_desk.ui.kit.save_folder import SaveFolder


class ExportView(Protocol):
    """The parts of a tab an export uses."""

    @property
    def banner(self) -> MessageBanner:
        """Where the export says how it ended."""

    @property
    def export_cancel(self) -> QAbstractButton:
        """The button that cancels it."""

    def show_export(self, running: bool, text: str = "") -> None:
        """Shows (or hides) the export progress row."""


class ExportRun(QObject):
    """One export at a time for a tab: asks where, runs, cancels, and says how it ended.

    Signals:
        finished(int, str): Rows written and the file's path.
        failed(str): The one-sentence reason; no file was written.
        cancelled(): The user stopped it; no file was written.
    """

    finished = Signal(int, str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, view: ExportView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._export_view = view
        self.task: asyncio.Task[None] | None = None
        self.open_dialog: QFileDialog | None = None
        self.folder = SaveFolder()  # documents, then the last folder used
        view.export_cancel.clicked.connect(self.cancel)

    @property
    def running(self) -> bool:
        """Whether an export is under way."""
        return self.task is not None and not self.task.done()

    def cancel(self) -> None:
        """Cancels the export under way, if any."""
        if self.task is not None and not self.task.done():
            self.task.cancel()

    async def ask_path(
        self, caption: str, formats: Mapping[str, str], file_name: str
    ) -> tuple[Path, str] | None:
        """The save dialog (see :func:`ask_export_path`); ``open_dialog`` while it shows."""
        window = self._export_view.banner.window()  # the dialog belongs to the tab's window
        return await ask_export_path(
            window, caption, formats, file_name, self.folder, self._showing
        )

    def _showing(self, dialog: QFileDialog | None) -> None:
        self.open_dialog = dialog

    async def write(
        self,
        written: Awaitable[int],
        pages: AsyncGenerator[Any, None],
        path: Path,
        redact: bool,
        noun: tuple[str, str],
    ) -> None:
        """Awaits ``written`` (the service writing ``pages`` to ``path``) and says how it ended.

        Args:
            written: The export; its result is the number of rows written.
            pages: The pages it reads (closed whatever happens).
            path: The file (for the closing sentence).
            redact: Whether patient details were redacted (said in the sentence).
            noun: The row's name, singular and plural (``("event", "events")``).
        """
        view = self._export_view
        try:
            count = await written
        except asyncio.CancelledError:
            if alive(view.banner):  # the tab may be gone (window closed mid-export)
                view.show_export(False)
                view.banner.show_info("Export cancelled; no file was written.")
            self.cancelled.emit()
            raise
        except Exception as exc:
            sentence = describe_error(exc)
            if alive(view.banner):
                view.show_export(False)
                view.banner.show_error(f"The export failed, and no file was written. {sentence}")
            self.failed.emit(sentence)
            return
        finally:
            await pages.aclose()
        view.show_export(False)
        what = noun[0] if count == 1 else noun[1]
        redacted = " with patient details redacted" if redact else ""
        view.banner.show_info(f"Exported {count:,} {what} to {path}{redacted}.")
        self.finished.emit(count, str(path))
