"""The Readings tab writes times by the app's one rule, and exports where a user expects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from impilo_desk.contract import ReadingKind
from tests.ui.readings_support import open_readings, relay_reading

WEIGHT = ReadingKind.WEIGHT.value


@pytest.fixture
def shown(qtbot: Any, make_desk: Any, tmp_path: Path) -> Any:
    """A desk with only relay readings (no API): three weights of patient 1 on show."""
    r = partial(open_readings, qtbot, make_desk)(store_path=tmp_path / "events.db")
    r.start()
    r.tab.set_patients([(1, "Pat Stream (#1)")], 1)
    with qtbot.waitSignal(r.controller.loaded, timeout=10_000):
        r.controller.select_patient(1)
    r.tab.show_kind(WEIGHT)
    hub = r.hub
    assert hub is not None
    for i in range(3):
        hub.on_event(relay_reading(i))
    qtbot.waitUntil(lambda: r.count(WEIGHT) == 3)
    return r


def test_times_in_utc_is_one_switch_for_the_table(qtbot, shown):
    times = shown.desk.desk.times
    times.local_zone = timezone(timedelta(hours=2), "EET")
    times.set_utc(True)
    model = shown.page(WEIGHT).model
    assert model.headerData(0, _horizontal()) == "Time (UTC)"
    assert model.data(model.index(0, 0)).endswith(" UTC")
    times.set_utc(False)  # back to local time: the column says so at once
    assert model.headerData(0, _horizontal()) == "Time (EET)"
    assert model.data(model.index(0, 0)).endswith(" EET")
    assert model.data(model.index(0, 0))[:4].isdigit()  # days ago: with its date


def test_the_chart_time_axis_follows_the_same_rule(qtbot, shown):
    times = shown.desk.desk.times
    times.local_zone = timezone(timedelta(hours=2), "EET")  # not this computer's zone
    times.set_utc(True)
    axis = shown.page(WEIGHT).chart.plot.getAxis("bottom")
    ten = datetime(2026, 12, 1, 10, 0, tzinfo=UTC).timestamp()
    hour, day = 3600.0, 86_400.0

    def ticks(spacing: float) -> list[str]:
        axis.zoomLevel = axis.zoomLevels[6 * hour]  # a few days wide: day and hour ticks
        return list(axis.tickStrings([ten], 1.0, spacing))

    assert ticks(hour) == ["10:00"]
    assert axis.labelText == "Time (UTC)"
    times.set_utc(False)  # the same instant, in the chosen local zone, named on the axis
    assert ticks(hour) == ["12:00"]
    assert axis.labelText == "Time (EET)"
    assert ticks(day) == ["2026-12-01"]  # dates as everywhere else, not "Tue 01"


def test_export_opens_in_documents_then_in_the_last_folder(qtbot, shown, tmp_path, monkeypatch):
    documents, chosen = tmp_path / "Documents", tmp_path / "elsewhere"
    documents.mkdir()
    chosen.mkdir()
    exporter = shown.controller.exporter
    exporter.folder._first = documents  # the platform's documents folder, here a temp one
    offered: list[str] = []

    def ask(_caption: str, suggested: str, _filter: str) -> str:
        offered.append(suggested)
        return str(chosen / "weights.csv")

    monkeypatch.setattr(shown.tab, "ask_save_path", ask)
    with qtbot.waitSignal(shown.controller.exported, timeout=10_000):
        shown.tab.csv_action.trigger()
    assert Path(offered[0]).parent == documents
    assert Path(offered[0]).name == "weight-readings-patient-1.csv"
    assert (chosen / "weights.csv").read_text(encoding="utf-8").count("\n") == 4
    with qtbot.waitSignal(shown.controller.exported, timeout=10_000):
        shown.tab.csv_action.trigger()
    assert Path(offered[1]).parent == chosen  # the last folder used


def _horizontal() -> Any:
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal
