"""Exports delivery-log records to CSV or JSON Lines, page by page, atomically.

The file appears only when the export completes (``services.export_file``): a cancelled or
failed export leaves nothing behind but the temporary file it removes.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Sequence
from pathlib import Path

from impilo_desk.contract import WebhookLog, format_timestamp
from impilo_desk.services.export_file import ExportFormat, encode, write_export
from impilo_desk.services.redaction import Pseudonyms, redact_payload

__all__ = ["COLUMNS", "ExportFormat", "encode_rows", "export_logs", "record_row"]

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
    return encode(rows, fmt, COLUMNS, header)


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
    pseudonyms = Pseudonyms() if redact else None  # one key per export, never stored

    def rows(page: Sequence[WebhookLog]) -> list[dict[str, object]]:
        return [record_row(r, redact=redact, pseudonyms=pseudonyms) for r in page]

    def progress(written: int) -> None:
        if on_progress is not None:
            on_progress(written, total)

    return await write_export(pages, destination, fmt, COLUMNS, rows, progress)
