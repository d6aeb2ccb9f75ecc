"""Readings of every kind, built into full reading objects with patient, device and site."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from impilo_desk.contract import READING_KINDS, ReadingKind
from impilo_desk.sandbox.store import people
from impilo_desk.sandbox.timeutil import ms_text

READING_COLUMNS = "id, kind, patient_id, device_id, reading_ms, manual, device_tz, value_json"


def units(kind: ReadingKind) -> dict[str, Any]:
    """The unit fields a kind's readings echo (``systolicUnit: mmhg``...)."""
    model = READING_KINDS[kind].model
    return {
        name: f.default
        for name, f in model.model_fields.items()
        if name.endswith("Unit") and f.default is not None
    }


@dataclass(frozen=True)
class NewReading:
    """A reading to store."""

    kind: ReadingKind
    patient_id: int
    device_id: int | None
    reading_ms: int
    manual: bool | None
    device_tz: int | None
    values: dict[str, Any]

    def row(self) -> tuple[Any, ...]:
        """The row for ``INSERT`` (without id)."""
        return (
            self.kind.value,
            self.patient_id,
            self.device_id,
            self.reading_ms,
            None if self.manual is None else int(self.manual),
            self.device_tz,
            json.dumps(self.values, separators=(",", ":")),
        )


INSERT = (
    "INSERT INTO readings (kind, patient_id, device_id, reading_ms, manual, device_tz, "
    "value_json) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def add(conn: sqlite3.Connection, reading: NewReading) -> int:
    """Stores a reading; returns its id."""
    return int(conn.execute(INSERT, reading.row()).lastrowid or 0)


def add_many(conn: sqlite3.Connection, readings: Iterable[NewReading]) -> None:
    """Stores many readings at once (demo data)."""
    conn.executemany(INSERT, (r.row() for r in readings))


class Builder:
    """Turns reading rows into API objects, loading each patient and device once."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._patients: dict[int, dict[str, Any] | None] = {}
        self._tz: dict[int, int | None] = {}
        self._devices: dict[int, dict[str, Any] | None] = {}

    def patient(self, patient_id: int) -> dict[str, Any] | None:
        """The patient object, cached."""
        if patient_id not in self._patients:
            self._patients[patient_id] = people.get_patient(self._conn, patient_id)
            self._tz[patient_id] = people.patient_tz(self._conn, patient_id)
        return self._patients[patient_id]

    def device(self, device_id: int | None) -> dict[str, Any] | None:
        """The device object, cached."""
        if device_id is None:
            return None
        if device_id not in self._devices:
            row = people.device_row(self._conn, device_id)
            if row is None:
                self._devices[device_id] = None
            else:
                patient = None if row[1] is None else self.patient(int(row[1]))
                site = None if patient is None else patient.get("site")
                self._devices[device_id] = people.device_json(row, patient, site)
        return self._devices[device_id]

    def reading(self, row: tuple[Any, ...]) -> dict[str, Any]:
        """A row of ``READING_COLUMNS`` as a full reading object."""
        kind = ReadingKind(row[1])
        patient = self.patient(int(row[2]))
        device = self.device(row[3])
        return {
            "id": row[0],
            "readingTimestamp": ms_text(row[4]),
            "manual": None if row[5] is None else bool(row[5]),
            "deviceTimeZoneOffset": row[6],
            "patientTimeZoneOffset": self._tz.get(int(row[2])),
            **units(kind),
            **json.loads(row[7]),
            "patient": patient,
            "item": None if device is None else device["item"],
            "device": device,
            "site": None if patient is None else patient.get("site"),
        }


def get(conn: sqlite3.Connection, kind: ReadingKind, reading_id: int) -> dict[str, Any] | None:
    """One reading of ``kind``, or None."""
    row = conn.execute(
        f"SELECT {READING_COLUMNS} FROM readings WHERE id = ? AND kind = ?",  # noqa: S608 - constant
        (reading_id, kind.value),
    ).fetchone()
    return None if row is None else Builder(conn).reading(row)


@dataclass(frozen=True)
class ReadingQuery:
    """Reading-list filters; times in epoch ms, start inclusive, end exclusive."""

    kind: ReadingKind
    patient_id: int | None = None
    external_identifier: str | None = None
    start: int | None = None
    end: int | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition and its parameters."""
        parts = ["kind = ?"]
        args: list[Any] = [self.kind.value]
        for sql, value in (
            ("patient_id = ?", self.patient_id),
            (
                "patient_id IN (SELECT id FROM patients WHERE external_identifier = ?)",
                self.external_identifier,
            ),
            ("reading_ms >= ?", self.start),
            ("reading_ms < ?", self.end),
        ):
            if value is not None:
                parts.append(sql)
                args.append(value)
        return " WHERE " + " AND ".join(parts), args


def page(
    conn: sqlite3.Connection, query: ReadingQuery, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of readings, oldest first, and the total."""
    where, args = query.where()
    rows = conn.execute(
        f"SELECT {READING_COLUMNS} FROM readings{where} "  # noqa: S608 - fixed fragments
        "ORDER BY reading_ms, id LIMIT ? OFFSET ?",
        [*args, limit, offset],
    ).fetchall()
    total = conn.execute(f"SELECT COUNT(*) FROM readings{where}", args).fetchone()[0]  # noqa: S608
    builder = Builder(conn)
    return [builder.reading(r) for r in rows], int(total)
