"""Sites, patients and devices."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from impilo_desk.sandbox.timeutil import ms_text, now_ms

PATIENT_COLUMNS = (
    "p.id, p.external_identifier, p.first_name, p.last_name, p.date_of_birth, p.email, p.phone, "
    "p.archived, p.enrolled, p.sex, p.address, p.site_id, p.tz_offset, "
    "s.id, s.name, s.active, s.phone, s.address"
)
PATIENT_FROM = "patients p LEFT JOIN sites s ON s.id = p.site_id"
SORTS = {
    "firstName": "p.first_name COLLATE NOCASE",
    "lastName": "p.last_name COLLATE NOCASE",
    "patientId": "p.id",
}


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def site_json(row: tuple[Any, ...]) -> dict[str, Any]:
    """A site row ``(id, name, active, phone, address)`` as the API shows it."""
    return {
        "id": row[0],
        "name": row[1],
        "active": bool(row[2]),
        "phoneNumber": row[3],
        "address": _loads(row[4]),
    }


def patient_json(row: tuple[Any, ...]) -> dict[str, Any]:
    """A row of ``PATIENT_COLUMNS`` as the API shows it."""
    return {
        "id": row[0],
        "externalIdentifier": row[1],
        "firstName": row[2],
        "lastName": row[3],
        "dateOfBirth": row[4],
        "email": row[5],
        "phoneNumber": row[6],
        "archived": bool(row[7]),
        "enrolled": bool(row[8]),
        "sex": row[9],
        "address": _loads(row[10]),
        "site": None if row[13] is None else site_json(row[13:18]),
    }


def add_site(
    conn: sqlite3.Connection, name: str, phone: str | None, address: dict[str, Any] | None
) -> int:
    """Stores a site; returns its id."""
    cur = conn.execute(
        "INSERT INTO sites (name, active, phone, address) VALUES (?, 1, ?, ?)",
        (name, phone, None if address is None else json.dumps(address)),
    )
    return int(cur.lastrowid or 0)


def site_exists(conn: sqlite3.Connection, site_id: int) -> bool:
    """Whether a site with this id exists."""
    return conn.execute("SELECT 1 FROM sites WHERE id = ?", (site_id,)).fetchone() is not None


def ensure_default_site(conn: sqlite3.Connection) -> None:
    """Gives a new database one clinic, so that patients can belong somewhere."""
    if conn.execute("SELECT 1 FROM sites LIMIT 1").fetchone() is None:
        add_site(
            conn,
            "Sandbox Clinic",
            "+1-555-0100",
            {"lineOne": "1 Sandbox Way", "city": "Springfield", "state": "IL",
             "zipCode": "62701", "country": "US"},
        )  # fmt: skip


def _patient_values(body: dict[str, Any]) -> tuple[Any, ...]:
    address = body.get("address")
    return (
        body.get("externalIdentifier"),
        body["firstName"],
        body["lastName"],
        body.get("dateOfBirth"),
        body.get("email"),
        body.get("phoneNumber"),
        int(bool(body.get("archived") or False)),
        int(bool(True if body.get("enrolled") is None else body["enrolled"])),
        body.get("sex"),
        None if address is None else json.dumps(address),
        body.get("siteId"),
        None if address is None else address.get("zipCode"),
        None if address is None else address.get("country"),
    )


def add_patient(conn: sqlite3.Connection, body: dict[str, Any], tz_offset: int = 0) -> int:
    """Stores a patient from a PatientRequest-shaped dict; returns the id."""
    cur = conn.execute(
        "INSERT INTO patients (external_identifier, first_name, last_name, date_of_birth, email, "
        "phone, archived, enrolled, sex, address, site_id, postal_code, country, tz_offset) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*_patient_values(body), tz_offset),
    )
    return int(cur.lastrowid or 0)


def replace_patient(conn: sqlite3.Connection, patient_id: int, body: dict[str, Any]) -> bool:
    """Replaces a patient's fields (PUT); False when there is no such patient."""
    cur = conn.execute(
        "UPDATE patients SET external_identifier = ?, first_name = ?, last_name = ?, "
        "date_of_birth = ?, email = ?, phone = ?, archived = ?, enrolled = ?, sex = ?, "
        "address = ?, site_id = ?, postal_code = ?, country = ? WHERE id = ?",
        (*_patient_values(body), patient_id),
    )
    return cur.rowcount > 0


def get_patient(conn: sqlite3.Connection, patient_id: int) -> dict[str, Any] | None:
    """A patient as the API shows it, or None."""
    row = conn.execute(
        f"SELECT {PATIENT_COLUMNS} FROM {PATIENT_FROM} WHERE p.id = ?",  # noqa: S608 - constants
        (patient_id,),
    ).fetchone()
    return None if row is None else patient_json(row)


def patient_tz(conn: sqlite3.Connection, patient_id: int) -> int | None:
    """The patient's offset from UTC in seconds."""
    row = conn.execute("SELECT tz_offset FROM patients WHERE id = ?", (patient_id,)).fetchone()
    return None if row is None else row[0]


@dataclass(frozen=True)
class PatientQuery:
    """The documented patient-list filters (None: no filter)."""

    id: int | None = None
    site_id: int | None = None
    external_identifier: str | None = None
    email: str | None = None
    name: str | None = None
    archived: bool | None = None
    enrolled: bool | None = None
    date_of_birth_min: str | None = None
    date_of_birth_max: str | None = None
    postal_code: str | None = None
    country: str | None = None
    sort: str = "patientId"
    sort_descending: bool = False

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition and its parameters."""
        parts: list[str] = []
        args: list[Any] = []
        for sql, value in (
            ("p.id = ?", self.id),
            ("p.site_id = ?", self.site_id),
            ("p.external_identifier = ?", self.external_identifier),
            ("p.email = ? COLLATE NOCASE", self.email),
            ("p.archived = ?", None if self.archived is None else int(self.archived)),
            ("p.enrolled = ?", None if self.enrolled is None else int(self.enrolled)),
            ("p.date_of_birth >= ?", self.date_of_birth_min),
            ("p.date_of_birth <= ?", self.date_of_birth_max),
            ("p.postal_code = ?", self.postal_code),
            ("p.country = ? COLLATE NOCASE", self.country),
        ):
            if value is not None:
                parts.append(sql)
                args.append(value)
        if self.name:
            pattern = "%" + self.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            parts.append("(p.first_name || ' ' || p.last_name) LIKE ? ESCAPE '\\'")
            args.append(pattern + "%")
        return (" WHERE " + " AND ".join(parts)) if parts else "", args


def patient_page(
    conn: sqlite3.Connection, query: PatientQuery, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of patients and the total."""
    where, args = query.where()
    order = SORTS[query.sort] + (" DESC" if query.sort_descending else "")
    rows = conn.execute(
        f"SELECT {PATIENT_COLUMNS} FROM {PATIENT_FROM}{where} "  # noqa: S608 - fixed fragments
        f"ORDER BY {order}, p.id LIMIT ? OFFSET ?",
        [*args, limit, offset],
    ).fetchall()
    total = conn.execute(f"SELECT COUNT(*) FROM patients p{where}", args).fetchone()[0]  # noqa: S608
    return [patient_json(r) for r in rows], int(total)


def add_device(
    conn: sqlite3.Connection,
    *,
    patient_id: int | None,
    kind: str | None,
    external_identifier: str,
    identifiers: list[dict[str, str]],
    item: dict[str, Any] | None,
    created_ms: int | None = None,
) -> int:
    """Stores a device; returns its id."""
    cur = conn.execute(
        "INSERT INTO devices (patient_id, kind, external_identifier, identifiers, item, "
        "created_ms) VALUES (?, ?, ?, ?, ?, ?)",
        (
            patient_id,
            kind,
            external_identifier,
            json.dumps(identifiers),
            None if item is None else json.dumps(item),
            now_ms() if created_ms is None else created_ms,
        ),
    )
    return int(cur.lastrowid or 0)


def find_device(conn: sqlite3.Connection, identifier: str) -> int | None:
    """The id of the device with this identifier (IMEI, serial, MAC or external id)."""
    row = conn.execute(
        "SELECT d.id FROM devices d WHERE d.external_identifier = ? OR EXISTS "
        "(SELECT 1 FROM json_each(d.identifiers) j WHERE json_extract(j.value, '$.value') = ?) "
        "ORDER BY d.id LIMIT 1",
        (identifier, identifier),
    ).fetchone()
    return None if row is None else int(row[0])


def device_of(conn: sqlite3.Connection, patient_id: int, kind: str) -> int | None:
    """The id of the patient's device for a reading kind, if any."""
    row = conn.execute(
        "SELECT id FROM devices WHERE patient_id = ? AND kind = ? ORDER BY id LIMIT 1",
        (patient_id, kind),
    ).fetchone()
    return None if row is None else int(row[0])


def device_row(conn: sqlite3.Connection, device_id: int) -> tuple[Any, ...] | None:
    """``(id, patient_id, kind, external_identifier, identifiers, item, created_ms)``."""
    row = conn.execute(
        "SELECT id, patient_id, kind, external_identifier, identifiers, item, created_ms "
        "FROM devices WHERE id = ?",
        (device_id,),
    ).fetchone()
    return None if row is None else tuple(row)


def device_json(
    row: tuple[Any, ...], patient: dict[str, Any] | None, site: dict[str, Any] | None
) -> dict[str, Any]:
    """A device as the API shows it, with its current patient in short form."""
    return {
        "id": row[0],
        "currentPatient": None
        if patient is None
        else {k: patient[k] for k in ("id", "firstName", "lastName")},
        "currentStatus": "withPatient" if patient is not None else "inStock",
        "deviceEvents": [{"eventTimestamp": ms_text(row[6]), "type": "shipped"}],
        "deviceIdentifiers": _loads(row[4]),
        "disabledReadings": False,
        "externalIdentifier": row[3],
        "item": _loads(row[5]),
        "lastHealthCheck": None,
        "site": site,
    }
