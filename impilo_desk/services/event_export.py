"""Exports received events to CSV or JSON Lines, atomically, with the Logs export's redaction.

The file appears only when the export completes. Redacted, an event keeps only what the
allow-list of ``services.redaction`` keeps, and its patient becomes a pseudonym that is stable
within the export (rows can still be grouped by patient) and unlinkable across exports.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import AsyncIterable, Callable, Sequence
from pathlib import Path

from impilo_desk.contract import format_timestamp
from impilo_desk.services.event_store import RelayEvent, patient_id_of, patient_name_of
from impilo_desk.services.log_export import ExportFormat
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


def _encode(records: list[dict[str, object]], fmt: ExportFormat, header: bool) -> str:
    if fmt is ExportFormat.JSONL:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


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
    handle, tmp_name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
    )
    tmp = Path(tmp_name)
    written = 0
    pseudonyms = Pseudonyms() if redact else None  # one key per export, never stored
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            async for page in pages:
                records = [event_record(e, pseudonyms) for e in page]
                await asyncio.to_thread(out.write, _encode(records, fmt, written == 0))
                written += len(page)
                if on_progress is not None:
                    on_progress(written)
            if written == 0 and fmt is ExportFormat.CSV:
                await asyncio.to_thread(out.write, ",".join(COLUMNS) + "\n")
        await asyncio.to_thread(os.replace, tmp, destination)
    except BaseException:
        # Synchronous on purpose: this also runs while the task is being cancelled.
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()  # noqa: ASYNC240 - one small unlink, and no await is possible here
        raise
    return written
