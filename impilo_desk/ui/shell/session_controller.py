"""The session controller: one active profile at a time, whose tasks all die when it changes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from impilo_desk.session import OpenSession, ProfileInfo, RelayStatus, Session
from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.kit.tab import Tab
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.shell.main_window import MainWindow
from impilo_desk.ui.shell.status_bar import ApiState, RelayPhase

_log = logging.getLogger(__name__)


class SessionController(QObject):
    """Opens a session for the chosen profile, points every tab at it, and closes it again.

    Each session has its own :class:`TaskOwner`; switching profile (or closing the window)
    cancels every task of the old session, including its relay subscription and any dialog it
    was waiting on, before the new one starts. Tabs are reloaded for the new profile.

    Signals:
        session_started(str): A session for this profile id is live.
        session_ended(str): The session for this profile id has ended and its tasks are done.
        relay_status(object): The relay feed reported a :class:`RelayStatus`.

    Args:
        window: The main window.
        tabs: Every tab, in display order; each follows the session through :class:`Tab`.
        open_session: Opens a session for a profile (from the composition root).
        loop: The qasync loop.
        parent: QObject parent.
    """

    session_started = Signal(str)
    session_ended = Signal(str)
    relay_status = Signal(object)

    def __init__(
        self,
        window: MainWindow,
        tabs: Sequence[Tab],
        open_session: OpenSession,
        loop: asyncio.AbstractEventLoop,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self._open_session = open_session
        self._loop = loop
        self._owner = TaskOwner(loop, self._session_failed, name="sessions")
        self.tasks = self._new_session_tasks("none")
        self.session: Session | None = None
        self.profile: ProfileInfo | None = None
        self._runner: asyncio.Task[None] | None = None
        self._feed: asyncio.Task[None] | None = None
        self._feed_generation = 0
        self._switching: asyncio.Task[None] | None = None
        self._tabs = tuple(tabs)
        for tab in self._tabs:
            tab.api_ok.connect(self._api_ok)
            tab.api_failed.connect(self._api_failed)
        window.closing.connect(self.close)

    @property
    def owner(self) -> TaskOwner:
        """The owner of the session runners themselves (closed with the window)."""
        return self._owner

    def switch_to(self, profile: ProfileInfo) -> asyncio.Task[None]:
        """Ends the current session (cancelling all its tasks) and starts one for ``profile``."""
        previous = self._switching

        async def switch() -> None:
            if previous is not None and not previous.done():
                previous.cancel()
            await self.end_session()
            self._start(profile)

        self._switching = self._owner.spawn(switch(), name=f"switch:{profile.id}")
        return self._switching

    async def end_session(self) -> None:
        """Cancels every task of the current session and waits until they have ended."""
        runner, self._runner = self._runner, None
        self._feed_generation += 1  # the old feed's last reports are ignored
        old_tasks = self.tasks
        profile = self.profile
        old_tasks.cancel_all(close=True)
        if runner is not None and not runner.done():
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
        await old_tasks.aclose()
        self.session = None
        if profile is not None:
            self.session_ended.emit(profile.id)

    def close(self) -> None:
        """Cancels every task (window closing); they end on the next turns of the loop."""
        self.tasks.cancel_all(close=True)
        self._owner.cancel_all(close=True)
        for tab in self._tabs:
            tab.window_closing()

    def _start(self, profile: ProfileInfo) -> None:
        self.profile = profile
        self.tasks = self._new_session_tasks(profile.id)
        self.window.environment_banner.set_environment(profile.environment)
        self.window.status.set_profile(profile.name)
        self.window.status.set_api(ApiState.CHECKING)
        self.window.status.set_relay(RelayPhase.OFF)
        self.window.banner.clear()
        self._runner = self._owner.spawn(self._run(profile), name=f"session:{profile.id}")

    async def _run(self, profile: ProfileInfo) -> None:
        tasks = self.tasks
        stop_listening: Callable[[], None] | None = None
        try:
            async with self._open_session(profile) as session:
                self.session = session
                for tab in self._tabs:
                    tab.bind(session, tasks)
                stop_listening = session.secrets_changed.listen(self._restart_relay_feed)
                self.session_started.emit(profile.id)
                self._restart_relay_feed()
                await asyncio.Event().wait()  # the session lives until it is cancelled
        finally:
            if stop_listening is not None:
                stop_listening()
            self.session = None
            if alive(self.window):  # the tabs are the window's children
                for tab in self._tabs:
                    tab.bind(None, tasks)

    def _restart_relay_feed(self) -> None:
        """(Re)starts the session's relay feed, so that it reads the stored secrets afresh."""
        session = self.session
        if session is None or session.relay_feed is None or self.tasks.closed:
            return
        if self._feed is not None and not self._feed.done():
            self._feed.cancel()
        self._feed_generation += 1
        generation = self._feed_generation

        def report(status: RelayStatus) -> None:
            # not the last words of a replaced feed, nor of one outliving the window
            if alive(self) and generation == self._feed_generation:
                self._relay_changed(status)

        self.window.status.set_relay(RelayPhase.CONNECTING)
        self._feed = self.tasks.spawn(session.relay_feed(report), name="relay-feed")

    def _relay_changed(self, status: RelayStatus) -> None:
        self.relay_status.emit(status)
        try:
            phase = RelayPhase(status.phase)
        except ValueError:
            phase = RelayPhase.RECONNECTING
        if alive(self.window):
            self.window.status.set_relay(
                phase,
                status.attempt,
                status.received,
                kind=status.kind,
                dropped=status.dropped,
                gap=status.gap,
                error=status.last_error,
            )

    def _new_session_tasks(self, name: str) -> TaskOwner:
        return TaskOwner(self._loop, self._task_failed, name=f"session:{name}")

    def _api_ok(self) -> None:
        if alive(self.window):
            self.window.status.set_api(ApiState.OK)

    def _api_failed(self, sentence: str) -> None:
        if alive(self.window):
            self.window.status.set_api(ApiState.ERROR, sentence)

    def _task_failed(self, sentence: str) -> None:
        if alive(self.window):
            self.window.banner.show_error(sentence)

    def _session_failed(self, sentence: str) -> None:
        _log.warning("session failed: %s", sentence)
        if alive(self.window):
            self.window.status.set_api(ApiState.ERROR, sentence)
            self.window.banner.show_error(sentence)
