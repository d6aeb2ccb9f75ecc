"""The Test events tab's Qt-free parts: values, presets, the synthetic ECG, typed text."""

from __future__ import annotations

import random

import pytest

from impilo_desk.contract import READING_KINDS, ReadingKind, validate_values
from impilo_desk.services.test_event_values import (
    FIRABLE_KINDS,
    parse_text,
    presets,
    random_values,
    range_hint,
    request_body,
    summarize,
    synthetic_ecg,
)

SIX = {
    ReadingKind.BLOOD_PRESSURE,
    ReadingKind.WEIGHT,
    ReadingKind.BLOOD_GLUCOSE,
    ReadingKind.BLOOD_OXYGEN,
    ReadingKind.TEMPERATURE,
    ReadingKind.ECG,
}


def test_the_six_test_kinds_have_forms():
    assert set(FIRABLE_KINDS) == SIX


@pytest.mark.parametrize("kind", sorted(SIX))
def test_random_values_and_presets_are_valid(kind):
    info = READING_KINDS[kind]
    for seed in range(10 if kind is ReadingKind.ECG else 200):
        values = random_values(info, random.Random(seed))
        assert validate_values(info, values) == {}, (seed, values)
    named = presets(kind)
    assert named
    for name, values in named.items():
        assert validate_values(info, values) == {}, name


def test_synthetic_ecg_looks_like_a_heartbeat():
    samples = synthetic_ecg(60, 250, 10, random.Random(1))
    assert len(samples) == 2500
    assert all(isinstance(s, int) for s in samples)
    assert 900 < max(samples) < 1500  # R waves of about a millivolt
    peaks = [i for i in range(1, 2499) if samples[i] > 700 and samples[i] >= samples[i - 1]
             and samples[i] > samples[i + 1]]  # fmt: skip
    assert len(peaks) == 10  # one R peak per second at 60 bpm


def test_typed_text_is_parsed_or_left_for_the_validator():
    bp = READING_KINDS[ReadingKind.BLOOD_PRESSURE]
    weight = READING_KINDS[ReadingKind.WEIGHT]
    systolic = bp.field("systolic")
    assert parse_text(systolic, " 120 ") == 120
    assert parse_text(systolic, "120.0") == 120
    assert parse_text(systolic, "120.5") == "120.5"
    assert parse_text(systolic, "") is None
    assert parse_text(weight.field("weight"), "172,4") == 172.4
    assert parse_text(weight.field("weight"), "inf") == "inf"
    errors = validate_values(bp, {"systolic": "120.5", "diastolic": 80})
    assert errors == {"systolic": "Systolic must be a whole number."}


def test_hints_summaries_and_the_body():
    temperature = READING_KINDS[ReadingKind.TEMPERATURE]
    field = temperature.field("temperature")
    assert range_hint(temperature, field, {"temperatureUnit": "fahrenheit"}) == ("°F", "77–113")
    assert range_hint(temperature, field, {"temperatureUnit": "celsius"}) == ("°C", "25–45")
    values = {"temperature": 37.2, "temperatureUnit": "celsius"}
    assert summarize(temperature, values) == "Temperature 37.2 °C"
    glucose = READING_KINDS[ReadingKind.BLOOD_GLUCOSE]
    assert summarize(glucose, {"glucose": 92, "beforeMeal": True, "afterMeal": False}) == (
        "Glucose 92 mg/dL, before meal"
    )
    assert request_body(3, {"weight": 170.0, "x": None}) == {"patientId": 3, "weight": 170.0}
