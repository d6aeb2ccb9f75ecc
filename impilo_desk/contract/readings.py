"""Reading kinds: their paths, webhook types, value fields, units and plausible ranges.

One table (``READING_KINDS``) drives the client's URLs, the sandbox's routes and validation, the
test-event forms and the charts, so that they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from impilo_desk.contract.base import ImpiloModel, Timestamp
from impilo_desk.contract.models import Device, Item, Patient, Site


class ReadingKind(StrEnum):
    """The reading kinds; the value is the path slug (``/api/v3/<value>-reading``)."""

    BLOOD_PRESSURE = "blood-pressure"
    WEIGHT = "weight"
    BLOOD_GLUCOSE = "blood-glucose"
    BLOOD_OXYGEN = "blood-oxygen"
    TEMPERATURE = "temperature"
    HEART_RATE = "heart-rate"
    HEART_RATE_VARIABILITY = "heart-rate-variability"
    SLEEP_MAT_ACTIVITY = "sleep-mat-activity"
    SLEEP_MAT_DURATION = "sleep-mat-duration"
    PEAK_FLOW = "peak-flow"
    ECG = "ecg"


class Reading(ImpiloModel):
    """Fields every reading has; the value fields of each kind are kept as extra fields."""

    id: int | None = None
    readingTimestamp: Timestamp | None = None  # noqa: N815
    manual: bool | None = None
    deviceTimeZoneOffset: int | None = None  # noqa: N815 - seconds from UTC
    patientTimeZoneOffset: int | None = None  # noqa: N815 - seconds from UTC
    patient: Patient | None = None
    item: Item | None = None
    device: Device | None = None
    site: Site | None = None

    def value(self, name: str) -> Any:
        """Returns a value field (``systolic``, ``weight``…) or ``None`` when absent."""
        return (
            getattr(self, name, None)
            if name in type(self).model_fields
            else ((self.model_extra or {}).get(name))
        )


class BloodPressureReading(Reading):
    """Systolic and diastolic pressure in mmHg, heart rate in bpm."""

    systolic: int | None = None
    diastolic: int | None = None
    heartRate: int | None = None  # noqa: N815
    systolicUnit: str | None = "mmhg"  # noqa: N815
    diastolicUnit: str | None = "mmhg"  # noqa: N815
    heartRateUnit: str | None = "bpm"  # noqa: N815


class WeightReading(Reading):
    """Body weight in pounds (the docs allow only ``lbs``)."""

    weight: float | None = None
    weightUnit: str | None = "lbs"  # noqa: N815


class BloodGlucoseReading(Reading):
    """Blood glucose in mg/dL, with meal markers."""

    glucose: int | None = None
    glucoseUnit: str | None = "mgdl"  # noqa: N815
    beforeMeal: bool | None = None  # noqa: N815
    afterMeal: bool | None = None  # noqa: N815


class BloodOxygenReading(Reading):
    """SpO2 in percent and heart rate in bpm."""

    bloodOxygen: int | None = None  # noqa: N815
    bloodOxygenUnit: str | None = "spo2"  # noqa: N815
    heartRate: int | None = None  # noqa: N815
    heartRateUnit: str | None = "bpm"  # noqa: N815


class TemperatureReading(Reading):
    """Body temperature; ``temperatureUnit`` is ``fahrenheit`` or ``celsius`` (our decision)."""

    temperature: float | None = None
    temperatureUnit: str | None = None  # noqa: N815


class HeartRateReading(Reading):
    """Heart rate in bpm (optional even here, per the docs)."""

    heartRate: int | None = None  # noqa: N815


class HeartRateVariabilityReading(Reading):
    """HRV in ms over a window, with the algorithm used."""

    heartRateVariability: float | None = None  # noqa: N815
    heartRateVariabilityDuration: int | None = None  # noqa: N815 - ms
    heartRateVariabilityAlgorithmType: str | None = None  # noqa: N815 - sdann/sdnn/sdrr
    heartRate: int | None = None  # noqa: N815


class SleepMatActivityReading(Reading):
    """A night on a sleep mat: bed and get-up times, turn-overs, heart and breathing rate."""

    bedTime: list[str] | None = None  # noqa: N815
    getUpTime: list[str] | None = None  # noqa: N815
    bodyTurnOver: int | None = None  # noqa: N815
    duration: str | None = None
    heartRate: int | None = None  # noqa: N815
    respiration: int | None = None


class SleepMatDurationReading(Reading):
    """Sleep stages in minutes."""

    bodyTurnOver: int | None = None  # noqa: N815
    deepSleep: int | None = None  # noqa: N815
    lightSleep: int | None = None  # noqa: N815
    rem: int | None = None
    duration: str | None = None
    heartRate: int | None = None  # noqa: N815
    respiration: int | None = None


class PeakFlowReading(Reading):
    """ASSUMPTION: peak expiratory flow in L/min; the docs name the type but not its schema."""

    peakFlow: int | None = None  # noqa: N815
    peakFlowUnit: str | None = "lpm"  # noqa: N815


class EcgReading(Reading):
    """ASSUMPTION (design.md): the ECG schema is not public; ours has a waveform in µV."""

    heartRate: int | None = None  # noqa: N815
    samplingFrequency: int | None = None  # noqa: N815 - Hz
    samples: list[int] | None = None


@dataclass(frozen=True)
class ValueField:
    """One value a reading of a kind carries, with what a form and a chart need to know.

    Attributes:
        name: JSON field name.
        label: Human label.
        unit: Unit shown to people ("mmHg"); empty when unit-less.
        type: ``int``, ``float``, ``bool``, ``str`` or ``samples`` (a list of ints).
        required: Whether recording or firing a test needs it.
        low: Lowest plausible value (inclusive), for validation; None when not numeric.
        high: Highest plausible value (inclusive).
        choices: Allowed values of a ``str`` field.
    """

    name: str
    label: str
    unit: str = ""
    type: str = "int"
    required: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class KindInfo:
    """Everything the product knows about one reading kind.

    Attributes:
        kind: The kind.
        label: Human label ("Blood pressure").
        webhook_type: The ``reading.*`` event type that announces a new reading.
        model: The pydantic model of a reading of this kind.
        fields: Its value fields.
        has_test_endpoint: Whether ``POST /api/v3/test/<kind>-webhook`` exists.
        documented: Whether the reading endpoints are documented (else our assumption).
    """

    kind: ReadingKind
    label: str
    webhook_type: str
    model: type[Reading]
    fields: tuple[ValueField, ...]
    has_test_endpoint: bool = False
    documented: bool = False

    @property
    def path(self) -> str:
        """The collection path, e.g. ``/api/v3/weight-reading``."""
        return f"/api/v3/{self.kind.value}-reading"

    @property
    def test_path(self) -> str:
        """The test endpoint path, e.g. ``/api/v3/test/weight-webhook``."""
        return f"/api/v3/test/{self.kind.value}-webhook"

    def field(self, name: str) -> ValueField:
        """Returns the value field called ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


_HR = ValueField("heartRate", "Heart rate", "bpm", low=20, high=250)

READING_KINDS: dict[ReadingKind, KindInfo] = {
    k.kind: k
    for k in (
        KindInfo(
            ReadingKind.BLOOD_PRESSURE,
            "Blood pressure",
            "reading.bloodPressure",
            BloodPressureReading,
            (
                ValueField("systolic", "Systolic", "mmHg", required=True, low=60, high=260),
                ValueField("diastolic", "Diastolic", "mmHg", required=True, low=30, high=160),
                _HR,
            ),
            has_test_endpoint=True,
        ),
        KindInfo(
            ReadingKind.WEIGHT,
            "Weight",
            "reading.weight",
            WeightReading,
            (ValueField("weight", "Weight", "lbs", "float", required=True, low=1, high=1000),),
            has_test_endpoint=True,
        ),
        KindInfo(
            ReadingKind.BLOOD_GLUCOSE,
            "Blood glucose",
            "reading.bloodGlucose",
            BloodGlucoseReading,
            (
                ValueField("glucose", "Glucose", "mg/dL", required=True, low=20, high=600),
                ValueField("beforeMeal", "Before meal", type="bool"),
                ValueField("afterMeal", "After meal", type="bool"),
            ),
            has_test_endpoint=True,
            documented=True,
        ),
        KindInfo(
            ReadingKind.BLOOD_OXYGEN,
            "Blood oxygen",
            "reading.bloodOxygen",
            BloodOxygenReading,
            (ValueField("bloodOxygen", "SpO₂", "%", required=True, low=50, high=100), _HR),
            has_test_endpoint=True,
        ),
        KindInfo(
            ReadingKind.TEMPERATURE,
            "Temperature",
            "reading.temperature",
            TemperatureReading,
            (
                ValueField(
                    "temperature", "Temperature", "°F", "float", required=True, low=77, high=113
                ),
                ValueField(
                    "temperatureUnit",
                    "Unit",
                    type="str",
                    required=True,
                    choices=("fahrenheit", "celsius"),
                ),
            ),
            has_test_endpoint=True,
        ),
        KindInfo(
            ReadingKind.HEART_RATE,
            "Heart rate",
            "reading.heartRate",
            HeartRateReading,
            (_HR,),
        ),
        KindInfo(
            ReadingKind.HEART_RATE_VARIABILITY,
            "Heart rate variability",
            "reading.heartRateVariability",
            HeartRateVariabilityReading,
            (
                ValueField(
                    "heartRateVariability", "HRV", "ms", "float", required=True, low=0, high=500
                ),
                ValueField("heartRateVariabilityDuration", "Window", "ms", low=0, high=86_400_000),
                ValueField(
                    "heartRateVariabilityAlgorithmType",
                    "Algorithm",
                    type="str",
                    choices=("sdann", "sdnn", "sdrr"),
                ),
                _HR,
            ),
        ),
        KindInfo(
            ReadingKind.SLEEP_MAT_ACTIVITY,
            "Sleep mat activity",
            "reading.sleepMatActivity",
            SleepMatActivityReading,
            (
                ValueField("bodyTurnOver", "Turn-overs", low=0, high=500),
                ValueField("duration", "Duration", type="str"),
                _HR,
                ValueField("respiration", "Respiration", "/min", low=4, high=60),
            ),
        ),
        KindInfo(
            ReadingKind.SLEEP_MAT_DURATION,
            "Sleep mat duration",
            "reading.sleepMatDuration",
            SleepMatDurationReading,
            (
                ValueField("deepSleep", "Deep sleep", "min", low=0, high=1440),
                ValueField("lightSleep", "Light sleep", "min", low=0, high=1440),
                ValueField("rem", "REM", "min", low=0, high=1440),
                ValueField("bodyTurnOver", "Turn-overs", low=0, high=500),
                ValueField("duration", "Duration", type="str"),
                _HR,
                ValueField("respiration", "Respiration", "/min", low=4, high=60),
            ),
        ),
        KindInfo(
            ReadingKind.PEAK_FLOW,
            "Peak flow",
            "reading.peakFlow",
            PeakFlowReading,
            (ValueField("peakFlow", "Peak flow", "L/min", required=True, low=50, high=900),),
        ),
        KindInfo(
            ReadingKind.ECG,
            "ECG",
            "reading.ecg",
            EcgReading,
            (
                _HR,
                ValueField("samplingFrequency", "Sampling rate", "Hz", low=50, high=2000),
                ValueField("samples", "Waveform", "µV", "samples"),
            ),
            has_test_endpoint=True,
        ),
    )
}


def kind_for_webhook_type(webhook_type: str) -> KindInfo | None:
    """Returns the reading kind a ``reading.*`` event type announces, or None."""
    for info in READING_KINDS.values():
        if info.webhook_type == webhook_type:
            return info
    return None


class ReadingSource(ImpiloModel):
    """Who took a reading: exactly one of device id, device identifier or patient id."""

    deviceId: int | None = None  # noqa: N815
    deviceIdentifier: str | None = None  # noqa: N815
    patientId: int | None = Field(default=None, ge=1)  # noqa: N815

    @model_validator(mode="after")
    def _one_source(self) -> ReadingSource:
        given = [v for v in (self.deviceId, self.deviceIdentifier, self.patientId) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of deviceId, deviceIdentifier or patientId")
        return self


class TestEventRequest(ImpiloModel):
    """Body of a test endpoint: the patient and the reading's value fields (kept as extras)."""

    __test__ = False  # not a pytest test class

    patientId: int = Field(ge=1)  # noqa: N815
    readingTimestamp: Timestamp | None = None  # noqa: N815
