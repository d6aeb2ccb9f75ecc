"""Realistic demo content: people, clinics, device models and plausible reading values.

Random numbers here make demo data, not secrets (hence the S311 waivers).
"""

from __future__ import annotations

import math
import random
from typing import Any

from impilo_desk.contract import ReadingKind

FIRST_NAMES = (
    "Thandiwe", "Sipho", "Maria", "James", "Aisha", "Wei", "Priya", "Oluwaseun", "Elena",
    "Mateo", "Fatima", "Liam", "Noor", "Hiroshi", "Grace", "Kwame", "Sofia", "Daniel",
    "Amara", "Tomasz", "Lerato", "Isabel", "Rajesh", "Hannah",
)  # fmt: skip
SEXES = (
    "female", "male", "female", "male", "female", "male", "female", "male", "female", "male",
    "female", "male", "female", "male", "female", "male", "female", "male", "female", "male",
    "female", "female", "male", "female",
)  # fmt: skip
LAST_NAMES = (
    "Mokoena", "Dlamini", "Garcia", "O'Connor", "Rahman", "Zhang", "Patel", "Adeyemi",
    "Petrova", "Rossi", "Haddad", "Murphy", "Khan", "Tanaka", "Okafor", "Mensah", "Silva",
    "Cohen", "Nwosu", "Kowalski", "Naidoo", "Fernandes", "Iyer", "Schmidt",
)  # fmt: skip
SITES = (
    ("Riverside Cardiology Clinic", "Springfield", "IL", "62704", "+1-555-0142"),
    ("Lakeview Family Practice", "Madison", "WI", "53703", "+1-555-0177"),
    ("Northgate Diabetes Centre", "Columbus", "OH", "43215", "+1-555-0163"),
)
STREETS = ("Elm Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Park Road", "Hill Street")

ITEMS: dict[ReadingKind, dict[str, Any]] = {
    ReadingKind.BLOOD_PRESSURE: {"id": 31, "manufacturer": {"id": 3, "name": "Omron"},
        "model": "BP7450", "name": "Cellular blood pressure monitor", "sku": "OMR-BP7450-C",
        "orderable": True},
    ReadingKind.WEIGHT: {"id": 32, "manufacturer": {"id": 4, "name": "Withings"},
        "model": "Body Cellular", "name": "Cellular scale", "sku": "WIT-BODY-C",
        "orderable": True},
    ReadingKind.BLOOD_GLUCOSE: {"id": 33, "manufacturer": {"id": 5, "name": "Smart Meter"},
        "model": "iGlucose", "name": "Cellular glucometer", "sku": "SMT-IGL-C",
        "orderable": True},
    ReadingKind.BLOOD_OXYGEN: {"id": 34, "manufacturer": {"id": 6, "name": "Nonin"},
        "model": "3245", "name": "Pulse oximeter", "sku": "NON-3245", "orderable": True},
    ReadingKind.TEMPERATURE: {"id": 35, "manufacturer": {"id": 7, "name": "Braun"},
        "model": "ThermoScan 7", "name": "Ear thermometer", "sku": "BRN-TS7",
        "orderable": True},
    ReadingKind.HEART_RATE: {"id": 36, "manufacturer": {"id": 8, "name": "Polar"},
        "model": "H10", "name": "Heart rate sensor", "sku": "POL-H10", "orderable": True},
    ReadingKind.HEART_RATE_VARIABILITY: {"id": 37, "manufacturer": {"id": 8, "name": "Polar"},
        "model": "Verity Sense", "name": "HRV sensor", "sku": "POL-VS", "orderable": True},
    ReadingKind.SLEEP_MAT_ACTIVITY: {"id": 38, "manufacturer": {"id": 4, "name": "Withings"},
        "model": "Sleep Analyzer", "name": "Sleep mat", "sku": "WIT-SLP", "orderable": True},
    ReadingKind.SLEEP_MAT_DURATION: {"id": 38, "manufacturer": {"id": 4, "name": "Withings"},
        "model": "Sleep Analyzer", "name": "Sleep mat", "sku": "WIT-SLP", "orderable": True},
    ReadingKind.PEAK_FLOW: {"id": 39, "manufacturer": {"id": 9, "name": "MIR"},
        "model": "Smart One", "name": "Peak flow meter", "sku": "MIR-SO", "orderable": True},
    ReadingKind.ECG: {"id": 40, "manufacturer": {"id": 10, "name": "AliveCor"},
        "model": "KardiaMobile 6L", "name": "6-lead ECG", "sku": "ALV-K6L", "orderable": True},
}  # fmt: skip

ECG_HZ = 250
ECG_SECONDS = 10


def ecg_samples(rng: random.Random, heart_rate: int) -> list[int]:
    """Ten seconds of a synthetic lead-II ECG at 250 Hz, in µV (P, QRS and T waves)."""
    beat = 60.0 / heart_rate
    waves = ((0.16, 0.025, 120), (0.23, 0.01, -150), (0.25, 0.012, 1100), (0.27, 0.01, -250),
             (0.45, 0.04, 300))  # fmt: skip  # (centre s, width s, amplitude µV)
    period = max(1, round(beat * ECG_HZ))
    template = [sum(a * math.exp(-(((i / ECG_HZ - c) / w) ** 2)) for c, w, a in waves)
                for i in range(period)]  # fmt: skip
    rand = rng.random
    out = [round(template[i % period] + (rand() - 0.5) * 40) for i in range(ECG_HZ * ECG_SECONDS)]
    return out


def reading_values(kind: ReadingKind, rng: random.Random, base: dict[str, float]) -> dict[str, Any]:
    """Plausible values of ``kind`` for a patient whose baselines are ``base``."""
    g = rng.gauss
    hr = max(45, min(120, round(base["hr"] + g(0, 6))))
    match kind:
        case ReadingKind.BLOOD_PRESSURE:
            return {"systolic": round(base["sys"] + g(0, 8)),
                    "diastolic": round(base["dia"] + g(0, 5)), "heartRate": hr}  # fmt: skip
        case ReadingKind.WEIGHT:
            return {"weight": round(base["weight"] + g(0, 0.8), 1)}
        case ReadingKind.BLOOD_GLUCOSE:
            before = rng.random() < 0.5
            return {"glucose": round(base["glucose"] + g(0, 15) + (0 if before else 35)),
                    "beforeMeal": before, "afterMeal": not before}  # fmt: skip
        case ReadingKind.BLOOD_OXYGEN:
            return {"bloodOxygen": min(100, round(g(96.5, 1.2))), "heartRate": hr}
        case ReadingKind.TEMPERATURE:
            return {"temperature": round(g(98.2, 0.4), 1), "temperatureUnit": "fahrenheit"}
        case ReadingKind.HEART_RATE:
            return {"heartRate": hr}
        case ReadingKind.HEART_RATE_VARIABILITY:
            return {"heartRateVariability": round(max(5.0, g(42, 9)), 1),
                    "heartRateVariabilityDuration": 300_000,
                    "heartRateVariabilityAlgorithmType": "sdnn", "heartRate": hr}  # fmt: skip
        case ReadingKind.SLEEP_MAT_ACTIVITY:
            return {"bodyTurnOver": rng.randint(8, 35), "duration": "PT7H40M",
                    "heartRate": hr - 10, "respiration": rng.randint(12, 18)}  # fmt: skip
        case ReadingKind.SLEEP_MAT_DURATION:
            deep, light, rem = rng.randint(60, 120), rng.randint(200, 300), rng.randint(70, 130)
            return {"deepSleep": deep, "lightSleep": light, "rem": rem,
                    "bodyTurnOver": rng.randint(8, 35),
                    "duration": f"PT{(deep + light + rem) // 60}H{(deep + light + rem) % 60}M",
                    "heartRate": hr - 10, "respiration": rng.randint(12, 18)}  # fmt: skip
        case ReadingKind.PEAK_FLOW:
            return {"peakFlow": round(base["peak"] + g(0, 25))}
        case ReadingKind.ECG:
            return {"heartRate": hr, "samplingFrequency": ECG_HZ, "samples": ecg_samples(rng, hr)}
    return {}


def baselines(rng: random.Random) -> dict[str, float]:
    """A patient's typical values."""
    return {
        "sys": rng.uniform(112, 150), "dia": rng.uniform(70, 92), "hr": rng.uniform(60, 82),
        "weight": rng.uniform(120, 240), "glucose": rng.uniform(90, 150),
        "peak": rng.uniform(320, 520),
    }  # fmt: skip
