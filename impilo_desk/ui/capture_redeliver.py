"""Screenshots of a redelivery (``make screenshots``): the preview, the run, a resent row.

The demo's failed deliveries went to the sandbox's own sink (on 127.0.0.1), so recovering them
sends nothing off the machine. Every wait is on a signal, bounded.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from impilo_desk.ui.logs.controller import LogsController
    from impilo_desk.ui.shell.main_window import MainWindow

_log = logging.getLogger(__name__)
RUN_TIMEOUT_S = 60.0


def _resolve(future: asyncio.Future[Any], value: Any = None) -> None:
    if not future.done():
        future.set_result(value)


def _save(widget: QWidget, folder: Path, name: str) -> None:
    path = folder / f"redeliver-{name}.png"
    widget.grab().save(str(path))
    print(f'{{"event": "screenshot", "png": "{path}"}}', flush=True)


async def capture_redelivery(window: MainWindow, logs: LogsController, folder: Path) -> None:
    """Recovers the demo's failed deliveries through the Logs tab and grabs each step."""
    from impilo_desk.ui.capture import shown_and_painted, until

    redeliver = logs.redeliver
    if redeliver is None:
        return
    bar = redeliver.bar
    await shown_and_painted(window, logs.view)
    try:
        await until(bar.recover_action.isEnabled, [logs.loaded, redeliver.notes_shown], 15)
    except TimeoutError:
        _log.warning("the Logs tab had nothing to recover for the screenshots")
        return
    loop = asyncio.get_running_loop()
    opened: asyncio.Future[Any] = loop.create_future()
    redeliver.preview_opened.connect(lambda d: _resolve(opened, d))
    bar.recover_action.trigger()
    try:
        dialog = await asyncio.wait_for(opened, 30)
    except TimeoutError:
        _log.warning("no redelivery preview opened: %s", logs.view.banner.text)
        return
    dialog.retrying_box.setChecked(True)
    _save(dialog, folder, "preview")
    if not dialog.send_button.isEnabled():
        dialog.reject()
        return
    progressed: asyncio.Future[None] = loop.create_future()
    finished: asyncio.Future[None] = loop.create_future()

    def third(done: int, total: int) -> None:
        if done * 3 >= total:
            _resolve(progressed)

    redeliver.progressed.connect(third)
    redeliver.run_finished.connect(lambda _s: _resolve(finished))
    notes: asyncio.Future[None] = loop.create_future()
    dialog.send_button.click()
    try:
        await asyncio.wait_for(progressed, RUN_TIMEOUT_S)
        redeliver.driver.show_progress()  # the bar as it stands now, not as of the last timer tick
        await shown_and_painted(window, logs.view)
        _save(window, folder, "run")
        redeliver.notes_shown.connect(lambda: _resolve(notes))
        await asyncio.wait_for(finished, RUN_TIMEOUT_S)
        await asyncio.wait_for(notes, 10)
    except TimeoutError:
        _log.warning("the redelivery for the screenshots did not end in time")
        return
    model = logs.model
    resent = next((r for r in range(model.rowCount()) if "resent" in model.state_text(r)), -1)
    if resent >= 0:
        logs.view.select_row(resent)
        logs.view.table.scrollTo(model.index(resent, 0))
    await shown_and_painted(window, logs.view)
    _save(window, folder, "logs-row")
    shown: asyncio.Future[Any] = loop.create_future()
    redeliver.history_opened.connect(lambda d: _resolve(shown, d))
    bar.history_action.trigger()
    try:
        history = await asyncio.wait_for(shown, 10)
        await until(lambda: history.attempts.rowCount() > 0, [history.attempts.modelReset], 5)
    except TimeoutError:
        pass  # the attempts list fills from a thread; grab what is there
    else:
        _save(history, folder, "history")
        history.reject()
