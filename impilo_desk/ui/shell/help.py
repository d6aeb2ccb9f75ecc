"""The Help menu: About (version, licence, where the files are) and the keyboard shortcuts."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desk import __version__
from impilo_desk.applog import AppPaths

LICENCE = "Proprietary (see the licence that came with your copy)"


class AboutDialog(QDialog):
    """Version, licence, and the folders of the log file and the data, each with an Open button.

    Args:
        paths: Where the app keeps its files.
        parent: Parent widget.
    """

    def __init__(self, paths: AppPaths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Impilo Desk")
        layout = QVBoxLayout(self)
        text = QLabel(
            f"<b>Impilo Desk {escape(__version__)}</b><br>Licence: {escape(LICENCE)}", self
        )
        text.setAccessibleName("Version and licence")
        layout.addWidget(text)
        self.open_buttons: dict[str, QPushButton] = {}
        for name, folder, shown in (
            ("log", paths.log_dir, paths.log_file),
            ("data", paths.data_dir, paths.data_dir),
        ):
            label = QLabel(f"{'Log file' if name == 'log' else 'Data'}: {shown}", self)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            button = QPushButton(f"Open the {name} folder", self)
            button.setAccessibleName(f"Open the {name} folder")
            button.clicked.connect(
                lambda _=False, f=folder: QDesktopServices.openUrl(QUrl.fromLocalFile(str(f)))
            )
            self.open_buttons[name] = button
            layout.addWidget(label)
            layout.addWidget(button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def shortcuts_text(window: QMainWindow) -> str:
    """Every window and tab shortcut, one per line: ``Ctrl+P  Manage profiles…``."""
    lines = []
    for action in window.findChildren(QAction):
        keys = action.shortcut()
        if not keys.isEmpty():
            name = action.text().replace("&", "")
            lines.append((keys.toString(QKeySequence.SequenceFormat.NativeText), name))
    return "\n".join(f"{keys}\t{name}" for keys, name in sorted(set(lines)))


def add_help_menu(window: QMainWindow, paths: AppPaths) -> tuple[QAction, QAction]:
    """Adds Help › About and Help › Keyboard shortcuts to ``window``; returns both actions."""
    menu = window.menuBar().addMenu("&Help")
    about = menu.addAction("&About Impilo Desk…")
    about.setObjectName("about")
    shortcuts = menu.addAction("&Keyboard shortcuts…")
    shortcuts.setObjectName("shortcuts")
    shortcuts.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))

    def show_about() -> None:
        dialog = AboutDialog(paths, window)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def show_shortcuts() -> None:
        dialog = QDialog(window)
        dialog.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(dialog)
        text = QLabel(shortcuts_text(window), dialog)
        text.setAccessibleName("Keyboard shortcuts")
        layout.addWidget(text)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
        close.rejected.connect(dialog.reject)
        layout.addWidget(close)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    about.triggered.connect(show_about)
    shortcuts.triggered.connect(show_shortcuts)
    return about, shortcuts
