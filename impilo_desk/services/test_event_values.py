"""Values for test events: presets, realistic random values, a synthetic ECG, parsing typed text.

Qt-free (it lives under ``ui/`` because only the Test events tab uses it). Forms are generated
from ``READING_KINDS``; everything here works from a kind's value fields, so a new field in the
contract shows up in the form without a change here.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from typing import Any

from impilo_desk.contract import READING_KINDS, KindInfo, ReadingKind, ValueField, validate_values
from impilo_desk.services.number_display import format_number

FIRABLE_KINDS: tuple[ReadingKind, ...] = tuple(
    info.kind for info in READING_KINDS.values() if info.has_test_endpoint
)
"""The kinds that have a test endpoint, in the contract's order."""

ECG_SECONDS = 10
ECG_HZ = 250

PRESETS: dict[ReadingKind, dict[str, dict[str, Any]]] = {
    ReadingKind.BLOOD_PRESSURE: {
        "Normal": {"systolic": 118, "diastolic": 76, "heartRate": 68},
        "Hypertensive": {"systolic": 168, "diastolic": 102, "heartRate": 84},
        "Low": {"systolic": 88, "diastolic": 54, "heartRate": 58},
    },
    ReadingKind.WEIGHT: {
        "Typical adult": {"weight": 172.4},
        "Light": {"weight": 112.0},
        "Heavy": {"weight": 286.5},
    },
    ReadingKind.BLOOD_GLUCOSE: {
        "Fasting, normal": {"glucose": 92, "beforeMeal": True, "afterMeal": False},
        "After a meal": {"glucose": 148, "beforeMeal": False, "afterMeal": True},
        "High": {"glucose": 287, "beforeMeal": False, "afterMeal": False},
    },
    ReadingKind.BLOOD_OXYGEN: {
        "Normal": {"bloodOxygen": 97, "heartRate": 72},
        "Low": {"bloodOxygen": 88, "heartRate": 96},
    },
    ReadingKind.TEMPERATURE: {
        "Normal (°F)": {"temperature": 98.6, "temperatureUnit": "fahrenheit"},
        "Fever (°F)": {"temperature": 101.8, "temperatureUnit": "fahrenheit"},
        "Normal (°C)": {"temperature": 36.9, "temperatureUnit": "celsius"},
    },
    ReadingKind.ECG: {
        "Resting, 70 bpm": {"heartRate": 70, "samplingFrequency": ECG_HZ},
        "Tachycardia, 128 bpm": {"heartRate": 128, "samplingFrequency": ECG_HZ},
    },
}
"""Named sets of values per kind (an ECG preset's waveform is synthesised from its rate)."""


def presets(kind: ReadingKind) -> dict[str, dict[str, Any]]:
    """The presets of ``kind``, each complete (an ECG preset with its waveform)."""
    result = {}
    for name, values in PRESETS.get(kind, {}).items():
        full = dict(values)
        if kind is ReadingKind.ECG:
            full["samples"] = synthetic_ecg(int(full["heartRate"]), int(full["samplingFrequency"]))
        result[name] = full
    return result


def synthetic_ecg(
    heart_rate: int,
    sampling_hz: int = ECG_HZ,
    seconds: int = ECG_SECONDS,
    rng: random.Random | None = None,
) -> list[int]:
    """A plausible single-lead ECG in µV: P wave, QRS complex and T wave at ``heart_rate``.

    Each beat is a sum of Gaussian bumps (a common textbook model); a little noise and
    baseline wander make it look recorded rather than drawn.
    """
    rng = rng or random.Random(heart_rate)  # noqa: S311 - a waveform, not a secret
    period = 60.0 / max(20, heart_rate)
    # (offset in the beat as a fraction of a 1 s beat, amplitude µV, width s)
    waves = ((0.2, 150, 0.025), (0.35, -120, 0.01), (0.38, 1100, 0.012), (0.41, -250, 0.01),
             (0.62, 300, 0.04))  # fmt: skip
    scale = min(1.0, period)  # the waves of a fast heart squeeze together, like the real ones
    samples = []
    for n in range(sampling_hz * seconds):
        t = n / sampling_hz
        phase = t % period
        value = 0.0
        for offset, amplitude, width in waves:
            centre = offset * scale
            value += amplitude * math.exp(-(((phase - centre) / (width * scale)) ** 2) / 2)
        value += 40 * math.sin(2 * math.pi * 0.25 * t) + rng.gauss(0, 12)
        samples.append(round(value))
    return samples


def random_values(info: KindInfo, rng: random.Random | None = None) -> dict[str, Any]:
    """Realistic random values for a kind: near a healthy middle, inside the plausible range."""
    rng = rng or random.Random()  # noqa: S311 - demo values, not secrets
    match info.kind:
        case ReadingKind.BLOOD_PRESSURE:
            systolic = rng.randint(102, 158)
            return {
                "systolic": systolic,
                "diastolic": rng.randint(max(55, systolic - 60), min(100, systolic - 30)),
                "heartRate": rng.randint(54, 96),
            }
        case ReadingKind.WEIGHT:
            return {"weight": round(rng.uniform(110, 260), 1)}
        case ReadingKind.BLOOD_GLUCOSE:
            before = rng.random() < 0.5
            glucose = rng.randint(75, 110) if before else rng.randint(110, 190)
            return {"glucose": glucose, "beforeMeal": before, "afterMeal": not before}
        case ReadingKind.BLOOD_OXYGEN:
            return {"bloodOxygen": rng.randint(92, 99), "heartRate": rng.randint(56, 98)}
        case ReadingKind.TEMPERATURE:
            if rng.random() < 0.5:
                return {
                    "temperature": round(rng.uniform(36.2, 37.8), 1),
                    "temperatureUnit": "celsius",
                }
            return {
                "temperature": round(rng.uniform(97.2, 100.2), 1),
                "temperatureUnit": "fahrenheit",
            }
        case ReadingKind.ECG:
            rate = rng.randint(58, 104)
            return {
                "heartRate": rate,
                "samplingFrequency": ECG_HZ,
                "samples": synthetic_ecg(rate, ECG_HZ, rng=rng),
            }
    return {f.name: _random_in_range(f, rng) for f in info.fields if f.required}


def _random_in_range(f: ValueField, rng: random.Random) -> Any:
    if f.choices:
        return rng.choice(f.choices)
    if f.low is None or f.high is None:
        return None
    middle = (f.low + f.high) / 2
    spread = (f.high - f.low) / 8
    value = min(f.high, max(f.low, rng.gauss(middle, spread)))
    return round(value) if f.type == "int" else round(value, 1)


PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
"""A number as people type it: digits, one decimal point or comma; no exponent, no ``inf``."""


def parse_text(f: ValueField, text: str) -> Any:
    """What a typed text means for field ``f``: a number, None when empty, else the text itself.

    Text that is not a plain number (``1e3``, ``inf``, ``0x10``) is returned unchanged, so that
    ``validate_values`` names the problem ("Weight must be a number.") instead of the form
    quietly sending another value than the one typed.
    """
    stripped = text.strip()
    if not stripped:
        return None
    if f.type in ("int", "float") and not PLAIN_NUMBER.fullmatch(stripped):
        return stripped
    if f.type == "int":
        try:
            return int(stripped)
        except ValueError:
            try:
                as_float = float(stripped.replace(",", "."))
            except ValueError:
                return stripped
            return int(as_float) if as_float.is_integer() else stripped
    if f.type == "float":
        try:
            value = float(stripped.replace(",", "."))
        except ValueError:
            return stripped
        return value if math.isfinite(value) else stripped
    return stripped


def format_value(f: ValueField, value: Any) -> str:
    """How a value reads in its input field and in summaries: its unit's decimals."""
    if value is None:
        return ""
    if f.type == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value, f.unit)
    return str(value)


def waveform_for(values: Mapping[str, Any]) -> list[int] | None:
    """A synthetic ECG strip of ``ECG_SECONDS`` for the form's heart rate and sampling rate.

    None while either is missing or implausible (the strip then stays as it was).
    """
    rate, hz = values.get("heartRate"), values.get("samplingFrequency")
    info = READING_KINDS[ReadingKind.ECG]
    if validate_values(info, {**values, "samples": []}).keys() & {"heartRate", "samplingFrequency"}:
        return None
    if not isinstance(rate, int) or not isinstance(hz, int):
        return None
    return synthetic_ecg(rate, hz)


def range_hint(info: KindInfo, f: ValueField, values: Mapping[str, Any]) -> tuple[str, str]:
    """The unit and the plausible range of a field as shown next to it (celsius aware)."""
    celsius = values.get("temperatureUnit") == "celsius"
    if info.kind is ReadingKind.TEMPERATURE and f.name == "temperature" and celsius:
        return "°C", "25–45"
    if f.low is None or f.high is None:
        return f.unit, ""
    return f.unit, f"{f.low:g}–{f.high:g}"


def summarize(info: KindInfo, values: Mapping[str, Any]) -> str:
    """The values in one short line: ``Systolic 118 mmHg, Diastolic 76 mmHg, Heart rate 68 bpm``."""
    parts = []
    for f in info.fields:
        value = values.get(f.name)
        if value is None:
            continue
        if f.type == "samples" and isinstance(value, list):
            parts.append(f"{len(value)} samples")
        elif f.type == "bool":
            if value:
                parts.append(f.label.lower())
        elif f.name == "temperatureUnit":
            continue
        else:
            unit, _ = range_hint(info, f, values)
            parts.append(f"{f.label} {format_value(f, value)}{' ' + unit if unit else ''}")
    return ", ".join(parts)


def request_body(patient_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
    """The test endpoint's body: the patient and every value that is set."""
    return {"patientId": patient_id, **{k: v for k, v in values.items() if v is not None}}
