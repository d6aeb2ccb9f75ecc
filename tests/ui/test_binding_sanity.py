"""Guards against a Qt binding that drops references to None (PySide6 6.12.0 on Python 3.11).

Such a binding lets the app run for a while and then abort with "none_dealloc"; this test
catches it in a second instead.
"""

import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QLabel


def test_void_calls_keep_none_alive(qapp):
    label = QLabel()
    timer = QTimer()
    before = sys.getrefcount(None)
    for _ in range(200):
        label.setText("x")
        timer.start(1000)
        timer.stop()
        QCoreApplication.sendPostedEvents()
    after = sys.getrefcount(None)
    label.deleteLater()
    assert after - before > -100, "the Qt binding leaks references to None; pin another version"
