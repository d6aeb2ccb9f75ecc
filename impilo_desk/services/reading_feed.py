"""Live readings from the relay subscriber, fanned out to whoever charts them. Qt-free.

The composition root builds one :class:`EventHub` per session with the session's
:class:`EventStore`, and hands its ``on_event``/``on_gap``/``on_state`` to the subscriber
(``RelaySubscriber(url, token, store, on_event=hub.on_event, on_gap=hub.on_gap,
on_state=hub.on_state)``). The Readings tab listens to the hub and reads the store for history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from impilo_desk.services.event_store import EventStore, RelayEvent
from impilo_desk.services.sse_base import Gap, SubscriberState


@dataclass(frozen=True)
class HubListener:
    """What a listener wants to hear; each callback is optional.

    Attributes:
        event: A new event was received (and stored).
        gap: Events may be missing; the argument is when the gap was noticed.
        reconnected: The stream is live again after a break (events may be missing).
        lost: The live stream broke; the argument is when (a reconnect follows, or not).
    """

    event: Callable[[RelayEvent], None] | None = None
    gap: Callable[[Gap, datetime], None] | None = None
    reconnected: Callable[[datetime], None] | None = None
    lost: Callable[[datetime], None] | None = None


@dataclass
class EventHub:
    """Fans the subscriber's callbacks out to listeners; keeps the store for history queries.

    Attributes:
        store: The session's local event store (every received event; survives restarts).
        clock: Now, aware UTC (tests may replace it).
    """

    store: EventStore | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _listeners: list[HubListener] = field(default_factory=list)
    _was_live: bool = False
    _broken: bool = False
    _phase: str = ""

    @property
    def live(self) -> bool:
        """Whether the relay stream is live right now (False with no relay, or while it is away)."""
        return self._phase == "live"

    def add_listener(self, listener: HubListener) -> Callable[[], None]:
        """Starts calling ``listener``; returns the function that stops it."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def on_event(self, event: RelayEvent) -> None:
        """The subscriber's ``on_event``."""
        for listener in list(self._listeners):
            if listener.event is not None:
                listener.event(event)

    def on_gap(self, gap: Gap) -> None:
        """The subscriber's ``on_gap``."""
        now = self.clock()
        for listener in list(self._listeners):
            if listener.gap is not None:
                listener.gap(gap, now)

    def on_state(self, state: SubscriberState) -> None:
        """The subscriber's ``on_state``: notices a return to ``live`` after a break."""
        self._phase = state.phase
        if state.phase == "live":
            if self._was_live and self._broken:
                now = self.clock()
                for listener in list(self._listeners):
                    if listener.reconnected is not None:
                        listener.reconnected(now)
            self._was_live, self._broken = True, False
        elif self._was_live and state.phase in ("reconnecting", "connecting", "unauthorized"):
            if not self._broken:
                now = self.clock()
                for listener in list(self._listeners):
                    if listener.lost is not None:
                        listener.lost(now)
            self._broken = True
