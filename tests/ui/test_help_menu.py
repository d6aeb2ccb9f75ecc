"""Help › About says the version, the licence and where the files are; the shortcuts list."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel

from impilo_desk import __version__
from impilo_desk.applog import AppPaths
from impilo_desk.ui.shell.help import AboutDialog, add_help_menu, shortcuts_text


def test_about_names_version_licence_and_folders(qtbot: Any, tmp_path: Any) -> None:
    paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "log")
    dialog = AboutDialog(paths)
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert __version__ in texts
    assert "Licence" in texts
    assert str(paths.log_file) in texts
    assert str(paths.data_dir) in texts
    assert set(dialog.open_buttons) == {"log", "data"}
    assert all(b.accessibleName() for b in dialog.open_buttons.values())


def test_shortcuts_list_the_window_and_tab_shortcuts(
    qtbot: Any, make_desk: Any, tmp_path: Any
) -> None:
    desk = make_desk()
    paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "log")
    about, shortcuts = add_help_menu(desk.window, paths)
    text = shortcuts_text(desk.window)
    assert "Ctrl+P\tManage profiles…" in text
    assert "Ctrl+Tab\tNext tab" in text
    assert "Ctrl+Return\tFire test event" in text
    assert about.text() == "&About Impilo Desk…"
    assert shortcuts.text() == "&Keyboard shortcuts…"
