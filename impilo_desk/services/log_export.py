"""Exports delivery-log records to CSV or JSON Lines, page by page, atomically.

The file appears only when the export completes: a cancelled or failed export leaves nothing
behind but the temporary file it removes.
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
from enum import StrEnum
from pathlib import Path

from impilo_desk.contract import WebhookLog, format_timestamp
from impilo_desk.services.redaction import Pseudonyms, redact_payload

COLUMNS: tuple[str, ...] = (
    "id",
    "createTimestamp",
    "webhookId",
    "webhookType",
    "webhookUrl",
    "lastResponseStatus",
    "retryAttempts",
    "lastRetryTimestamp",
    "payload",
)


class ExportFormat(StrEnum):
    """The file formats an export can write."""

    CSV = "csv"
    JSONL = "jsonl"


def record_row(
    record: WebhookLog, *, redact: bool, pseudonyms: Pseudonyms | None = None
) -> dict[str, object]:
    """The exported fields of one record, times in ISO-8601 UTC, payload redacted on request.

    ``pseudonyms`` are the export's (one set for all its rows, so that a patient keeps one
    pseudonym throughout the file).
    """
    row: dict[str, object] = {}
    for name in COLUMNS:
        value = getattr(record, name)
        if name == "payload" and redact:
            value = redact_payload(value, pseudonyms)
        elif hasattr(value, "isoformat"):
            value = format_timestamp(value)
        row[name] = value
    return row


def encode_rows(
    records: Sequence[WebhookLog],
    fmt: ExportFormat,
    *,
    redact: bool,
    header: bool,
    pseudonyms: Pseudonyms | None = None,
) -> str:
    """Encodes records as CSV (with a header line when asked) or as JSON Lines."""
    rows = [record_row(r, redact=redact, pseudonyms=pseudonyms) for r in records]
    if fmt is ExportFormat.JSONL:
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


ProgressCallback = Callable[[int, int | None], None]
"""Called after each page with (records written, total expected or None)."""


async def export_logs(
    pages: AsyncIterable[Sequence[WebhookLog]],
    destination: Path,
    fmt: ExportFormat,
    *,
    redact: bool = False,
    total: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> int:
    """Writes every record the pages yield to ``destination``; cancellable between pages.

    Args:
        pages: Pages of records, e.g. the client walking every page of the current filter.
        destination: Final path; written only when all pages are in.
        fmt: CSV or JSON Lines.
        redact: Keep only the allow-listed fields of payloads, patients as pseudonyms that
            are stable within this export (see ``services.redaction``).
        total: How many records are expected, for progress.
        on_progress: Progress callback.

    Returns:
        The number of records written.
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
                text = encode_rows(
                    page, fmt, redact=redact, header=written == 0, pseudonyms=pseudonyms
                )
                await asyncio.to_thread(out.write, text)
                written += len(page)
                if on_progress is not None:
                    on_progress(written, total)
            if written == 0 and fmt is ExportFormat.CSV:
                await asyncio.to_thread(out.write, ",".join(COLUMNS) + "\n")
        await asyncio.to_thread(os.replace, tmp, destination)
    except BaseException:
        # Synchronous on purpose: this also runs while the task is being cancelled.
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()  # noqa: ASYNC240 - one small unlink, and no await is possible here
        raise
    return written
