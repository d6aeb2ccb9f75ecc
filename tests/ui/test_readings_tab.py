"""The Readings tab on real widgets against a real sandbox and relay (pytest-qt, qasync)."""

from __future__ import annotations

import csv
import math
from functools import partial
from typing import Any

import pytest

from impilo_desk.contract import READING_KINDS, ReadingKind
from impilo_desk.services.sse_base import Gap
from impilo_desk.ui.readings.model import ReadingsTableModel
from tests.ui.readings_support import add_patient, open_readings, record, send_readings_to

BP = ReadingKind.BLOOD_PRESSURE.value
WEIGHT = ReadingKind.WEIGHT.value
TYPES = [READING_KINDS[k].webhook_type for k in ReadingKind]


@pytest.fixture
def make(qtbot, make_desk) -> Any:
    """``make(base_url=…, store_path=…, relay=…)``: a desk with the Readings tab (``Readings``)."""
    return partial(open_readings, qtbot, make_desk)


@pytest.fixture
def api(sandbox):
    with sandbox.client() as client:
        yield client


def test_relay_events_land_in_the_right_chart_and_patient(
    qtbot, make, sandbox, relay, api, tmp_path
):
    send_readings_to(api, relay.ingest_url, relay.secret, TYPES)
    anna = add_patient(api, "Anna", "Berg")
    ben = add_patient(api, "Ben", "Carter")
    r = make(base_url=sandbox.base_url, store_path=tmp_path / "events.db", relay=relay)
    r.start()  # the session starts its relay feed
    qtbot.waitUntil(lambda: r.subscriber.state.phase == "live", timeout=10_000)
    r.controller.select_patient(anna)
    qtbot.waitUntil(lambda: r.controller.poller is not None and r.controller.poller.passes > 0)
    assert r.controller.shown() == 0

    record(api, BP, anna, 5, systolic=128, diastolic=82, heartRate=71)
    record(api, WEIGHT, ben, 4, weight=180.0)  # the other patient: not on Anna's charts
    record(api, WEIGHT, anna, 3, weight=150.5)
    qtbot.waitUntil(lambda: r.subscriber.state.received >= 3, timeout=15_000)
    qtbot.waitUntil(lambda: r.count(BP) == 1 and r.count(WEIGHT) == 1, timeout=5_000)
    assert r.controller.poller.passes == 1  # no poll since: these came from the relay
    assert r.curve(BP, "systolic")[1] == [128.0]
    assert r.curve(BP, "diastolic")[1] == [82.0]
    assert r.curve(BP, "heartRate")[1] == [71.0]
    assert r.curve(WEIGHT, "weight")[1] == [150.5]
    assert r.count(ReadingKind.BLOOD_GLUCOSE.value) == 0

    r.controller.select_patient(ben)  # Ben's comes from the store (and the API)
    qtbot.waitUntil(lambda: r.count(WEIGHT) == 1 and r.count(BP) == 0, timeout=10_000)
    assert r.curve(WEIGHT, "weight")[1] == [180.0]


def test_polling_pages_through_history(qtbot, make, sandbox, api):
    pid = add_patient(api, "Cara", "Dunn")
    for i in range(260):  # more than one page of 250
        record(api, BP, pid, 600 - i, systolic=100 + i % 50, diastolic=70, heartRate=60)
    r = make(base_url=sandbox.base_url)
    pages: list[int] = []
    original = r.client.list_readings

    async def counting(kind, **kwargs):
        if kind == ReadingKind.BLOOD_PRESSURE:
            pages.append(kwargs["page"])
        return await original(kind, **kwargs)

    r.client.list_readings = counting
    r.start()
    assert r.count(BP) == 260
    assert pages[:2] == [1, 2]
    t, _ = r.curve(BP, "systolic")
    assert len(t) == 260
    assert t == sorted(t)


def test_a_reading_from_both_sources_shows_once(qtbot, make, sandbox, relay, api, tmp_path):
    send_readings_to(api, relay.ingest_url, relay.secret, TYPES)
    pid = add_patient(api, "Dev", "Ellis")
    r = make(base_url=sandbox.base_url, store_path=tmp_path / "events.db", relay=relay)
    r.start()  # the session starts its relay feed
    qtbot.waitUntil(lambda: r.subscriber.state.phase == "live", timeout=10_000)
    record(api, BP, pid, 2, systolic=131, diastolic=85, heartRate=66)
    qtbot.waitUntil(lambda: r.count(BP) == 1, timeout=15_000)  # from the relay
    passes = r.controller.poller.passes
    r.hub.on_gap(Gap("retention"))  # a gap makes the poller fill in at once
    # Wait until the pass and the marker fetch it starts are over: a request cancelled while
    # its connection is being opened can leave that socket unclosed (an asyncio/anyio race on
    # cancellation, not ours), which pytest then reports against a later test.
    qtbot.waitUntil(
        lambda: r.controller.poller.passes > passes and not r.controller.fetching_markers,
        timeout=10_000,
    )
    assert r.count(BP) == 1
    assert r.curve(BP, "systolic")[1] == [131.0]
    assert len(r.controller.gaps) == 1
    assert r.page(BP).chart.marker_count >= 1


def test_units_convert_in_the_view(qtbot, make, sandbox, api):
    pid = add_patient(api, "Eve", "Fox")
    record(api, WEIGHT, pid, 10, weight=220.0)
    record(api, "temperature", pid, 9, temperature=98.6, temperatureUnit="fahrenheit")
    record(api, "temperature", pid, 8, temperature=38.0, temperatureUnit="celsius")
    r = make(base_url=sandbox.base_url)
    r.start()
    assert r.curve(WEIGHT, "weight")[1] == [220.0]
    r.tab.weight_combo.setCurrentIndex(r.tab.weight_combo.findData("kg"))
    assert r.curve(WEIGHT, "weight")[1] == pytest.approx([99.79], abs=0.01)
    model = r.page(WEIGHT).model
    assert model.headerData(1, _horizontal()) == "Weight (kg)"
    assert model.data(model.index(0, 1)) == "99.8"  # one decimal per weight unit
    assert r.curve("temperature", "temperature")[1] == pytest.approx([98.6, 100.4])
    r.tab.temperature_combo.setCurrentIndex(r.tab.temperature_combo.findData("celsius"))
    assert r.curve("temperature", "temperature")[1] == pytest.approx([37.0, 38.0])
    assert r.page("temperature").model.headerData(1, _horizontal()) == "Temperature (°C)"


def test_ecg_waveform_and_heart_rate_trend(qtbot, make, sandbox, api):
    pid = add_patient(api, "Finn", "Gray")
    samples = [int(1000 * math.sin(i / 10)) for i in range(500)]
    record(api, "ecg", pid, 30, heartRate=64, samplingFrequency=250, samples=[0] * 100)
    record(api, "ecg", pid, 20, heartRate=72, samplingFrequency=250, samples=samples)
    r = make(base_url=sandbox.base_url)
    r.start()
    page = r.page("ecg")
    x, y = page.waveform.curve.xData, page.waveform.curve.yData
    assert list(y) == samples  # the newest ECG's waveform
    assert x[-1] == pytest.approx(499 / 250)
    assert r.curve("ecg", "heartRate")[1] == [64.0, 72.0]
    assert "72 bpm" in page.waveform.plot.titleLabel.text


def test_export_csv_and_png(qtbot, make, sandbox, api, tmp_path):
    pid = add_patient(api, "Gus", "Hall")
    for i in range(5):
        record(api, "blood-glucose", pid, 50 - i, glucose=90 + i, beforeMeal=i % 2 == 0,
               afterMeal=i % 2 == 1)  # fmt: skip
    r = make(base_url=sandbox.base_url)
    r.start()
    r.tab.show_kind("blood-glucose")
    run_csv = r.loop.create_task(r.controller.exporter.export_csv(tmp_path / "g.csv"))
    qtbot.waitUntil(run_csv.done)
    with (tmp_path / "g.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["time (ISO 8601)", "Glucose (mg/dL)", "meal"]
    assert [row[1] for row in rows[1:]] == ["90", "91", "92", "93", "94"]
    assert [row[2] for row in rows[1:]] == ["before meal", "after meal"] * 2 + ["before meal"]
    assert all(row[0].endswith("+00:00") for row in rows[1:])  # files: ISO 8601, offset
    png = r.controller.exporter.export_png(tmp_path / "g.png")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG")
    assert len(data) > 2000
    assert len(r.page("blood-glucose").chart.meal_items[1.0].data) == 3


def test_table_matches_chart_and_passes_model_checks(qtbot, qtmodeltester, make, sandbox, api):
    pid = add_patient(api, "Hana", "Ito")
    for i in range(30):
        record(api, "blood-oxygen", pid, 100 - i, bloodOxygen=90 + i % 10, heartRate=60 + i)
    r = make(base_url=sandbox.base_url)
    r.start()
    page = r.page("blood-oxygen")
    model: ReadingsTableModel = page.model
    qtmodeltester.check(model)
    t, spo2 = r.curve("blood-oxygen", "bloodOxygen")
    _, rate = r.curve("blood-oxygen", "heartRate")
    assert model.rowCount() == len(t) == 30
    assert model.column_names() == ["time", "bloodOxygen", "heartRate"]
    for row in range(model.rowCount()):
        when, values = model.row_values(row)
        i = len(t) - 1 - row  # the table shows the newest first
        assert when == t[i]
        assert values == {"bloodOxygen": spo2[i], "heartRate": rate[i]}
        assert model.data(model.index(row, 1)) == f"{spo2[i]:.0f}"
    text = page.chart.readout_at(t[3])
    assert f"SpO₂ {spo2[3]:.0f} %" in text
    assert f"Heart rate {rate[3]:.0f} bpm" in text


def test_failed_deliveries_are_marked(qtbot, make, sandbox, api, receiver):
    receiver.status = 500
    send_readings_to(api, receiver.url + "/hook", "s" * 24, ["reading.weight"])
    pid = add_patient(api, "Ivy", "Jones")
    record(api, WEIGHT, pid, 5, weight=140.0)
    receiver.wait_for(1)
    r = make(base_url=sandbox.base_url)
    r.start()
    qtbot.waitUntil(lambda: len(r.controller.failed.get(WEIGHT, [])) == 1, timeout=10_000)
    assert r.page(WEIGHT).chart.marker_count == 1
    assert r.page(BP).chart.marker_count == 0


def test_restart_shows_stored_readings_with_the_api_unreachable(
    qtbot, make, sandbox, relay, api, tmp_path
):
    send_readings_to(api, relay.ingest_url, relay.secret, TYPES)
    pid = add_patient(api, "Jon", "King")
    first = make(base_url=sandbox.base_url, store_path=tmp_path / "events.db", relay=relay)
    first.start()  # the session starts its relay feed
    qtbot.waitUntil(lambda: first.subscriber.state.phase == "live", timeout=10_000)
    record(api, BP, pid, 6, systolic=140, diastolic=90, heartRate=80)
    record(api, "ecg", pid, 5, heartRate=75, samplingFrequency=250, samples=[1, 2, 3])
    qtbot.waitUntil(lambda: first.count(BP) == 1 and first.count("ecg") == 1, timeout=15_000)
    first.quit()
    sandbox.stop()  # the API is gone

    again = make(base_url=sandbox.base_url, store_path=tmp_path / "events.db")
    again.start()
    assert again.controller.patient_id == pid
    assert "Jon King" in again.tab.patient_combo.currentText()
    assert again.curve(BP, "systolic")[1] == [140.0]
    assert list(again.page("ecg").waveform.curve.yData) == [1, 2, 3]
    assert "stored on this computer" in again.tab.banner.text


def _horizontal() -> Any:
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


def test_polled_readings_are_kept_and_shown_after_a_restart_offline(
    qtbot, make, sandbox, api, tmp_path
):
    pid = add_patient(api, "Lea", "Moss")
    record(api, BP, pid, 6, systolic=128, diastolic=82, heartRate=70)
    record(api, WEIGHT, pid, 5, weight=181.5)
    first = make(base_url=sandbox.base_url, store_path=tmp_path / "events.db")  # no relay
    first.start()
    assert first.count(BP) == 1
    assert first.count(WEIGHT) == 1
    store = first.stores[0]
    assert store.count() == 0  # nothing came from a relay...
    qtbot.waitUntil(lambda: len(store.query_polled(patient_id=pid)) == 2, timeout=10_000)
    passes = first.controller.poller.passes
    first.controller.poller.poll_now()  # ...and polling the same readings again adds none
    qtbot.waitUntil(lambda: first.controller.poller.passes > passes, timeout=10_000)
    assert len(store.query_polled(patient_id=pid)) == 2
    first.quit()
    sandbox.stop()  # the API is gone

    again = make(base_url=sandbox.base_url, store_path=tmp_path / "events.db")
    again.start()
    assert again.controller.patient_id == pid
    assert "Lea Moss" in again.tab.patient_combo.currentText()
    assert again.curve(BP, "systolic")[1] == [128.0]
    assert again.curve(WEIGHT, "weight")[1] == [181.5]
    assert "stored on this computer" in again.tab.banner.text


def _choose_range(r: Any, text: str) -> None:
    combo = r.tab.range_combo
    with r.qtbot.waitSignal(r.controller.loaded, timeout=20_000):
        combo.setCurrentIndex(combo.findText(text))


def _shown_weights(r: Any) -> list[str]:
    model = r.page(WEIGHT).model
    return [model.data(model.index(row, 1)) for row in range(model.rowCount())]


def test_one_range_drives_chart_table_and_count_online_and_offline(
    qtbot, make, sandbox, api, tmp_path
):
    pid = add_patient(api, "Ola", "Park")
    record(api, WEIGHT, pid, 3 * 24 * 60, weight=150.0)  # three days ago
    record(api, WEIGHT, pid, 5, weight=151.0)  # five minutes ago
    first = make(base_url=sandbox.base_url, store_path=tmp_path / "events.db")
    first.start()
    first.tab.show_kind(WEIGHT)
    assert first.count(WEIGHT) == 2  # the default range is 30 days
    _choose_range(first, "Last 24 hours")
    assert first.count(WEIGHT) == 1
    assert first.curve(WEIGHT, "weight")[1] == [151.0]
    assert _shown_weights(first) == ["151.0"]
    assert first.tab.status_label.text().startswith("1 readings of this kind")
    _choose_range(first, "Last 7 days")
    assert _shown_weights(first) == ["151.0", "150.0"]
    qtbot.waitUntil(lambda: len(first.stores[0].query_polled(patient_id=pid)) == 2)
    first.quit()
    sandbox.stop()  # the API is gone: the local copy must agree

    again = make(base_url=sandbox.base_url, store_path=tmp_path / "events.db")
    again.start()
    again.tab.show_kind(WEIGHT)
    assert again.count(WEIGHT) == 2
    assert "did not answer the last poll" in again.tab.status_label.text()  # not "polled"
    _choose_range(again, "Last 24 hours")
    assert again.count(WEIGHT) == 1
    assert _shown_weights(again) == ["151.0"]
    assert again.tab.status_label.text().startswith("1 readings of this kind")


def test_custom_range_beside_the_presets(qtbot, make, sandbox, api):
    from datetime import datetime, timedelta

    pid = add_patient(api, "Pia", "Quinn")
    for days in (10, 6, 2):
        record(api, WEIGHT, pid, days * 24 * 60, weight=140.0 + days)
    r = make(base_url=sandbox.base_url)
    r.start()
    r.tab.show_kind(WEIGHT)
    assert not r.tab.from_edit.isVisible()
    combo = r.tab.range_combo
    combo.setCurrentIndex(combo.findText("Custom range"))
    assert r.tab.from_edit.isVisible()
    assert r.tab.to_edit.isVisible()
    now = datetime.now().astimezone()
    with qtbot.waitSignal(r.controller.loaded, timeout=20_000):
        r.tab.set_custom_range(now - timedelta(days=8), now - timedelta(days=4))
    assert _shown_weights(r) == ["146.0"]
    assert r.count(WEIGHT) == 1
    r.tab.to_edit.setDateTime(r.tab.from_edit.dateTime().addDays(-1))  # ends before it starts
    assert "must be after" in r.tab.range_error.text()
    assert r.tab.range_error.isVisible()
    assert _shown_weights(r) == ["146.0"]  # the last valid range stays until this one is
    r.tab.to_edit.setDateTime(r.tab.from_edit.dateTime().addDays(7))
    qtbot.waitUntil(lambda: _shown_weights(r) == ["142.0", "146.0"], timeout=20_000)
    assert not r.tab.range_error.isVisible()


def test_selecting_an_older_ecg_row_shows_its_strip(qtbot, make, sandbox, api):
    pid = add_patient(api, "Quin", "Ross")
    record(api, "ecg", pid, 30, heartRate=64, samplingFrequency=250, samples=[5] * 100)
    record(api, "ecg", pid, 20, heartRate=72, samplingFrequency=250, samples=[9] * 300)
    r = make(base_url=sandbox.base_url)
    r.start()
    r.tab.show_kind("ecg")
    page = r.page("ecg")
    assert list(page.waveform.curve.yData) == [9] * 300  # nothing selected: the newest
    page.table.selectRow(1)  # the older one
    assert list(page.waveform.curve.yData) == [5] * 100
    assert "64 bpm" in page.waveform.plot.titleLabel.text
    r.controller.redraw(full=True)  # a redraw keeps the selected strip
    assert list(page.waveform.curve.yData) == [5] * 100
