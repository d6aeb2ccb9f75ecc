"""A profile switch meets the relay feed while it is storing a burst: nothing received is lost.

The smee feed is the one that can lose events for good (smee keeps no history to replay). The
session's event store here is the real one, whose commits take a while (a slow disk): a commit
is still in progress, and more events wait for the next one, when the user switches profile.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import ClassVar

import pytest

from impilo_desk.services.event_store import EventStore, RelayEvent
from impilo_desk.session import ProfileDraft
from tests.fixtures.desk import World
from tests.fixtures.relay import make_envelope
from tests.ui.test_smee_profile import SECRET, save_smee_profile

SLOW_COMMIT_S = 1.0
BURST = 300


class SlowStore(EventStore):
    """An event store whose commits of events take ``SLOW_COMMIT_S`` (or until it is closed).

    Closing it ends the wait at once, so that a commit still pending when the session closed
    the store runs after the close, as it would on a slow disk.
    """

    opened: ClassVar[list[SlowStore]] = []

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(path)
        self._closing = threading.Event()
        self.commits_started = 0
        SlowStore.opened.append(self)

    def add_many(self, events: list[RelayEvent]) -> list[bool]:  # type: ignore[override]
        self.commits_started += 1
        self._closing.wait(SLOW_COMMIT_S)
        return super().add_many(events)

    def close(self) -> None:
        super().close()
        self._closing.set()


@pytest.fixture
def event_store_factory():
    SlowStore.opened.clear()
    yield SlowStore
    SlowStore.opened.clear()


def test_a_switch_during_a_burst_loses_no_received_event(qtbot, world: World, sandbox, smee):
    profile = save_smee_profile(qtbot, world, sandbox, smee.url, SECRET)
    status = world.desk.window.status
    with qtbot.waitSignal(world.desk.webhooks.loaded, timeout=10_000):
        world.profiles.choose(profile.id)
    qtbot.waitUntil(
        lambda: status.relay_label.text().startswith("Relay (smee): connected"), timeout=10_000
    )
    store = SlowStore.opened[-1]

    ids = list(range(1000, 1000 + BURST))
    smee.forward(make_envelope(ids[0]), SECRET)
    qtbot.waitUntil(lambda: store.commits_started == 1, timeout=10_000)  # the first commit runs
    smee.forward_burst([make_envelope(i) for i in ids[1:]], SECRET)
    smee.forward(make_envelope(9999), "not-the-secret")  # read after the whole burst
    qtbot.waitUntil(lambda: "1 dropped" in status.relay_label.text(), timeout=10_000)

    other = ProfileDraft("Other", sandbox.base_url, None, "sandbox")
    saving = world.desk.sessions.owner.spawn(world.services.book.save(other, sandbox.api_key))
    qtbot.waitUntil(saving.done, timeout=10_000)
    world.profiles.profiles.append(saving.result())
    with qtbot.waitSignal(world.desk.sessions.session_started, timeout=20_000):
        world.profiles.choose(saving.result().id)

    reopened = EventStore(store.path)
    try:
        assert reopened.ids() == ids
    finally:
        reopened.close()
    assert world.desk.window.banner.text == ""
