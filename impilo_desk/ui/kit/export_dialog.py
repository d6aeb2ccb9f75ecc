"""The tabs' one "where to save this export" dialog: a format per filter, a folder kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from impilo_desk.ui.kit.dialogs import run_dialog
from impilo_desk.ui.kit.save_folder import SaveFolder


async def ask_export_path(
    parent: QWidget,
    caption: str,
    formats: Mapping[str, str],
    file_name: str,
    folder: SaveFolder,
    showing: Callable[[QFileDialog | None], None],
) -> tuple[Path, str] | None:
    """Asks where to save an export; returns the path and its format, or None if cancelled.

    Args:
        parent: The window the dialog belongs to.
        caption: The dialog's title.
        formats: Name filter → format (e.g. ``"CSV (*.csv)": "csv"``); the first is the default.
        file_name: The file name offered, in ``folder`` (documents, then the last folder used).
        folder: Where the dialog opens; told the folder the user chose.
        showing: Told the open dialog, then None when it closed (tests drive it through this).

    A typed suffix that names a format wins over the chosen filter; a name without one gets the
    filter's suffix.
    """
    dialog = QFileDialog(parent, caption)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setNameFilters(list(formats))
    dialog.setDirectory(str(folder.folder))
    dialog.selectFile(file_name)
    showing(dialog)
    try:
        result = await run_dialog(dialog)
        if result != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return None
        path = Path(dialog.selectedFiles()[0])
        fmt = formats.get(dialog.selectedNameFilter(), next(iter(formats.values())))
    finally:
        showing(None)
        dialog.deleteLater()
    typed = path.suffix.lower()[1:]
    if typed in formats.values():
        fmt = typed
    else:
        path = path.with_suffix("." + fmt)
    folder.used(path)
    return path, fmt
