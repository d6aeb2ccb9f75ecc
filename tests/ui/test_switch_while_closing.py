"""The window closing during a profile switch: the switch still waits for the old session's tasks.

A switch ends the old session: it cancels the session's tasks, waits for the session itself to
close (its client, its stores), then for the tasks. When the window closed while the switch
waited for the session to close, the switch was cancelled there and ended at once, and nothing
waited for the old session's tasks any more (a relay feed storing its last batch, say).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from impilo_desk.session import ProfileInfo, Session
from tests.fixtures.desk import ProfileStub
from tests.ui.fakes import FakeApi, FakeStore
from tests.ui.tasks_support import SlowCleanup

LOOP_TURNS = 3  # more than the one a cancelled task takes to handle its cancellation


def test_a_switch_cancelled_while_the_old_session_closes_waits_for_its_tasks(
    qtbot: Any, qasync_loop: asyncio.AbstractEventLoop, make_desk: Any
) -> None:
    closing, closed = asyncio.Event(), asyncio.Event()

    @asynccontextmanager
    async def open_session(profile: ProfileInfo) -> AsyncIterator[Session]:
        try:
            yield Session(profile, FakeApi(), FakeStore())
        finally:
            closing.set()
            await closed.wait()  # closing its client takes a while (a slow network)

    desk = make_desk(open_session, closed_by_test=True)
    sessions = desk.sessions
    with qtbot.waitSignal(sessions.session_started, timeout=5_000):
        sessions.switch_to(ProfileStub(id="first"))
    old_tasks = sessions.tasks
    feed = SlowCleanup("stored")
    old_tasks.spawn(feed.run(), name="relay-feed")
    qtbot.waitUntil(feed.waiting.is_set, timeout=5_000)

    switch = sessions.switch_to(ProfileStub(id="second", name="Other profile"))
    try:
        qtbot.waitUntil(closing.is_set, timeout=5_000)  # the switch waits for it to close
        assert feed.cleaning.is_set()  # its tasks were cancelled first
        desk.window.close()  # the user closes the window meanwhile: the switch is cancelled
        turns = loop_turns(qasync_loop, LOOP_TURNS)
        qtbot.waitUntil(turns.done, timeout=5_000)
        assert not switch.done(), "the switch ended while the old session's task still ran"
    finally:  # whatever happened, the feed and the session may end
        feed.flushed.set()
        closed.set()
    qtbot.waitUntil(switch.done, timeout=5_000)
    assert switch.cancelled()
    assert feed.cleaned == ["stored"]
    assert old_tasks.pending == 0


def loop_turns(loop: asyncio.AbstractEventLoop, turns: int) -> asyncio.Future[None]:
    """A future done after ``turns`` more turns of ``loop`` (what was scheduled before ran)."""
    done: asyncio.Future[None] = loop.create_future()

    def turn(left: int) -> None:
        if left:
            loop.call_soon(turn, left - 1)
        elif not done.done():
            done.set_result(None)

    loop.call_soon(turn, turns - 1)
    return done
