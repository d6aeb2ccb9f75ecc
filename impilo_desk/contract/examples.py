"""Realistic example objects: the patient, device and readings the catalogue's payloads show.

Kept apart from the catalogue so that the sandbox's demo data can build on the same shapes.
"""

from __future__ import annotations

from typing import Any

from impilo_desk.contract.readings import READING_KINDS, ReadingKind

EXAMPLE_TIME = "2026-11-02T08:15:30.000Z"

EXAMPLE_SITE: dict[str, Any] = {
    "id": 7,
    "name": "Riverside Cardiology Clinic",
    "active": True,
    "phoneNumber": "+1-555-0142",
    "address": {
        "lineOne": "200 River Road",
        "city": "Springfield",
        "state": "IL",
        "zipCode": "62704",
        "country": "US",
    },
}

EXAMPLE_PATIENT: dict[str, Any] = {
    "id": 1042,
    "externalIdentifier": "MRN-00981",
    "firstName": "Thandiwe",
    "lastName": "Mokoena",
    "dateOfBirth": "1958-03-14",
    "email": "t.mokoena@example.com",
    "phoneNumber": "+1-555-0199",
    "archived": False,
    "enrolled": True,
    "sex": "female",
    "address": {
        "lineOne": "14 Elm Street",
        "city": "Springfield",
        "state": "IL",
        "zipCode": "62701",
        "country": "US",
    },
    "site": EXAMPLE_SITE,
}

EXAMPLE_ITEM: dict[str, Any] = {
    "id": 31,
    "manufacturer": {"id": 3, "name": "Omron"},
    "model": "BP7450",
    "name": "Cellular blood pressure monitor",
    "sku": "OMR-BP7450-C",
    "orderable": True,
}

EXAMPLE_DEVICE: dict[str, Any] = {
    "id": 5531,
    "currentPatient": {"id": 1042, "firstName": "Thandiwe", "lastName": "Mokoena"},
    "currentStatus": "withPatient",
    "deviceEvents": [{"eventTimestamp": "2026-10-01T09:00:00.000Z", "type": "shipped"}],
    "deviceIdentifiers": [{"type": "imei", "value": "356938035643809"}],
    "disabledReadings": False,
    "externalIdentifier": "DEV-5531",
    "item": EXAMPLE_ITEM,
    "lastHealthCheck": "2026-11-02T06:00:00.000Z",
    "site": EXAMPLE_SITE,
}

EXAMPLE_VALUES: dict[ReadingKind, dict[str, Any]] = {
    ReadingKind.BLOOD_PRESSURE: {"systolic": 128, "diastolic": 82, "heartRate": 71},
    ReadingKind.WEIGHT: {"weight": 172.4},
    ReadingKind.BLOOD_GLUCOSE: {"glucose": 104, "beforeMeal": True, "afterMeal": False},
    ReadingKind.BLOOD_OXYGEN: {"bloodOxygen": 97, "heartRate": 68},
    ReadingKind.TEMPERATURE: {"temperature": 98.4, "temperatureUnit": "fahrenheit"},
    ReadingKind.HEART_RATE: {"heartRate": 72},
    ReadingKind.HEART_RATE_VARIABILITY: {
        "heartRateVariability": 42.5,
        "heartRateVariabilityDuration": 300_000,
        "heartRateVariabilityAlgorithmType": "sdnn",
        "heartRate": 64,
    },
    ReadingKind.SLEEP_MAT_ACTIVITY: {
        "bedTime": ["2026-11-01T22:40:00.000Z"],
        "getUpTime": ["2026-11-02T06:35:00.000Z"],
        "bodyTurnOver": 23,
        "duration": "PT7H55M",
        "heartRate": 58,
        "respiration": 14,
    },
    ReadingKind.SLEEP_MAT_DURATION: {
        "bodyTurnOver": 23,
        "deepSleep": 95,
        "lightSleep": 270,
        "rem": 110,
        "duration": "PT7H55M",
        "heartRate": 58,
        "respiration": 14,
    },
    ReadingKind.PEAK_FLOW: {"peakFlow": 420},
    ReadingKind.ECG: {
        "heartRate": 72,
        "samplingFrequency": 250,
        # A short, recognisable beat (P, QRS, T) in microvolts: an example, not a recording.
        "samples": [
            0,
            20,
            60,
            90,
            60,
            20,
            0,
            -40,
            900,
            1200,
            -250,
            0,
            50,
            120,
            210,
            260,
            200,
            90,
            0,
        ],
    },
}


def example_reading(kind: ReadingKind, reading_id: int = 88231) -> dict[str, Any]:
    """A full reading object of ``kind`` as a ``reading.*`` payload carries it."""
    info = READING_KINDS[kind]
    body: dict[str, Any] = {
        "id": reading_id,
        "readingTimestamp": EXAMPLE_TIME,
        "manual": False,
        "deviceTimeZoneOffset": -21600,
        "patientTimeZoneOffset": -21600,
        **EXAMPLE_VALUES[kind],
        "patient": EXAMPLE_PATIENT,
        "item": EXAMPLE_ITEM,
        "device": EXAMPLE_DEVICE,
        "site": EXAMPLE_SITE,
    }
    # Units are echoed in responses; take the model's defaults so examples show them.
    for name, field in info.model.model_fields.items():
        if name.endswith("Unit") and field.default is not None:
            body.setdefault(name, field.default)
    return body
