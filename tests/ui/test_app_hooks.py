from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from impilo_desk.app import _excepthook
from impilo_desk.applog import HOME_ENV, AppPaths, SecretRedactor, setup_logging


def test_uncaught_error_is_logged_without_secrets_and_shown_readably(qtbot, tmp_path):
    paths = AppPaths.from_env({HOME_ENV: str(tmp_path)})
    redactor = SecretRedactor()
    redactor.add("api-key-that-must-not-leak")
    handler = setup_logging(paths, redactor)
    window = QWidget()
    qtbot.addWidget(window)
    try:
        hook = _excepthook(window, paths.log_file)
        try:
            raise ValueError("boom with api-key-that-must-not-leak")
        except ValueError as exc:
            hook(type(exc), exc, exc.__traceback__)
        box = window.findChild(QMessageBox)
        assert box is not None
        assert "Traceback" not in box.text()
        assert str(paths.log_file) in box.text()
        box.close()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = paths.log_file.read_text()
    assert "ValueError" in text
    assert "api-key-that-must-not-leak" not in text


def test_qt_messages_go_to_the_log_not_stderr(qtbot, tmp_path, capfd):
    from PySide6.QtCore import qWarning

    from impilo_desk.ui.shell.qt_messages import route_qt_messages

    paths = AppPaths.from_env({HOME_ENV: str(tmp_path)})
    handler = setup_logging(paths, SecretRedactor())
    restore = route_qt_messages()
    try:
        qWarning("a Qt plugin complains")
    finally:
        restore()
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert "complains" not in capfd.readouterr().err
    assert "WARNING qt: a Qt plugin complains" in paths.log_file.read_text()
