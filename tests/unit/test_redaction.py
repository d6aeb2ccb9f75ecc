"""Export redaction (issue 16): an allow-list; identifiers go, patients become pseudonyms."""

import asyncio
import copy
import json
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from impilo_desk.contract import EVENT_TYPES, WebhookLog
from impilo_desk.services.log_export import ExportFormat, export_logs
from impilo_desk.services.redaction import REDACTED, Pseudonyms, redact_payload

# What identifies the example patient and device (contract/examples.py), as text and as values.
IDENTIFYING_TEXT = (
    "MRN-00981",  # the patient's externalIdentifier
    "Thandiwe",
    "Mokoena",
    "1958-03-14",
    "t.mokoena@example.com",
    "+1-555-0199",
    "14 Elm Street",
    "62701",
    "356938035643809",  # the device's IMEI
    "DEV-5531",  # the device's own external identifier
)
IDENTIFYING_IDS = {1042, "1042", 5531, "5531"}  # patient id, device id


def envelope(kind: str, payload: dict[str, Any], event_id: int = 9) -> str:
    return json.dumps({"id": event_id, "type": kind, "payload": payload})


def values(data: Any) -> Iterator[Any]:
    if isinstance(data, dict):
        for value in data.values():
            yield from values(value)
    elif isinstance(data, list):
        for value in data:
            yield from values(value)
    else:
        yield data


@pytest.mark.parametrize("kind", sorted(EVENT_TYPES))
def test_no_example_identifier_survives_in_any_event_type(kind: str) -> None:
    out = redact_payload(envelope(kind, EVENT_TYPES[kind].example)) or ""
    for text in IDENTIFYING_TEXT:
        assert text not in out
    leaked = [
        v for v in values(json.loads(out)) if not isinstance(v, bool) and v in IDENTIFYING_IDS
    ]
    assert leaked == []


def test_serials_imeis_and_mac_addresses_are_removed_their_kind_stays() -> None:
    device = copy.deepcopy(EVENT_TYPES["device.lowBattery"].example)
    device["device"]["deviceIdentifiers"] = [
        {"type": "imei", "value": "356938035643809"},
        {"type": "serial", "value": "SN-0077812"},
        {"type": "macAddress", "value": "00:1B:44:11:3A:B7"},
    ]
    out = json.loads(redact_payload(envelope("device.lowBattery", device)) or "")
    identifiers = out["payload"]["device"]["deviceIdentifiers"]
    assert identifiers == [
        {"type": "imei", "value": REDACTED},
        {"type": "serial", "value": REDACTED},
        {"type": "macAddress", "value": REDACTED},
    ]
    assert out["payload"]["device"]["externalIdentifier"] == REDACTED
    assert out["payload"]["device"]["id"].startswith("device-")
    assert out["payload"]["batteryPercentage"] == 12


def test_what_may_stay_stays_and_a_field_added_later_does_not() -> None:
    reading = copy.deepcopy(EVENT_TYPES["reading.weight"].example)
    reading["patient"]["nickname"] = "Tandi"  # not in the contract: not on the list
    reading["clinicianNote"] = "Spoke with Thandiwe's daughter"
    out = json.loads(redact_payload(envelope("reading.weight", reading, 77)) or "")
    payload = out["payload"]
    assert (out["id"], out["type"]) == (77, "reading.weight")
    assert payload["weight"] == 172.4
    assert payload["weightUnit"] == reading["weightUnit"]
    assert payload["readingTimestamp"] == reading["readingTimestamp"]
    assert payload["id"] == reading["id"]  # the reading's own id identifies no one
    assert payload["site"]["name"] == "Riverside Cardiology Clinic"
    assert payload["item"]["model"] == "BP7450"
    assert payload["patient"]["nickname"] == REDACTED
    assert payload["patient"]["externalIdentifier"] == REDACTED
    assert payload["patient"]["address"] == REDACTED
    assert payload["clinicianNote"] == REDACTED
    assert payload["device"]["currentPatient"]["id"] == payload["patient"]["id"]


def test_a_python_literal_payload_is_redacted_as_data() -> None:
    text = "{'id': 5, 'patientId': 1042, 'note': 'MRN-00981'}"
    out = json.loads(redact_payload(text) or "")
    assert out["id"] == 5
    assert out["patientId"].startswith("patient-")
    assert out["note"] == REDACTED


def test_pseudonyms_are_keyed_per_export() -> None:
    one, two = Pseudonyms(), Pseudonyms()
    assert one.of("patient", 1042) == one.of("patient", "1042")
    assert one.of("patient", 1042) != one.of("patient", 1043)
    assert one.of("patient", 1042) != two.of("patient", 1042)
    assert one.of("patient", 5) != one.of("device", 5)
    assert "key" in repr(one)


def _row(i: int, patient_id: int) -> WebhookLog:
    reading = copy.deepcopy(EVENT_TYPES["reading.weight"].example)
    reading["patient"]["id"] = patient_id
    reading["device"]["currentPatient"]["id"] = patient_id
    return WebhookLog(
        id=i, webhookType="reading.weight", payload=envelope("reading.weight", reading)
    )


async def _pages(pages: list[list[WebhookLog]]) -> AsyncIterator[Sequence[WebhookLog]]:
    for page in pages:
        yield page


def _patients_in(path: Path) -> list[str]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [json.loads(line["payload"])["payload"]["patient"]["id"] for line in lines]


def test_an_export_keeps_one_pseudonym_per_patient_across_pages(tmp_path: Path) -> None:
    pages = [[_row(1, 1042), _row(2, 2001)], [_row(3, 1042), _row(4, 2001), _row(5, 1042)]]
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    asyncio.run(export_logs(_pages(pages), first, ExportFormat.JSONL, redact=True))
    asyncio.run(export_logs(_pages(pages), second, ExportFormat.JSONL, redact=True))
    a = _patients_in(first)
    assert a[0] == a[2] == a[4] != a[1] == a[3]
    assert all(p.startswith("patient-") for p in a)
    b = _patients_in(second)
    assert set(a).isdisjoint(b)  # another export, another key: the files cannot be joined
    text = first.read_text(encoding="utf-8")
    for identifying in IDENTIFYING_TEXT:
        assert identifying not in text
