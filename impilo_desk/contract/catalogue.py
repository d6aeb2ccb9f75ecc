"""The catalogue of webhook event types (impilo-api.md §7.1), with example payloads.

Every type has a one-line description, the model its payload validates against, and a realistic
example. Types the docs only hint at are in the catalogue too, marked ``documented=False``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from impilo_desk.contract.base import ImpiloModel, Timestamp
from impilo_desk.contract.examples import (
    EXAMPLE_DEVICE,
    EXAMPLE_PATIENT,
    EXAMPLE_TIME,
    example_reading,
)
from impilo_desk.contract.models import Device, Patient
from impilo_desk.contract.readings import READING_KINDS, ReadingKind


class DeviceAssociationPayload(ImpiloModel):
    """``device.association*``: a device linked to or unlinked from a patient."""

    device: Device
    patient: Patient | None = None
    eventTimestamp: Timestamp | None = None  # noqa: N815


class LowBatteryPayload(ImpiloModel):
    """``device.lowBattery``: ``{batteryPercentage, device}`` (documented)."""

    batteryPercentage: int = Field(ge=0, le=100)  # noqa: N815
    device: Device


class DeviceSignalPayload(ImpiloModel):
    """``device.weakSignal`` and ``device.healthcheck``: a device and what it reported."""

    device: Device
    signalStrength: int | None = None  # noqa: N815 - ASSUMPTION: dBm
    eventTimestamp: Timestamp | None = None  # noqa: N815


class StatusPayload(ImpiloModel):
    """The short ``*.status`` events: the object's id and what happened."""

    id: int
    eventType: str  # noqa: N815
    eventTimestamp: Timestamp | None = None  # noqa: N815


class FullStatusPayload(ImpiloModel):
    """The ``*.statusFull`` events: the whole object; only id and status are certain."""

    id: int
    status: str


class SupportTicketPayload(ImpiloModel):
    """``supportTicket.event``."""

    id: int
    eventType: str  # noqa: N815
    subject: str | None = None


class PackedKitPayload(ImpiloModel):
    """``packedKit.event`` (documented): ``{eventTimestamp, eventType, packedKitId, deviceId}``."""

    eventTimestamp: Timestamp  # noqa: N815
    eventType: str  # noqa: N815
    packedKitId: int  # noqa: N815
    deviceId: int  # noqa: N815


@dataclass(frozen=True)
class EventType:
    """One webhook event type.

    Attributes:
        name: The type string (``reading.weight``).
        description: One line for people.
        model: What the payload validates against.
        example: A realistic payload.
        documented: False where the type is our guess (impilo-api.md §7.1 "possibly present").
        reading_kind: For ``reading.*`` types, the reading kind.
    """

    name: str
    description: str
    model: type[ImpiloModel]
    example: dict[str, Any] = field(hash=False, compare=False)
    documented: bool = True
    reading_kind: ReadingKind | None = None

    @property
    def group(self) -> str:
        """The prefix before the dot (``reading``, ``device``…)."""
        return self.name.split(".", 1)[0]


_ORDER = {"id": 60012, "status": "shipped", "trackingNumber": "1Z999AA10123456784"}


def _build() -> dict[str, EventType]:
    device, patient = EXAMPLE_DEVICE, EXAMPLE_PATIENT
    types = [
        EventType(
            "device.associationCreated",
            "A device was linked to a patient.",
            DeviceAssociationPayload,
            {"device": device, "patient": patient, "eventTimestamp": EXAMPLE_TIME},
        ),
        EventType(
            "device.associationRemoved",
            "A device was unlinked from a patient.",
            DeviceAssociationPayload,
            {"device": device, "patient": patient, "eventTimestamp": EXAMPLE_TIME},
        ),
        EventType(
            "device.lowBattery",
            "A device reported a low battery.",
            LowBatteryPayload,
            {"batteryPercentage": 12, "device": device},
        ),
        EventType(
            "device.weakSignal",
            "A device reported a weak signal.",
            DeviceSignalPayload,
            {"device": device, "signalStrength": -109, "eventTimestamp": EXAMPLE_TIME},
        ),
        EventType(
            "device.healthcheck",
            "A device health check was received.",
            DeviceSignalPayload,
            {"device": device, "signalStrength": -71, "eventTimestamp": EXAMPLE_TIME},
        ),
        EventType(
            "order.status",
            "An order's status changed (order id and event type only).",
            StatusPayload,
            {"id": 60012, "eventType": "shipped", "eventTimestamp": EXAMPLE_TIME},
        ),
        EventType(
            "order.statusFull",
            "An order's status changed (the full order).",
            FullStatusPayload,
            _ORDER,
        ),
        EventType("patient.created", "A patient was created.", Patient, patient),
        EventType("patient.updated", "A patient's details changed.", Patient, patient),
        EventType(
            "return.statusFull",
            "A return's status changed (the full return).",
            FullStatusPayload,
            {"id": 7301, "status": "received"},
        ),
        EventType(
            "supportTicket.event",
            "Something happened on a support ticket.",
            SupportTicketPayload,
            {"id": 9120, "eventType": "commentAdded", "subject": "Cuff does not inflate"},
        ),
        EventType(
            "procurement.status",
            "A procurement's status changed (id and event type only).",
            StatusPayload,
            {"id": 4410, "eventType": "approved", "eventTimestamp": EXAMPLE_TIME},
        ),
        EventType(
            "procurement.statusFull",
            "A procurement's status changed (the full procurement).",
            FullStatusPayload,
            {"id": 4410, "status": "approved"},
        ),
        EventType(
            "transferRequest.statusFull",
            "A transfer request's status changed (the full request).",
            FullStatusPayload,
            {"id": 2205, "status": "completed"},
        ),
        EventType(
            "packedKit.event",
            "Something happened while a kit was packed.",
            PackedKitPayload,
            {
                "eventTimestamp": EXAMPLE_TIME,
                "eventType": "started",
                "packedKitId": 880,
                "deviceId": 5531,
            },
        ),
        EventType(
            "transferRequest.status",
            "A transfer request's status changed (id and event type only). Not confirmed.",
            StatusPayload,
            {"id": 2205, "eventType": "completed", "eventTimestamp": EXAMPLE_TIME},
            documented=False,
        ),
        EventType(
            "return.status",
            "A return's status changed (id and event type only). Not confirmed.",
            StatusPayload,
            {"id": 7301, "eventType": "received", "eventTimestamp": EXAMPLE_TIME},
            documented=False,
        ),
    ]
    unconfirmed_readings = {ReadingKind.HEART_RATE, ReadingKind.HEART_RATE_VARIABILITY}
    for info in READING_KINDS.values():
        documented = info.kind not in unconfirmed_readings
        types.append(
            EventType(
                info.webhook_type,
                f"A {info.label.lower()} reading was taken."
                + ("" if documented else " Not confirmed."),
                info.model,
                example_reading(info.kind),
                documented=documented,
                reading_kind=info.kind,
            )
        )
    return {t.name: t for t in sorted(types, key=lambda t: t.name)}


EVENT_TYPES: dict[str, EventType] = _build()
"""Every known event type by name, sorted by name."""

READING_EVENT_TYPES: tuple[str, ...] = tuple(n for n in EVENT_TYPES if n.startswith("reading."))


def is_known_type(name: str) -> bool:
    """Whether ``name`` is an event type of the catalogue."""
    return name in EVENT_TYPES
