"""Export of delivery logs: content, redaction of patient details, atomic write and cancel."""

import asyncio
import csv
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from impilo_desk.contract import EVENT_TYPES, WebhookLog
from impilo_desk.services.curl import curl_command
from impilo_desk.services.log_export import COLUMNS, ExportFormat, export_logs
from impilo_desk.services.redaction import REDACTED, redact_payload

READING = json.dumps(
    {"id": 9, "type": "reading.weight", "payload": EVENT_TYPES["reading.weight"].example}
)


def _record(i: int, payload: str | None = READING) -> WebhookLog:
    return WebhookLog(
        id=i,
        webhookId=3,
        webhookType="reading.weight",
        webhookUrl="https://example.com/hooks",
        payload=payload,
        createTimestamp=datetime(2026, 11, 2, 8, 0, i, tzinfo=UTC),
        lastResponseStatus=200,
        retryAttempts=0,
    )


async def _pages(pages: list[list[WebhookLog]]) -> AsyncIterator[Sequence[WebhookLog]]:
    for page in pages:
        yield page


def test_redaction_masks_patient_details_but_keeps_the_shape_and_the_site() -> None:
    redacted = json.loads(redact_payload(READING) or "")
    patient = redacted["payload"]["patient"]
    for key in ("firstName", "lastName", "email", "phoneNumber", "dateOfBirth", "address"):
        assert patient[key] == REDACTED
    # The patient id left the app before (issue 16); now it is a pseudonym.
    assert patient["id"].startswith("patient-")
    assert "1042" not in json.dumps(redacted)
    assert redacted["payload"]["device"]["currentPatient"]["lastName"] == REDACTED
    assert redacted["payload"]["site"]["name"] == "Riverside Cardiology Clinic"
    assert redacted["payload"]["weight"] == 172.4
    assert "Mokoena" not in json.dumps(redacted)


def test_redaction_of_a_patient_event_and_of_text_that_is_not_json() -> None:
    created = json.loads(redact_payload(json.dumps(EVENT_TYPES["patient.created"].example)) or "")
    assert created["firstName"] == REDACTED
    assert created["id"].startswith("patient-")  # was 1042: the patient id leaked (issue 16)
    # Text that is not JSON cannot be checked against the allow-list: it is left out whole.
    text = "{'id':1234, 'firstName': 'Ann', 'email': 'ann@example.com'} call +1 555 014 2200"
    out = redact_payload(text) or ""
    assert "Ann" not in out
    assert "ann@example.com" not in out
    assert "555" not in out
    assert out.startswith(REDACTED)
    assert redact_payload("{'id':1234}") == "{'id':1234}"  # the docs' sample: nothing to hide
    assert redact_payload(None) is None


def test_export_csv_and_jsonl_hold_every_record_of_every_page(tmp_path: Path) -> None:
    pages = [[_record(1), _record(2)], [_record(3, "{'id':1234}")]]
    progress: list[tuple[int, int | None]] = []
    dest = tmp_path / "logs.csv"
    count = asyncio.run(
        export_logs(
            _pages(pages),
            dest,
            ExportFormat.CSV,
            total=3,
            on_progress=lambda *a: progress.append(a),
        )
    )
    assert count == 3
    assert progress == [(2, 3), (3, 3)]
    rows = list(csv.DictReader(dest.read_text(encoding="utf-8").splitlines()))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert tuple(rows[0]) == COLUMNS
    assert rows[0]["createTimestamp"] == "2026-11-02T08:00:01.000Z"
    assert rows[2]["payload"] == "{'id':1234}"
    jsonl = tmp_path / "logs.jsonl"
    asyncio.run(export_logs(_pages(pages), jsonl, ExportFormat.JSONL, redact=True))
    lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [1, 2, 3]
    assert "Mokoena" not in jsonl.read_text(encoding="utf-8")


def test_cancelled_export_leaves_no_file(tmp_path: Path) -> None:
    dest = tmp_path / "logs.csv"
    started = asyncio.Event()

    async def endless() -> AsyncIterator[Sequence[WebhookLog]]:
        yield [_record(1)]
        started.set()
        await asyncio.Event().wait()  # the next page never comes
        yield []

    async def scenario() -> None:
        task = asyncio.create_task(export_logs(endless(), dest, ExportFormat.CSV))
        await asyncio.wait_for(started.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert list(tmp_path.iterdir()) == []


def test_curl_command_never_holds_the_key() -> None:
    cmd = curl_command(
        "http://127.0.0.1:8000/",
        "/api/v3/webhook/logs",
        {"webhookType": "reading.weight", "page": "2"},
    )
    assert "http://127.0.0.1:8000/api/v3/webhook/logs?webhookType=reading.weight&page=2" in cmd
    assert "Impilo-API-Key: $IMPILO_API_KEY" in cmd
