"""Screenshots of inline errors (``make screenshots``, on the dark palette): ``*-error-dark.png``.

Light-palette reds were once unreadable on the dark palette; these show the errors a new user
meets first as they are drawn there: a too-short secret, Retries "3 to 1" in the Logs filters,
and a heart rate out of range in Test events.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from impilo_desk.ui.logs.controller import LogsController
    from impilo_desk.ui.secret.controller import SecretController
    from impilo_desk.ui.shell.main_window import MainWindow
    from impilo_desk.ui.test_events.controller import TestEventsController

_log = logging.getLogger(__name__)


async def capture_errors(
    window: MainWindow,
    secret: SecretController,
    logs: LogsController,
    test_events: TestEventsController,
    folder: Path,
    suffix: str,
) -> None:
    """Produces each error through its fields and grabs ``<tab>-error<suffix>.png``."""
    from impilo_desk.ui.capture import shown_and_painted, until

    secret.view.secret_edit.setText("short")
    bar = logs.view.filters
    bar.retries_min.setValue(3)
    bar.retries_max.setValue(1)
    tab = test_events.view
    tab.select_kind("blood-pressure")
    form = tab.current_form()
    if form is not None:
        form.set_text("heartRate", "999")
        tab.fire_action.trigger()  # refused before sending: the messages beside the fields
    with contextlib.suppress(TimeoutError):  # said below
        await until(lambda: bar.problem.text() != "", [bar.changed], 5)  # after its debounce
    shown = {
        "secret": (secret.view, secret.view.secret_problem.text().strip()),
        "logs": (logs.view, bar.problem.text()),
        "test-events": (tab, form.message("heartRate") if form is not None else ""),
    }
    for name, (page, error) in shown.items():
        if not error:
            _log.warning("the %s tab showed no error for the screenshots", name)
            continue
        await shown_and_painted(window, page)
        path = folder / f"{name}-error{suffix}.png"
        window.grab().save(str(path))
        print(f'{{"event": "screenshot", "png": "{path}"}}', flush=True)
