"""A stop asked of a ``TaskOwner`` is never lost, not even to the task's own timeout.

A session's tasks wait with ``asyncio.timeout`` (the heartbeat's call, the relay-deliveries
watch between checks, a feed's backoff). When the owner's stop met such a timeout as it expired,
the task was already cancelling, so it was not cancelled again, and the timeout then turned the
cancellation into a ``TimeoutError``: the task went on after its session had ended, calling the
API on the session's closed client (a connection left open: a ResourceWarning in a later test).
"""

from __future__ import annotations

import asyncio
import contextlib

from impilo_desk.ui.kit.tasks import TaskOwner
from tests.ui.tasks_support import SlowCleanup


def test_a_stop_that_meets_the_tasks_own_timeout_stops_it(qtbot, qasync_loop):
    owner = TaskOwner(qasync_loop, name="session")
    went_on: list[str] = []

    async def waits_between_checks() -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0):  # expires on the loop's next turn...
                loop.call_soon(owner.cancel_all, True)  # ...where the owner stops the task
                await asyncio.Event().wait()
        went_on.append("checked again")  # what a heartbeat does next: call the API

    task = owner.spawn(waits_between_checks(), name="heartbeat")
    qtbot.waitUntil(task.done, timeout=5_000)
    assert went_on == []
    assert task.cancelled()


def test_a_timeout_of_a_task_nobody_stopped_still_just_times_out(qtbot, qasync_loop):
    owner = TaskOwner(qasync_loop, name="session")

    async def checks_with_a_bound() -> str:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0):
                await asyncio.Event().wait()
        return "went on"

    task = owner.spawn(checks_with_a_bound(), name="heartbeat")
    qtbot.waitUntil(task.done, timeout=5_000)
    assert task.result() == "went on"


def test_a_task_already_stopping_is_not_cancelled_twice(qtbot, qasync_loop):
    owner = TaskOwner(qasync_loop, name="session")
    feed = SlowCleanup("stored")  # a relay feed's writer storing its last batch, say
    task = owner.spawn(feed.run(), name="relay-feed")
    qtbot.waitUntil(feed.waiting.is_set, timeout=5_000)
    task.cancel()  # e.g. the feed restarted for a new secret
    qtbot.waitUntil(feed.cleaning.is_set, timeout=5_000)
    assert owner.cancel_all(close=True) == 0  # then the profile switch: already stopping
    feed.flushed.set()
    qtbot.waitUntil(task.done, timeout=5_000)
    assert feed.cleaned == ["stored"]
    assert task.cancelled()


def test_a_caller_cancelled_while_the_owner_closes_does_not_cancel_its_tasks_again(
    qtbot, qasync_loop
):
    owner = TaskOwner(qasync_loop, name="session")
    session = SlowCleanup("closed")  # closing the session's connections, one by one
    task = owner.spawn(session.run(), name="session")
    qtbot.waitUntil(session.waiting.is_set, timeout=5_000)
    switch = qasync_loop.create_task(owner.aclose())  # a profile switch ends the session...
    qtbot.waitUntil(session.cleaning.is_set, timeout=5_000)
    switch.cancel()  # ...and the window closes meanwhile
    qtbot.waitUntil(switch.done, timeout=5_000)
    session.flushed.set()
    qtbot.waitUntil(task.done, timeout=5_000)
    assert session.cleaned == ["closed"]
