"""Removes patient details from webhook payload text before it leaves the app in an export.

An allow-list, not a deny-list: a value stays only when its key is on the list for the kind of
object that holds it (a reading's values, a device's status, a site's name…). Everything else,
including any field the platform adds later, becomes ``[redacted]`` (an object of no known
kind, such as an address, as a whole); the JSON keeps its shape.
Patient and device ids become pseudonyms (``patient-3f9a1c77e2b0``): HMAC-SHA256 under a random
key made for one export, so rows of one export can still be grouped by patient, while the ids
cannot be recovered from the file and two exports cannot be joined.

Text that is not JSON (the docs' own sample, ``"{'id':1234}"``, is a Python-style literal) is
read as a literal when it is one; other text cannot be checked against a list, so it is left out
whole.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import secrets
from typing import Any

from impilo_desk.contract import READING_KINDS

REDACTED = "[redacted]"

_MAX_LITERAL_CHARS = 200_000  # ast.literal_eval of a huge text is slow; such text is left out

# Where an object sits says what it is: the key holding it names its kind.
_CHILD_KIND = {
    "patient": "patient",
    "currentPatient": "patient",
    "device": "device",
    "site": "site",
    "item": "item",
    "manufacturer": "manufacturer",
    "deviceEvents": "deviceEvent",
    "deviceIdentifiers": "deviceIdentifier",
}

# Reading values and times come from the contract's reading models (less the nested objects).
_READING_KEYS = frozenset(
    name for info in READING_KINDS.values() for name in info.model.model_fields
) - frozenset(_CHILD_KIND)

# What may stay, by kind of object. An id is kept only where it identifies no person.
KEEP: dict[str, frozenset[str]] = {
    "envelope": frozenset({"id", "type"}),  # the Impilo event id and type
    "reading": _READING_KEYS,
    "patient": frozenset({"archived", "enrolled"}),
    "device": frozenset({"currentStatus", "disabledReadings", "lastHealthCheck"}),
    "deviceEvent": frozenset({"eventTimestamp", "type"}),
    "deviceIdentifier": frozenset({"type"}),  # imei / serial / macAddress; never the value
    "item": frozenset({"id", "model", "name", "sku", "orderable"}),
    "manufacturer": frozenset({"id", "name"}),
    "site": frozenset({"id", "name", "active"}),
    "event": frozenset(
        {
            "id",  # an order, return, ticket or procurement id
            "eventType",
            "eventTimestamp",
            "status",
            "batteryPercentage",
            "signalStrength",
            "packedKitId",
            "createdAt",
            "updatedAt",
            "timestamp",
        }
    ),
}

# Values replaced by a pseudonym: (kind of object or "*" for any, key) -> what they identify.
_PSEUDONYM = {
    ("patient", "id"): "patient",
    ("device", "id"): "device",
    ("*", "patientId"): "patient",
    ("*", "deviceId"): "device",
}

_PATIENT_HINTS = frozenset({"firstName", "lastName", "dateOfBirth", "externalIdentifier"})


class Pseudonyms:
    """Keyed pseudonyms for one export; use one instance for all the rows of that export.

    The key is random and lives only in this object (never written anywhere), so a pseudonym
    cannot be turned back into an id, and another export gives other pseudonyms.
    """

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def __repr__(self) -> str:
        return "Pseudonyms(<key hidden>)"

    def of(self, kind: str, value: object) -> str:
        """``kind-<12 hex>`` for ``value`` (1042 and "1042" are the same id)."""
        digest = hmac.new(self._key, f"{kind}:{str(value).strip()}".encode(), hashlib.sha256)
        return f"{kind}-{digest.hexdigest()[:12]}"


def redact_payload(text: str | None, pseudonyms: Pseudonyms | None = None) -> str | None:
    """Returns ``text`` with everything not on the allow-list redacted.

    Args:
        text: A log row's payload (JSON, a Python-style literal, or any text), or None.
        pseudonyms: The export's pseudonyms; without it, one set is made for this call only
            (stable within this payload, not across rows).
    """
    if text is None:
        return None
    names = pseudonyms or Pseudonyms()
    try:
        data = json.loads(text)
    except ValueError:
        return _redact_literal(text, names)
    return json.dumps(redact_value(data, names), ensure_ascii=False)


def redact_value(data: Any, pseudonyms: Pseudonyms) -> Any:
    """The allow-listed copy of parsed JSON: an envelope, a patient, or another payload."""
    if isinstance(data, list):
        return [redact_value(item, pseudonyms) for item in data]
    if not isinstance(data, dict):
        return REDACTED if data is not None else None
    return _redact_object(data, _top_kind(data), pseudonyms)


def _top_kind(data: dict[str, Any]) -> str:
    if isinstance(data.get("type"), str) and isinstance(data.get("payload"), dict):
        return "envelope"
    if _PATIENT_HINTS & data.keys():
        return "patient"
    return "event"


def _payload_kind(event_type: Any) -> str:
    name = event_type if isinstance(event_type, str) else ""
    if name.startswith("reading."):
        return "reading"
    if name.startswith("patient."):
        return "patient"
    return "event"


def _redact_object(obj: dict[str, Any], kind: str, names: Pseudonyms) -> dict[str, Any]:
    keep = KEEP.get(kind, frozenset())
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if kind == "envelope" and key == "payload" and isinstance(value, dict):
            out[key] = _redact_object(value, _payload_kind(obj.get("type")), names)
            continue
        child = _CHILD_KIND.get(key, "")
        pseudonym = _PSEUDONYM.get((kind, key)) or _PSEUDONYM.get(("*", key))
        out[key] = _redact_field(value, child, key in keep, pseudonym, names)
    return out


def _redact_field(
    value: Any, child: str, keep: bool, pseudonym: str | None, names: Pseudonyms
) -> Any:
    if isinstance(value, list):
        return [_redact_field(v, child, keep, pseudonym, names) for v in value]
    if isinstance(value, dict):
        # An object of no known kind (an address, or a field added later) goes whole.
        return _redact_object(value, child, names) if child in KEEP else REDACTED
    if value is None:
        return None
    if pseudonym is not None and not isinstance(value, bool):
        return names.of(pseudonym, value)
    return value if keep else REDACTED


def _redact_literal(text: str, names: Pseudonyms) -> str:
    """A Python-style literal (``{'id':1234}``) is redacted as its data; other text is left out."""
    data: Any = None
    if len(text) <= _MAX_LITERAL_CHARS:
        try:
            data = ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            data = None
    if isinstance(data, dict | list):
        redacted = redact_value(data, names)
        if redacted == data:
            return text  # nothing to hide: keep it exactly as the log has it
        try:
            return json.dumps(redacted, ensure_ascii=False)
        except (TypeError, ValueError):
            pass  # a literal JSON cannot hold (a set, bytes, a tuple key): left out below
    return f"{REDACTED} ({len(text)} characters of text that is not JSON)"
