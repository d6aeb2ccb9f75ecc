"""Writing an export file that appears only when complete: CSV or JSON Lines, page by page.

The Logs export and the Events export both write through :func:`write_export`: the rows go to
a temporary file beside the destination, which is renamed over it once every page is in. A
cancelled or failed export leaves nothing behind but the temporary file it removes. Turning a
page into text and writing it both happen off the event loop.
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
from typing import IO, TypeVar

__all__ = ["ExportFormat", "encode", "write_export"]

T = TypeVar("T")
Row = dict[str, object]


class ExportFormat(StrEnum):
    """The file formats an export can write."""

    CSV = "csv"
    JSONL = "jsonl"


def encode(rows: Sequence[Row], fmt: ExportFormat, columns: Sequence[str], header: bool) -> str:
    """Rows as CSV (with a header line when asked) or as JSON Lines."""
    if fmt is ExportFormat.JSONL:
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


async def write_export(
    pages: AsyncIterable[Sequence[T]],
    destination: Path,
    fmt: ExportFormat,
    columns: Sequence[str],
    to_rows: Callable[[Sequence[T]], list[Row]],
    on_page: Callable[[int], None] | None = None,
) -> int:
    """Writes every item the pages yield to ``destination``; cancellable between pages.

    Args:
        pages: Pages of items.
        destination: Final path; written only when all pages are in.
        fmt: CSV or JSON Lines.
        columns: The CSV columns (and the header of an empty CSV file).
        to_rows: The exported fields of a page's items (called off the loop, a page at a time).
        on_page: Called after each page with how many items were written so far.

    Returns:
        How many items were written.
    """
    handle, tmp_name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
    )
    tmp = Path(tmp_name)
    written = 0

    def put(out: IO[str], page: Sequence[T], header: bool) -> None:
        out.write(encode(to_rows(page), fmt, columns, header))

    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            async for page in pages:
                await asyncio.to_thread(put, out, page, written == 0)
                written += len(page)
                if on_page is not None:
                    on_page(written)
            if written == 0 and fmt is ExportFormat.CSV:
                await asyncio.to_thread(out.write, ",".join(columns) + "\n")
        await asyncio.to_thread(os.replace, tmp, destination)
    except BaseException:
        # Synchronous on purpose: this also runs while the task is being cancelled.
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()  # noqa: ASYNC240 - one small unlink, and no await is possible here
        raise
    return written
