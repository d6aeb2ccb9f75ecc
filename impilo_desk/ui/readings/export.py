"""Export of one Readings page: the chart as PNG (and the ECG waveform), the rows as CSV."""

from __future__ import annotations

import asyncio
import csv
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from impilo_desk.ui.readings.page import KindPage


def export_png(page: KindPage, path: Path) -> list[Path]:
    """Saves the page's chart as ``path`` (and its ECG waveform beside it); returns the files."""
    page.chart.export_png(path)
    written = [path]
    if page.waveform is not None:
        written.append(path.with_name(path.stem + "-waveform.png"))
        page.waveform.export_png(written[-1])
    return written


async def export_csv(page: KindPage, path: Path) -> Path:
    """Saves the readings the page's table holds (as charted: same units) as CSV."""
    from impilo_desk.services.reading_series import csv_rows

    snapshot = page.model.snapshot
    if snapshot is None:
        raise ValueError("nothing to export yet")
    # formatted in a thread (100,000 rows take a while), from a copy: live points keep coming
    frozen = replace(
        snapshot,
        t=snapshot.t.copy(),
        values={name: values.copy() for name, values in snapshot.values.items()},
        meal=None if snapshot.meal is None else snapshot.meal.copy(),
    )

    def write() -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(csv_rows(frozen))

    await asyncio.to_thread(write)
    return path
