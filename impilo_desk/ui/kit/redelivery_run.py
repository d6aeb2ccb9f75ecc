"""What both redelivery flows do around the service: the secret, the guard, the run.

The secret check, the guard that turns a refusal into one sentence, and the run with its
progress row, throttled to ten redraws a second.

The Logs tab's Resend/Recover and the Events tab's Replay to… use these; each keeps what is its
own (which events, the preview, the words).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from impilo_desk.ui.kit.dialogs import alive

if TYPE_CHECKING:
    from impilo_desk.services.redelivery import (
        Plan,
        Progress,
        Redelivery,
        RedeliverySettings,
        RunResult,
    )
    from impilo_desk.session import Session
    from impilo_desk.ui.kit.redelivery_widgets import RunBar

_log = logging.getLogger(__name__)

PROGRESS_MS = 100  # a progress bar repaints on every change: at most ten times a second


def unsigned_sentence(what: str) -> str:
    """The sentence for a profile with no webhook secret (``what``: "redelivery", "replay")."""
    return (
        "This profile has no webhook secret in the keyring; add it on the Secret tab first, so "
        f"that the receiver can tell the {what} is genuine. Nothing was sent."
    )


async def webhook_secret(session: Session, what: str) -> str:
    """The profile's webhook secret from the keyring; none: ``RedeliveryRefused``, one sentence."""
    from impilo_desk.services.redelivery import RedeliveryRefused
    from impilo_desk.session import webhook_secret_kind

    secret = await session.store.get(session.profile.id, webhook_secret_kind())
    if not secret or not secret.strip():
        raise RedeliveryRefused(unsigned_sentence(what))
    return secret


async def guarded(
    work: Awaitable[None],
    *,
    view: QObject,
    refused: Callable[[str], None],
    report: Callable[[Exception], object],
    what: str,
    busy: Callable[[bool], None] | None = None,
) -> None:
    """Awaits ``work``: a refusal is said (``refused``), anything else reported in one sentence.

    A session that ended meanwhile closed its record (``sqlite3.ProgrammingError``): the next
    open of the record marks the run it cut short as interrupted, so that is only logged.
    ``busy`` is told True before and False after (the tab disables its actions meanwhile).
    """
    from impilo_desk.services.redelivery import RedeliveryRefused

    if busy is not None:
        busy(True)
    try:
        await work
    except RedeliveryRefused as exc:
        refused(str(exc))
    except sqlite3.ProgrammingError:
        _log.info("%s stopped: the session's record is closed", what)
    except Exception as exc:
        if alive(view):
            report(exc)
    finally:
        if busy is not None:
            busy(False)


class RunDriver(QObject):
    """Runs one :class:`Redelivery` at a time with its progress row.

    The service calls back after every attempt; the row is redrawn by a timer at most ten times
    a second, from the latest progress.

    Args:
        bar: The tab's progress row.
        origin: Which tab's run it is, in the record ("logs", "events").
        name: The progress timer's object name.
        progress_text: The label for a progress (None: the label stays).
        on_started: Called with the count once the row shows (the tab's ``run_started``).
        on_progress: Called after every attempt (the tab's ``progressed`` signal).
        parent: QObject parent.
    """

    def __init__(
        self,
        bar: RunBar,
        *,
        origin: str,
        name: str,
        progress_text: Callable[[Progress], str | None],
        on_started: Callable[[int], None],
        on_progress: Callable[[int, int], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.bar = bar
        self._origin = origin
        self._progress_text = progress_text
        self._on_started = on_started
        self._on_progress = on_progress
        self._latest: Progress | None = None
        self.current: Redelivery | None = None
        self.progress_timer = QTimer(self)
        self.progress_timer.setObjectName(name)
        self.progress_timer.setInterval(PROGRESS_MS)
        self.progress_timer.timeout.connect(self.show_progress)

    def cancel(self, cancelling: str) -> None:
        """Stops the run: no more POSTs start; those in flight finish and are recorded."""
        if self.current is not None:
            self.current.cancel()
            self.bar.show_cancelling(cancelling)

    async def run(
        self,
        session: Session,
        plan: Plan,
        secret: str,
        settings: RedeliverySettings,
        started: str,
        *longest: str,
    ) -> RunResult:
        """Sends ``plan`` with the row shown (saying ``started``); returns the result."""
        from impilo_desk.services.redelivery import Redelivery

        assert session.attempts is not None
        run = Redelivery(
            plan,
            secret=secret,
            record=session.attempts,
            profile_id=session.profile.id,
            profile_name=session.profile.name,
            origin=self._origin,
            settings=settings,
            on_progress=self._progress,
        )
        self.current = run
        self._latest = None
        self.bar.show_run(len(plan.deliveries), started, *longest)
        self.progress_timer.start()
        self._on_started(len(plan.deliveries))
        try:
            return await run.run()
        finally:
            self.current = None
            if alive(self.bar):
                self.progress_timer.stop()
                self.bar.hide()

    def _progress(self, progress: Progress) -> None:
        self._latest = progress  # shown by the timer
        self._on_progress(progress.done, progress.total)

    def show_progress(self) -> None:
        """Shows the run's progress as it stands (the timer calls it ten times a second)."""
        latest = self._latest
        if latest is not None and alive(self.bar):
            self.bar.show_progress(latest.done, self._progress_text(latest))
