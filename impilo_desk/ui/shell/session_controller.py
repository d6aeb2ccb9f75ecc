"""The session controller: one active profile at a time, whose tasks all die when it changes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal

from impilo_desk.client.errors import ApiError
from impilo_desk.services.api_health import ApiHealth, ApiWatch, Heartbeat
from impilo_desk.services.relay_deliveries import RelayDeliveries, connected_words, failing_words
from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.session import OpenSession, ProfileInfo, RelayStatus, Session
from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.kit.tab import Tab
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.shell.main_window import MainWindow
from impilo_desk.ui.shell.status_bar import ApiState, RelayPhase

_log = logging.getLogger(__name__)
# After the relay passed an event on while the status did not say its deliveries work: look
# at Impilo's log again every second, up to five times (it records the 200 just after).
ARRIVAL_RECHECK_S = 1.0
ARRIVAL_RECHECKS = 5
# The demo's relay counts as down after this many failed reconnects in a row (a few seconds);
# fewer happen while it restarts to take a new secret (well under a second).
DEMO_RELAY_DOWN_ATTEMPTS = 4
DEMO_RESTART = "Restart demo servers"


class SessionController(QObject):
    """Opens a session for the chosen profile, points every tab at it, and closes it again.

    Each session has its own :class:`TaskOwner`; switching profile (or closing the window)
    cancels every task of the old session, including its relay subscription and any dialog it
    was waiting on, before the new one starts. Tabs are reloaded for the new profile.

    The API's state in the status bar comes from an :class:`ApiWatch` per session: "ok" only
    while a call succeeded recently (the tabs' calls, else a light heartbeat of its own); when
    the API stops answering, "unreachable since …" and a banner that says so (in the demo, with
    a button that restarts the demo's servers; the demo's relay that stops answering gets the
    same banner and button).

    Signals:
        session_started(str): A session for this profile id is live.
        session_ended(str): The session for this profile id has ended and its tasks are done.
        relay_status(object): The relay feed reported a :class:`RelayStatus`.
        api_health(object): The session's :class:`ApiHealth` changed.
        demo_restart_requested(): The user asked to restart the demo's servers (banner button).

    Args:
        window: The main window.
        tabs: Every tab, in display order; each follows the session through :class:`Tab`.
        open_session: Opens a session for a profile (from the composition root).
        loop: The qasync loop.
        parent: QObject parent.
        clock: Now, aware (the times the status bar shows).
        heartbeat: How often the API is checked while the tabs are idle.
        times: How times are written (the window's one rule: local or UTC); the status bar and
            the banner follow a change of it at once.
    """

    session_started = Signal(str)
    session_ended = Signal(str)
    relay_status = Signal(object)
    api_health = Signal(object)
    demo_restart_requested = Signal()

    def __init__(
        self,
        window: MainWindow,
        tabs: Sequence[Tab],
        open_session: OpenSession,
        loop: asyncio.AbstractEventLoop,
        parent: QObject | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        heartbeat: Heartbeat | None = None,
        times: TimeDisplay | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self._clock = clock or (lambda: datetime.now(UTC))
        self._times = times or TimeDisplay()
        self._times.listen(self._times_changed)
        self._heartbeat = heartbeat
        self.api_watch: ApiWatch | None = None
        self._api_banner = ""
        self._relay_banner = ""  # the demo relay's "stopped answering" sentence, while shown
        self._relay_down_since: datetime | None = None
        self._relay_last: RelayStatus | None = None
        self._arrived = asyncio.Event()  # the relay passed on an event: its deliveries work
        self.relay_deliveries: RelayDeliveries | None = None
        self._deliveries_checked = False
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
        """Cancels every task of the current session and waits until they have ended.

        Cancelled while it waits for the session itself to close, it still waits for the
        session's tasks before it ends.
        """
        runner, self._runner = self._runner, None
        self._feed_generation += 1  # the old feed's last reports are ignored
        old_tasks = self.tasks
        profile = self.profile
        old_tasks.cancel_all(close=True)
        try:
            if runner is not None and not runner.done():
                runner.cancel()
                # not gather: cancelled itself, it would cancel the runner again, and a second
                # cancel cuts the closing of the session's client and stores short
                await asyncio.wait([runner])
        finally:  # a window closing during a switch cancels it here
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
                self._watch_api(session, tasks)
                self._watch_relay_deliveries(session, tasks)
                self.session_started.emit(profile.id)
                self._restart_relay_feed()
                await asyncio.Event().wait()  # the session lives until it is cancelled
        finally:
            if stop_listening is not None:
                stop_listening()
            self.session = None
            self.api_watch = None
            self._relay_last = self.relay_deliveries = None
            self._relay_down_since, self._relay_banner = None, ""
            self._deliveries_checked = False
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

    def _watch_relay_deliveries(self, session: Session, tasks: TaskOwner) -> None:
        probe = session.relay_deliveries
        if probe is None or session.relay_feed is None:
            return
        interval = (self._heartbeat or Heartbeat()).deliveries_interval_s
        self._arrived.clear()  # news of the previous session's relay

        async def watch() -> None:
            follow_ups = 0
            while True:
                try:
                    found: RelayDeliveries | None = await probe.check()
                except ApiError:
                    found = None  # unknown while the API fails; its own status says why
                if found != self.relay_deliveries or not self._deliveries_checked:
                    self.relay_deliveries, self._deliveries_checked = found, True
                    if self._relay_last is not None:
                        self._show_relay(self._relay_last)
                if found is not None and found.state == "ok":
                    follow_ups = 0
                # An arrival says a delivery worked; Impilo's log may record its 200 a moment
                # after the relay passed the event on, so look again soon, a few times.
                wait = ARRIVAL_RECHECK_S if follow_ups else interval
                follow_ups = max(follow_ups - 1, 0)
                with contextlib.suppress(TimeoutError):
                    # not wait_for: on 3.11 it loses a cancel that meets a wake-up
                    async with asyncio.timeout(wait):
                        await self._arrived.wait()
                if self._arrived.is_set():  # kept set by an arrival during the check, too
                    self._arrived.clear()
                    follow_ups = ARRIVAL_RECHECKS

        tasks.spawn(watch(), name="relay-deliveries")

    def _relay_changed(self, status: RelayStatus) -> None:
        before = self._relay_last.received if self._relay_last is not None else 0
        known = self.relay_deliveries
        if status.received > before and (known is None or known.state != "ok"):
            self._arrived.set()  # what the status says of the deliveries is out of date
        if status.phase == RelayPhase.LIVE:
            self._relay_down_since = None
        elif self._relay_down_since is None and status.phase != RelayPhase.CONNECTING:
            self._relay_down_since = self._clock()
        self._relay_last = status
        self.relay_status.emit(status)
        self._show_relay(status)
        self._offer_demo_restart(status)

    def _offer_demo_restart(self, status: RelayStatus) -> None:
        """In the demo, a relay that stopped answering gets the banner and its restart button."""
        if not alive(self.window):
            return
        banner = self.window.banner
        if status.phase == RelayPhase.LIVE:
            if self._relay_banner and banner.text == self._relay_banner:
                banner.clear()  # its cause is gone
            self._relay_banner = ""
            return
        session = self.session
        down = status.phase == RelayPhase.RECONNECTING and (
            status.attempt >= DEMO_RELAY_DOWN_ATTEMPTS
        )
        if session is None or not session.is_demo or not down or self._relay_down_since is None:
            return
        if self._api_banner and banner.text == self._api_banner:
            return  # the sandbox is down too: its banner offers the same restart
        when = self._times.moment(self._relay_down_since, self._clock())
        sentence = (
            f"The demo's relay has not answered since {when}, so no events arrive; restart "
            "the demo servers to go on (the demo's data starts afresh)."
        )
        if banner.text != sentence:
            banner.show_error(sentence, (DEMO_RESTART, self.demo_restart_requested.emit))
        self._relay_banner = sentence

    def _show_relay(self, status: RelayStatus) -> None:
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
                **self._delivery_words(),
            )

    def _delivery_words(self) -> dict[str, str | None]:
        session = self.session
        if session is None or session.relay_deliveries is None:
            return {}
        if not self._deliveries_checked:
            return {"live_words": "connected · checking Impilo's deliveries to it…"}
        found, now = self.relay_deliveries, self._clock()

        def when(at: datetime) -> str:
            return self._times.moment(at, now)

        failing = found is not None and found.state == "failing"
        return {
            "live_words": connected_words(found, when),
            "trouble": failing_words(found, when) if failing and found is not None else None,
        }

    def _new_session_tasks(self, name: str) -> TaskOwner:
        return TaskOwner(self._loop, self._task_failed, name=f"session:{name}")

    def _watch_api(self, session: Session, tasks: TaskOwner) -> None:
        api = session.api
        if api is None:  # a session with events only: no API to watch
            return

        async def probe() -> None:  # the lightest documented call: one webhook, one page
            await api.list_webhooks(page=1, size=1)

        watch = ApiWatch(probe, self._api_changed, self._clock, self._heartbeat)
        self.api_watch = watch
        tasks.spawn(watch.run(), name="api-heartbeat")

    def _api_changed(self, health: ApiHealth) -> None:
        self.api_health.emit(health)
        if not alive(self.window):
            return
        status, banner = self.window.status, self.window.banner
        if health.state == "ok":
            status.set_api(ApiState.OK)
            if self._api_banner and banner.text == self._api_banner:
                banner.clear()  # its cause is gone
            self._api_banner = ""
            return
        if health.since is None:
            return
        when = self._times.moment(health.since, self._clock())
        demo = self.session is not None and self.session.is_demo
        if health.state == "unreachable":
            status.set_api(ApiState.UNREACHABLE, health.sentence, when)
            if demo:
                sentence = (
                    f"The demo's sandbox has not answered since {when}; restart the demo "
                    "servers to go on (the demo's data starts afresh)."
                )
            else:
                sentence = f"The Impilo API has not answered since {when}: {health.sentence}"
        else:
            status.set_api(ApiState.ERROR, health.sentence)
            sentence = health.sentence
        action = (DEMO_RESTART, self.demo_restart_requested.emit) if demo else None
        banner.show_error(sentence, action)
        self._api_banner = sentence

    def _times_changed(self) -> None:
        """Rewrites the times the status bar and banner show (View › Times in UTC changed)."""
        if not alive(self.window) or not alive(self):
            return
        if self.api_watch is not None and self.api_watch.health.state != "ok":
            self._api_changed(self.api_watch.health)
        if self._relay_last is not None:
            self._show_relay(self._relay_last)
            if self._relay_banner:
                self._offer_demo_restart(self._relay_last)

    def _api_ok(self) -> None:
        if alive(self.window):
            self.window.status.set_api(ApiState.OK)
        if self.api_watch is not None:
            self.api_watch.succeeded()

    def _api_failed(self, sentence: str) -> None:
        watch = self.api_watch
        if watch is not None and watch.health.state == "unreachable":
            return  # "unreachable since …" says more than the tab's sentence (same cause)
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
