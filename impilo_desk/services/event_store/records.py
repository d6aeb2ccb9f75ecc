"""What the event store holds, as Python values: received events, polled readings, markers.

Also the pure functions that read an envelope (its patient, its time, its searchable text), so
that the store, the Events tab and the exports agree on them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import platformdirs

from impilo_desk.contract import Envelope

Source = Literal["relay", "smee"]
_TIME_FIELDS = ("readingTimestamp", "eventTimestamp", "timestamp", "updatedAt", "createdAt")
_NAME_FIELDS = ("firstName", "lastName")


@dataclass(frozen=True)
class RelayEvent:
    """One webhook event as the desktop received it.

    Attributes:
        seq: the relay's sequence number; ``None`` for events read from smee.io.
        received_at: when the relay (or smee) received the POST, aware UTC.
        envelope: the Impilo envelope ``{id, type, payload}``.
        headers: the POST's headers, lower-case names, never the webhook secret.
        source: ``"relay"`` or ``"smee"``.
    """

    seq: int | None
    received_at: datetime
    envelope: Envelope
    headers: dict[str, str] = field(default_factory=dict)
    source: Source = "relay"


@dataclass(frozen=True)
class PolledReading:
    """One reading fetched from the API, as stored (no envelope, so no Impilo event id).

    Attributes:
        kind: The reading kind (``ReadingKind`` value, e.g. ``"weight"``).
        reading_id: The reading's id; with ``kind``, what makes it the same reading.
        patient_id: Its patient, when known.
        occurred_at: The reading's time, aware UTC.
        reading: The reading as JSON.
    """

    kind: str
    reading_id: int
    patient_id: int | None
    occurred_at: datetime
    reading: str


@dataclass(frozen=True)
class Marker:
    """A point in the stream where events may be missing or were replayed, and what the app did.

    Attributes:
        id: The marker's own number in the store.
        at: When the app noticed it, aware UTC (its place among the events, by receive time).
        source: ``"relay"`` or ``"smee"``.
        reason: ``reconnect``, ``retention``, ``reset`` or ``smee-reconnect``.
        text: One sentence for people: what happened and what the app did.
    """

    id: int
    at: datetime
    source: str
    reason: str
    text: str


def default_event_store_path() -> Path:
    """``events.sqlite3`` in the user data directory of Impilo Desk."""
    return platformdirs.user_data_path("impilo-desk", appauthor=False) / "events.sqlite3"


def _patient_object(envelope: Envelope) -> dict[str, Any] | None:
    payload = envelope.payload
    if envelope.type.startswith("patient."):
        return payload
    for key in ("patient", "currentPatient"):
        if isinstance(payload.get(key), dict):
            return dict(payload[key])
    device = payload.get("device")
    if isinstance(device, dict) and isinstance(device.get("currentPatient"), dict):
        return dict(device["currentPatient"])
    return None


def patient_id_of(envelope: Envelope) -> int | None:
    """The patient of an event: ``payload.id`` for ``patient.*``, else ``payload.patient.id``."""
    payload = envelope.payload
    candidate: Any = None
    if envelope.type.startswith("patient."):
        candidate = payload.get("id")
    elif isinstance(payload.get("patient"), dict):
        candidate = payload["patient"].get("id")
    elif "patientId" in payload:
        candidate = payload.get("patientId")
    if isinstance(candidate, bool):
        return None
    if isinstance(candidate, int):
        return candidate
    if isinstance(candidate, str) and candidate.isdigit():
        return int(candidate)
    return None


def patient_name_of(envelope: Envelope) -> str:
    """The patient's name as the payload gives it (``""`` when it names no patient)."""
    patient = _patient_object(envelope)
    if patient is None:
        return ""
    parts = [patient.get(name) for name in _NAME_FIELDS]
    return " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())


def occurred_at(envelope: Envelope, received_at: datetime) -> datetime:
    """When the event happened: the reading's (or event's) own time, else when it was received."""
    for name in _TIME_FIELDS:
        value = envelope.payload.get(name)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                continue
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return received_at


def _values(data: Any, out: list[str]) -> None:
    if isinstance(data, dict):
        for value in data.values():
            _values(value, out)
    elif isinstance(data, list):
        for value in data:
            _values(value, out)
    elif isinstance(data, str):
        out.append(data)
    elif data is not None and not isinstance(data, bool):
        out.append(str(data))


def search_fields(envelope_json: str) -> tuple[str, str]:
    """The full-text index's two columns of a stored envelope: patient, and every value.

    ``patient`` holds the patient's name and id; ``body`` the event type and every string and
    number in the payload (not the keys, so that searching "patient" does not match every
    event that has one). A pure function of the stored text: the index deletes an entry by
    giving these same values again.
    """
    envelope = Envelope.model_validate_json(envelope_json)
    patient_id = patient_id_of(envelope)
    patient = " ".join(x for x in (patient_name_of(envelope), str(patient_id or "")) if x)
    out: list[str] = [envelope.type, str(envelope.id)]
    _values(envelope.payload, out)
    return patient, " ".join(out)


def ts(value: datetime) -> float:
    """Seconds since the epoch of ``value`` (naive values are taken as UTC)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def event_row(event: RelayEvent) -> tuple[Any, ...]:
    """The ``events`` row of an event, in the column order of ``add_many``'s INSERT."""
    env = event.envelope
    return (
        env.id,
        env.type,
        patient_id_of(env),
        ts(occurred_at(env, event.received_at)),
        ts(event.received_at),
        event.seq,
        event.source,
        env.model_dump_json(),
        json.dumps(event.headers, separators=(",", ":")),
    )


EVENT_COLUMNS = "relay_seq, received_ts, envelope, headers, source"
"""The columns :func:`event_of` reads, in its order."""


def event_of(r: Any) -> RelayEvent:
    """A ``RelayEvent`` from ``relay_seq, received_ts, envelope, headers, source``."""
    return RelayEvent(
        seq=r[0],
        received_at=datetime.fromtimestamp(r[1], UTC),
        envelope=Envelope.model_validate_json(r[2]),
        headers=json.loads(r[3]),
        source=r[4],
    )
