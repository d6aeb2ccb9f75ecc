"""A widget whose signals were held back for a quiet update gets them back, even after an error.

The Logs and Readings tabs set some widgets without the user's edit signal (filling the type
list, showing the page number, setting a custom range). A pair of ``blockSignals(True)`` and
``blockSignals(False)`` around that left the widget mute for good when something between them
raised: the type filter, the page box or the range fields then did nothing when used.
``QSignalBlocker`` gives the signals back however the block ends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from PySide6.QtCore import QDateTime

from impilo_desk.ui.logs.filters import LogsFilterBar
from impilo_desk.ui.logs.model import LogsModel
from impilo_desk.ui.logs.view import LogsTab
from impilo_desk.ui.readings.view import CUSTOM, ReadingsTab


def test_the_type_filter_still_answers_after_a_bad_type_list(qtbot):
    bar = LogsFilterBar()
    qtbot.addWidget(bar)
    with pytest.raises(TypeError):
        bar.set_types(["reading.weight", cast(Any, 3)])  # the list stops at a name that is no text
    assert bar.type_box.count() == 2
    with qtbot.waitSignal(bar.changed, timeout=5000):  # choosing a type still filters
        bar.type_box.setCurrentIndex(1)


def test_the_page_box_still_answers_after_a_page_it_cannot_show(qtbot, qapp):
    view = LogsTab(LogsModel(lambda: datetime.now(UTC)), qapp.clipboard())
    qtbot.addWidget(view)
    # shiboken warns, then refuses a page past a C int
    with pytest.warns(RuntimeWarning), pytest.raises(OverflowError):
        view.show_position(2**31, 2**31, 15 * 2**31)
    with qtbot.waitSignal(view.page_spin.valueChanged, timeout=1000) as typed:
        view.page_spin.setValue(7)  # "Go to page 7" is still asked for
    assert typed.args == [7]


def test_the_range_fields_still_answer_after_a_bad_custom_range(qtbot):
    view = ReadingsTab()
    qtbot.addWidget(view)
    end = datetime.now(UTC)
    with pytest.raises(AttributeError):
        view.set_custom_range(cast(Any, 0.0), end)  # no datetime: it fails inside the quiet set
    assert view.range_combo.currentData() == CUSTOM
    earlier = QDateTime.fromSecsSinceEpoch(int(end.timestamp()) - 3 * 86400)
    with qtbot.waitSignal(view.range_changed, timeout=1000):  # the user's edit still counts
        view.from_edit.setDateTime(earlier)
