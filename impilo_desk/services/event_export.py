"""Exports received events to CSV or JSON Lines, atomically, with the Logs export's redaction.

The file appears only when the export completes (``services.export_file``). Redacted, an
event keeps only what the allow-list of ``services.redaction`` keeps, and its patient becomes
a pseudonym that is stable within the export (rows can still be grouped by patient) and
unlinkable across exports.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Callable, Sequence
from pathlib import Path

from impilo_desk.contract import format_timestamp
from impilo_desk.services.event_store import RelayEvent, patient_id_of, patient_name_of
from impilo_desk.services.export_file import ExportFormat, write_export
from impilo_desk.services.redaction import REDACTED, Pseudonyms, redact_value

__all__ = ["COLUMNS", "ExportFormat", "event_record", "export_events"]

COLUMNS: tuple[str, ...] = (
    "received_at",
    "type",
    "patient_id",
    "patient_name",
    "envelope_id",
    "relay_seq",
    "source",
    "payload",
)


def event_record(event: RelayEvent, pseudonyms: Pseudonyms | None) -> dict[str, object]:
    """The exported fields of one event; redacted when ``pseudonyms`` (the export's) is given."""
    envelope = event.envelope
    pid = patient_id_of(envelope)
    name = patient_name_of(envelope)
    data = envelope.model_dump(mode="json")
    if pseudonyms is not None:
        data = redact_value(data, pseudonyms)
        name = REDACTED if name else ""
    return {
        "received_at": format_timestamp(event.received_at),
        "type": envelope.type,
        "patient_id": (pseudonyms.of("patient", pid) if pseudonyms else pid)
        if pid is not None
        else None,
        "patient_name": name,
        "envelope_id": envelope.id,
        "relay_seq": event.seq,
        "source": event.source,
        "payload": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
    }


async def export_events(
    pages: AsyncIterable[Sequence[RelayEvent]],
    destination: Path,
    fmt: ExportFormat,
    *,
    redact: bool,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Writes every event the pages yield to ``destination``; cancellable between pages.

    Returns:
        How many events were written.
    """
    pseudonyms = Pseudonyms() if redact else None  # one key per export, never stored

    def rows(page: Sequence[RelayEvent]) -> list[dict[str, object]]:
        return [event_record(e, pseudonyms) for e in page]

    return await write_export(pages, destination, fmt, COLUMNS, rows, on_progress)
