"""The Test events form as a new user meets it: input refused, not changed; an ECG that says
what it is; messages that do not move the form (a desk from ``make_desk`` on a ``FakeApi``)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from impilo_desk.contract import Patient
from impilo_desk.ui import test_events
from tests.fixtures.desk import ProfileStub
from tests.ui.fakes import FakeApi


@pytest.fixture
def desk(qtbot: Any, make_desk: Any) -> Any:
    api = FakeApi()
    api.patients = [Patient(id=7, firstName="Amara", lastName="Nwosu")]
    desk = make_desk(api=api, tabs=(test_events.build,))
    desk.window.resize(1280, 800)
    tab = desk.test_events.view
    with qtbot.waitSignal(desk.test_events.patients_loaded, timeout=5_000):
        desk.sessions.switch_to(ProfileStub())
    qtbot.waitUntil(lambda: tab.patient_id() == 7)
    desk.api = api
    return desk


def retype(qtbot: Any, edit: Any, text: str) -> None:
    """Selects what a field holds and types ``text`` over it, as a user does."""
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)


def _beats(samples: list[int], rate: int) -> float:
    """Beats per minute counted from the R peaks (the tallest wave of each beat)."""
    high = 0.6 * max(samples)
    peaks, last = 0, -(10**9)
    for i in range(1, len(samples) - 1):
        peak = samples[i] > high and samples[i] >= samples[i - 1] and samples[i] > samples[i + 1]
        if peak and i - last > rate // 5:  # one peak per beat (noise can make a twin)
            peaks += 1
            last = i
    return peaks * 60 / (len(samples) / rate)


def test_ecg_waveform_follows_the_sampling_rate_and_heart_rate(qtbot, desk):
    tab = desk.test_events.view
    tab.select_kind("ecg")
    tab.preset_combo.setCurrentIndex(tab.preset_combo.findText("Resting, 70 bpm"))
    tab.preset_combo.activated.emit(tab.preset_combo.currentIndex())
    form = tab.current_form()
    assert "2500 samples, 10 s" in form.inputs["samples"].text()
    qtbot.keyClick(
        form.inputs["samplingFrequency"], Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier
    )
    qtbot.keyClicks(form.inputs["samplingFrequency"], "500")
    values = form.values()
    assert values["samplingFrequency"] == 500
    assert len(values["samples"]) == 5000  # still 10 s
    assert "5000 samples, 10 s" in form.inputs["samples"].text()
    assert _beats(values["samples"], 500) == pytest.approx(70, abs=8)
    retype(qtbot, form.inputs["heartRate"], "120")
    assert _beats(form.values()["samples"], 500) == pytest.approx(120, abs=10)
    retype(qtbot, form.inputs["heartRate"], "999")  # no strip for that: the old one stays...
    retype(qtbot, form.inputs["samplingFrequency"], "1000")
    assert "5000 samples, 5 s" in form.inputs["samples"].text()  # ...and says what it is


def test_exponent_weight_is_refused_not_read_as_1000(qtbot, desk):
    tab = desk.test_events.view
    tab.select_kind("weight")
    form = tab.current_form()
    form.set_text("weight", "1e3")
    with qtbot.waitSignal(desk.test_events.blocked, timeout=2_000):
        tab.fire_action.trigger()
    assert form.message("weight") == "Weight must be a number."
    assert "fire_test" not in desk.api.calls
    assert desk.test_events.history.rowCount() == 0


def test_before_and_after_meal_exclude_each_other(qtbot, desk):
    tab = desk.test_events.view
    tab.select_kind("blood-glucose")
    form = tab.current_form()
    before, after = form.inputs["beforeMeal"], form.inputs["afterMeal"]
    qtbot.keyClick(before, Qt.Key.Key_Space)
    assert before.isChecked()
    qtbot.keyClick(after, Qt.Key.Key_Space)
    assert after.isChecked()
    assert not before.isChecked()
    form.set_values({"glucose": 100, "beforeMeal": True, "afterMeal": True})
    assert [form.values()["beforeMeal"], form.values()["afterMeal"]].count(True) == 1


def test_fire_again_is_disabled_until_something_was_fired(desk):
    tab = desk.test_events.view
    assert not tab.fire_again_action.isEnabled()
    assert not tab.fire_again_button.isEnabled()
    assert tab.fire_action.isEnabled()


def test_schema_assumption_is_a_plain_tooltip_not_a_title(desk):
    tab = desk.test_events.view
    index = tab.kind_combo.findData("ecg")
    assert "assumed" not in tab.kind_combo.itemText(index)
    tip = tab.kind_combo.itemData(index, Qt.ItemDataRole.ToolTipRole)
    assert "not published" in tip


def test_a_message_beside_a_field_moves_no_field_and_goes_when_fixed(qtbot, desk):
    desk.window.resize(1024, 720)  # a laptop: the form's column is narrow
    tab = desk.test_events.view
    tab.select_kind("blood-pressure")
    form = tab.current_form()
    qtbot.waitUntil(lambda: form.isVisible())
    below = form.inputs["heartRate"]
    before = below.mapTo(tab, below.rect().topLeft())
    form.set_text("heartRate", "999")
    form.set_text("systolic", "999")  # an error above too: its row must not grow
    form.set_text("diastolic", "80")
    with qtbot.waitSignal(desk.test_events.blocked, timeout=2_000):
        tab.fire_action.trigger()
    message = form.messages["heartRate"]
    assert form.message("heartRate") == "Heart rate must be between 20 and 250 bpm."
    qtbot.waitUntil(lambda: message.isVisible())
    lines = message.height() / message.fontMetrics().lineSpacing()
    assert lines <= 2.5  # a sentence in one or two lines, not a word per line
    assert message.width() >= 250
    assert below.mapTo(tab, below.rect().topLeft()) == before  # nothing moved
    assert tab.banner.text == "Systolic must be between 60 and 260 mmHg."
    banner_room = tab.banner.geometry()
    retype(qtbot, form.inputs["heartRate"], "72")
    assert form.message("heartRate") == ""
    assert tab.banner.isVisible()  # the systolic is still wrong
    retype(qtbot, form.inputs["systolic"], "120")  # fixed: the message and the banner go
    assert not tab.banner.isVisible()
    assert tab.banner.geometry() == banner_room  # its room stays: nothing below moves up


@pytest.mark.parametrize(("typed", "meant"), [("1,000", "1000 or 1"), ("1.000", "1000 or 1")])
def test_a_number_with_a_thousands_separator_is_refused_not_read_as_one(qtbot, desk, typed, meant):
    tab = desk.test_events.view
    tab.select_kind("weight")
    form = tab.current_form()
    retype(qtbot, form.inputs["weight"], typed)  # "1,000" lbs was fired as 1 lb (Xvfb)
    with qtbot.waitSignal(desk.test_events.blocked, timeout=2_000):
        tab.fire_action.trigger()
    assert form.message("weight") == f"Weight: “{typed}” could be {meant}; type one."
    assert tab.banner.text == form.message("weight")
    assert "fire_test" not in desk.api.calls
    retype(qtbot, form.inputs["weight"], "1000")
    assert form.message("weight") == ""
    assert tab.banner.text == ""  # the banner goes with its cause
    assert form.values()["weight"] == 1000


def test_typed_rates_make_the_ecg_strip_they_claim(qtbot, desk):
    tab = desk.test_events.view
    tab.select_kind("ecg")
    form = tab.current_form()
    assert form.values()["samples"] is None
    retype(qtbot, form.inputs["heartRate"], "70")
    assert form.values()["samples"] is None  # no sampling rate yet
    retype(qtbot, form.inputs["samplingFrequency"], "250")  # an ECG was sent with no strip
    values = form.values()
    assert len(values["samples"]) == 2500
    assert "2500 samples, 10 s" in form.inputs["samples"].text()
    assert _beats(values["samples"], 250) == pytest.approx(70, abs=8)
    form.set_values({})  # emptied: it says how a strip comes
    assert "type both rates" in form.inputs["samples"].text()
