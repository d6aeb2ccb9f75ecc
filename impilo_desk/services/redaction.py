"""Removes patient details from webhook payload text before it leaves the app in an export.

Payloads are opaque strings (the docs' own sample is not JSON), so JSON is redacted structurally
and anything else by pattern, conservatively: when in doubt, a value is masked.
"""

from __future__ import annotations

import json
import re
from typing import Any

REDACTED = "[redacted]"

# Keys whose values identify a patient (names, contact, birth date, address).
PATIENT_KEYS = frozenset(
    {
        "firstName",
        "lastName",
        "name",
        "email",
        "phoneNumber",
        "dateOfBirth",
        "address",
        "lineOne",
        "lineTwo",
        "lineThree",
        "city",
        "zipCode",
        "postalCode",
    }
)

# Objects whose details are a patient's; other objects (site, manufacturer) keep their names.
_PATIENT_CONTAINERS = frozenset({"patient", "currentPatient"})

_KEYS = "|".join(sorted(PATIENT_KEYS))
_KEY_VALUE = re.compile(
    rf"""(?P<key>["']?(?:{_KEYS})["']?\s*[:=]\s*)(?P<q>["'])(?P<value>.*?)(?P=q)"""
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")


def redact_payload(text: str | None) -> str | None:
    """Returns ``text`` with patient details masked.

    JSON keeps its shape (only values change); other text has ``key: 'value'`` pairs of patient
    keys, e-mail addresses and phone numbers masked.
    """
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return _redact_text(text)
    return json.dumps(_redact(data, in_patient=False), ensure_ascii=False)


def _redact(value: Any, *, in_patient: bool) -> Any:
    if isinstance(value, list):
        return [_redact(v, in_patient=in_patient) for v in value]
    if not isinstance(value, dict):
        return value
    is_patient = in_patient or _looks_like_patient(value)
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in _PATIENT_CONTAINERS:
            out[key] = _redact(item, in_patient=True)
        elif is_patient and key in PATIENT_KEYS:
            out[key] = REDACTED if item is not None else None
        else:
            out[key] = _redact(item, in_patient=False)
    return out


def _looks_like_patient(obj: dict[str, Any]) -> bool:
    # patient.created / patient.updated payloads are the patient itself, at the top level.
    return "firstName" in obj or "lastName" in obj or "dateOfBirth" in obj


def _redact_text(text: str) -> str:
    text = _KEY_VALUE.sub(lambda m: f"{m['key']}{m['q']}{REDACTED}{m['q']}", text)
    text = _EMAIL.sub(REDACTED, text)
    return _PHONE.sub(REDACTED, text)
