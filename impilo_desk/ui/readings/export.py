"""Export of one Readings page: the chart as PNG (and the ECG waveform), the rows as CSV."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from impilo_desk.ui.kit.save_folder import SaveFolder

if TYPE_CHECKING:
    from impilo_desk.ui.kit.tasks import TaskOwner
    from impilo_desk.ui.readings.page import KindPage
    from impilo_desk.ui.readings.view import ReadingsTab


def export_png(page: KindPage, path: Path) -> list[Path]:
    """Saves the page's chart as ``path`` (and its ECG waveform beside it); returns the files."""
    page.chart.export_png(path)
    written = [path]
    if page.waveform is not None:
        written.append(path.with_name(path.stem + "-waveform.png"))
        page.waveform.export_png(written[-1])
    return written


async def export_csv(page: KindPage, path: Path) -> Path:
    """Saves the readings the page's table holds (as charted: same units) as CSV."""
    from impilo_desk.services.reading_series import csv_rows

    snapshot = page.model.snapshot
    if snapshot is None:
        raise ValueError("nothing to export yet")
    # formatted in a thread (100,000 rows take a while), from a copy: live points keep coming
    frozen = replace(
        snapshot,
        t=snapshot.t.copy(),
        values={name: values.copy() for name, values in snapshot.values.items()},
        meal=None if snapshot.meal is None else snapshot.meal.copy(),
    )

    def write() -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(csv_rows(frozen))

    await asyncio.to_thread(write)
    return path


class ReadingsExporter(QObject):
    """The Readings tab's export: asks where, writes the shown page's chart (PNG) or rows (CSV).

    The dialog opens in the user's documents folder, then in the last folder used (``folder``).

    Signals:
        exported(str): A file was written (its path).

    Args:
        view: The tab.
        redraw: Brings every page up to date (``full``) before it is written.
        patient_id: The shown patient (for the suggested file name).
        parent: QObject parent.
    """

    exported = Signal(str)

    def __init__(
        self,
        view: ReadingsTab,
        redraw: Callable[[bool], object],
        patient_id: Callable[[], int | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._redraw = redraw
        self._patient_id = patient_id
        self.folder = SaveFolder()

    def ask(self, fmt: str, tasks: TaskOwner) -> None:
        """Asks for a file name, then writes the page in view as ``fmt`` (``png``, ``csv``)."""
        page = self._view.current_page()
        if page is None:
            return
        suggested = f"{page.kind.value}-readings-patient-{self._patient_id()}.{fmt}"
        caption = "Export chart as PNG" if fmt == "png" else "Export readings as CSV"
        path = self._view.ask_save_path(
            caption, self.folder.suggest(suggested), f"{fmt.upper()} files (*.{fmt})"
        )
        if path:
            self.folder.used(path)
            tasks.spawn(self._export(fmt, Path(path)), name="readings.export")

    async def _export(self, fmt: str, path: Path) -> None:
        try:
            if fmt == "png":
                self.export_png(path)
            else:
                await self.export_csv(path)
        except OSError as exc:
            self._view.banner.show_error(f"Could not write {path}: {exc.strerror or exc}.")

    def _page(self, kind: str | None) -> KindPage:
        self._redraw(True)
        page = self._view.pages[kind] if kind else self._view.current_page()
        if page is None:
            raise ValueError("no readings page is shown")
        return page

    def export_png(self, path: Path, kind: str | None = None) -> Path:
        """Saves the chart of ``kind`` (default: the one in view) as a PNG."""
        export_png(self._page(kind), path)
        self.exported.emit(str(path))
        return path

    async def export_csv(self, path: Path, kind: str | None = None) -> Path:
        """Saves the readings of ``kind`` (default: the one in view) as CSV, as charted."""
        await export_csv(self._page(kind), path)
        self.exported.emit(str(path))
        return path
