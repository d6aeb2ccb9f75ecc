"""Whether the Impilo API answers, checked recently: ``ApiWatch``. Qt-free.

"ok" on screen means a call succeeded within the last ``Heartbeat.fresh_s``. The tabs' own calls
count (the session controller tells the watch about each success); only when none succeeded
for ``interval_s`` does the watch make a light call of its own (one webhook, one page), bounded
by ``call_timeout_s``. A call that gets no answer (refused, timed out, no route) makes the API
*unreachable since* the first such failure; one that gets an error answer (401, 5xx) is an
*error*, with the client's sentence. The watch runs as a task of the session, so a profile
switch cancels it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from impilo_desk.client.errors import ApiError, RequestTimeout, Unreachable
from impilo_desk.services.failure_sentence import describe_error

_log = logging.getLogger(__name__)

HealthState = Literal["checking", "ok", "unreachable", "error"]


@dataclass(frozen=True)
class Heartbeat:
    """How often the API is checked when the tabs are idle.

    The worst case from the last success to "unreachable" on screen is about
    ``2 * interval_s + call_timeout_s`` (a success just after a check, the next check skipped,
    the one after hanging until its timeout): 28 s with the defaults, inside the 30 s promise.

    Attributes:
        interval_s: Seconds between checks; a check calls only when no call succeeded for this long.
        call_timeout_s: Seconds the heartbeat's own call may take before it counts as no answer.
        deliveries_interval_s: Seconds between reads of the deliveries to the relay.
    """

    interval_s: float = 10.0
    call_timeout_s: float = 8.0
    deliveries_interval_s: float = 15.0


@dataclass(frozen=True)
class ApiHealth:
    """What the status bar says about the API.

    Attributes:
        state: checking, ok, unreachable or error.
        since: When it became unreachable (or failed), aware; None while ok or checking.
        sentence: For unreachable and error, the client's sentence (what failed, what to do).
    """

    state: HealthState
    since: datetime | None = None
    sentence: str = ""


def no_answer(exc: BaseException) -> bool:
    """Whether ``exc`` means the API did not answer at all (as opposed to answering an error)."""
    return isinstance(exc, Unreachable | RequestTimeout | TimeoutError | ConnectionError)


class ApiWatch:
    """The API's health for one session, from the tabs' calls and a light heartbeat.

    Args:
        probe: The light call (e.g. the first webhook); raises the client's error on failure.
        report: Told each change of :class:`ApiHealth`.
        clock: Now, aware (the app's clock, so tests can move it).
        heartbeat: The intervals.
    """

    def __init__(
        self,
        probe: Callable[[], Awaitable[object]],
        report: Callable[[ApiHealth], None],
        clock: Callable[[], datetime],
        heartbeat: Heartbeat | None = None,
    ) -> None:
        self._probe = probe
        self._report = report
        self._clock = clock
        self.heartbeat = heartbeat or Heartbeat()
        self._last_ok: float | None = None  # loop time of the last success
        self.health = ApiHealth("checking")

    def succeeded(self) -> None:
        """A call to the API succeeded just now (a tab's, or the heartbeat's)."""
        self._last_ok = asyncio.get_running_loop().time()
        self._set(ApiHealth("ok"))

    def failed(self, exc: BaseException) -> None:
        """A call to the API failed with ``exc`` (the heartbeat's)."""
        sentence = describe_error(exc)
        if no_answer(exc):
            since = self.health.since if self.health.state == "unreachable" else None
            self._set(ApiHealth("unreachable", since or self._clock(), sentence))
        else:
            since = self.health.since if self.health.state == "error" else None
            self._set(ApiHealth("error", since or self._clock(), sentence))

    async def run(self) -> None:
        """Checks every ``interval_s`` until cancelled; calls only when nothing succeeded lately."""
        loop = asyncio.get_running_loop()
        beat = self.heartbeat
        while True:
            await asyncio.sleep(beat.interval_s)
            recent = self._last_ok is not None and loop.time() - self._last_ok < beat.interval_s
            if recent and self.health.state == "ok":
                continue
            await self.check()

    async def check(self) -> None:
        """Makes the light call now and reports what it found."""
        try:
            async with asyncio.timeout(self.heartbeat.call_timeout_s):
                await self._probe()
        except TimeoutError:  # the watch's own bound (the client's is an ApiError)
            self.failed(
                RequestTimeout(
                    "The Impilo API did not answer within "
                    f"{self.heartbeat.call_timeout_s:g} seconds; check the network, or "
                    "whether the server is overloaded."
                )
            )
        except ApiError as exc:
            self.failed(exc)
        else:
            self.succeeded()

    def _set(self, health: ApiHealth) -> None:
        if health == self.health:
            return
        if health.state != self.health.state:
            _log.info("API %s%s", health.state, f": {health.sentence}" if health.sentence else "")
        self.health = health
        self._report(health)
