"""Recording readings and building test events: the database side, run in one transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from impilo_desk.contract import READING_KINDS, ReadingKind
from impilo_desk.sandbox.delivery import enqueue
from impilo_desk.sandbox.errors import ApiProblem
from impilo_desk.sandbox.store import logs as store_logs
from impilo_desk.sandbox.store import people
from impilo_desk.sandbox.store import readings as store_readings


@dataclass(frozen=True)
class Source:
    """Who took a reading: exactly one of the three is set."""

    device_id: int | None = None
    device_identifier: str | None = None
    patient_id: int | None = None


def resolve(conn: sqlite3.Connection, kind: ReadingKind, source: Source) -> tuple[int, int | None]:
    """The patient and device of a reading; 404 when the patient or device is unknown."""
    if source.patient_id is not None:
        if people.get_patient(conn, source.patient_id) is None:
            raise ApiProblem(404, f"Patient {source.patient_id} was not found.")
        return source.patient_id, people.device_of(conn, source.patient_id, kind.value)
    device_id = source.device_id
    if device_id is None and source.device_identifier is not None:
        device_id = people.find_device(conn, source.device_identifier)
        if device_id is None:
            raise ApiProblem(404, "No device has that deviceIdentifier.")
    row = None if device_id is None else people.device_row(conn, device_id)
    if row is None:
        raise ApiProblem(404, f"Device {device_id} was not found.")
    if row[1] is None:
        raise ApiProblem(400, f"Device {device_id} is not with a patient.")
    return int(row[1]), device_id


def record(
    conn: sqlite3.Connection,
    kind: ReadingKind,
    source: Source,
    *,
    reading_ms: int,
    manual: bool | None,
    device_tz: int | None,
    values: dict[str, Any],
) -> tuple[dict[str, Any], list[int]]:
    """Stores a reading and queues its ``reading.*`` webhook.

    Returns:
        The stored reading as the API shows it, and the new delivery log ids.
    """
    patient_id, device_id = resolve(conn, kind, source)
    new = store_readings.NewReading(
        kind, patient_id, device_id, reading_ms, manual, device_tz, values
    )
    reading_id = store_readings.add(conn, new)
    reading = store_readings.get(conn, kind, reading_id)
    assert reading is not None  # just written in this transaction
    _, log_ids = enqueue(conn, READING_KINDS[kind].webhook_type, reading)
    return reading, log_ids


def fire_test_event(
    conn: sqlite3.Connection,
    kind: ReadingKind,
    patient_id: int,
    *,
    reading_ms: int,
    values: dict[str, Any],
) -> tuple[dict[str, Any], list[int]]:
    """Builds a reading that is not stored and queues its webhook, as a test endpoint does.

    Returns:
        The envelope sent and the new delivery log ids.
    """
    source = Source(patient_id=patient_id)
    patient_id, device_id = resolve(conn, kind, source)
    row = (
        store_logs.new_event_id(conn),
        kind.value,
        patient_id,
        device_id,
        reading_ms,
        0,
        None,
        "{}",
    )
    reading = store_readings.Builder(conn).reading(row)
    reading.update({k: v for k, v in values.items() if v is not None})
    return enqueue(conn, READING_KINDS[kind].webhook_type, reading)
