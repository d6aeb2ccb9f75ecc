"""Screenshot of the Logs tab on the local copy (``make screenshots``): its source line.

Waits (bounded) for the demo's log sync to cover the copy's window, then sorts by last status
with no date range, as a new user would (the whole copy is read), and grabs ``logs-local.png``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from impilo_desk.ui.logs.model import LogColumn

if TYPE_CHECKING:
    from impilo_desk.ui.logs.controller import LogsController
    from impilo_desk.ui.shell.main_window import MainWindow

_log = logging.getLogger(__name__)
SYNC_TIMEOUT_S = 60.0


async def capture_logs_local(window: MainWindow, logs: LogsController, folder: Path) -> None:
    """The Logs tab reading the local copy, newest failures first, with its source line."""
    from impilo_desk.ui.capture import shown_and_painted

    source = logs.local.source
    mirror = source.mirror
    if mirror is None:
        return
    start = source.copy_start()
    loop = asyncio.get_running_loop()
    covered: asyncio.Future[None] = loop.create_future()

    def check(_status: Any = None) -> None:
        if not covered.done() and mirror.covers(start):
            covered.set_result(None)

    stop = mirror.listen(check)
    try:
        check()
        async with asyncio.timeout(SYNC_TIMEOUT_S):
            await covered
    except TimeoutError:
        _log.warning("the demo's log sync did not finish for the screenshots")
        return
    finally:
        stop()
    await shown_and_painted(window, logs.view)
    header = logs.view.table.horizontalHeader()

    def newest_failures_first() -> None:
        header.setSortIndicator(LogColumn.STATUS, Qt.SortOrder.DescendingOrder)

    changes: tuple[Callable[[], None], ...] = (newest_failures_first,)
    for change in changes:
        loaded: asyncio.Future[None] = loop.create_future()

        def done(_rows: int, future: asyncio.Future[None] = loaded) -> None:
            if not future.done():
                future.set_result(None)

        logs.loaded.connect(done)
        try:
            change()
            async with asyncio.timeout(10):
                await loaded
        except TimeoutError:
            _log.warning("the Logs tab did not load from the local copy for the screenshots")
            return
        finally:
            logs.loaded.disconnect(done)
    await shown_and_painted(window, logs.view)
    path = folder / "logs-local.png"
    window.grab().save(str(path))
    print(f'{{"event": "screenshot", "png": "{path}"}}', flush=True)
