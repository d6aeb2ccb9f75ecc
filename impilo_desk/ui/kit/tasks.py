"""An owner for asyncio tasks: every task started by the UI belongs to one and dies with it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtGui import QAction

from impilo_desk.services.failure_sentence import describe_error
from impilo_desk.ui.kit.dialogs import alive

T = TypeVar("T")

_log = logging.getLogger(__name__)


class TaskOwner:
    """Tracks the tasks it starts, cancels them all on :meth:`cancel_all`, reports failures.

    Like :class:`asyncio.TaskGroup`, but for a long-lived owner (a window, a profile session)
    whose tasks start from Qt slots rather than from one ``async with`` block. A task that ends
    with an exception is logged and reported as one sentence through ``on_error``; a cancelled
    task is not an error.

    Args:
        loop: The loop the tasks run on (the qasync loop).
        on_error: Called with one sentence for people when a task fails.
        name: For logs.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_error: Callable[[str], None] | None = None,
        name: str = "tasks",
    ) -> None:
        self._loop = loop
        self._on_error = on_error
        self._name = name
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    @property
    def pending(self) -> int:
        """How many tasks are still running."""
        return sum(1 for t in self._tasks if not t.done())

    @property
    def closed(self) -> bool:
        """Whether :meth:`cancel_all` was called with ``close=True``."""
        return self._closed

    def spawn(self, coro: Coroutine[Any, Any, T], name: str | None = None) -> asyncio.Task[T]:
        """Starts ``coro`` as a task owned by this owner.

        Raises:
            RuntimeError: If the owner is closed (the coroutine is closed, not leaked).
        """
        if self._closed:
            coro.close()
            raise RuntimeError(f"task owner {self._name!r} is closed")
        task: asyncio.Task[T] = _OwnedTask(coro, loop=self._loop, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def cancel_all(self, close: bool = False) -> int:
        """Cancels every running task; with ``close``, refuses new ones from now on.

        A task already asked to stop is not asked again: a second cancellation would cut its
        clean-up short (a relay feed storing what it received, ``BatchWriter``). Nor can the
        stop be taken back: a task that was cancelling only because its own ``asyncio.timeout``
        had just expired would otherwise turn the cancellation into a ``TimeoutError`` and go
        on (a session's heartbeat then called the API again on the session's closed client,
        leaving a connection open after the session ended).

        Returns:
            How many tasks were asked to stop.
        """
        self._closed = self._closed or close
        running = [t for t in self._tasks if not t.done()]
        for task in running:
            if isinstance(task, _OwnedTask):
                task.stop_requested = True
        asked = [t for t in running if not t.cancelling()]
        for task in asked:
            task.cancel()
        return len(asked)

    async def aclose(self) -> None:
        """Cancels every task and waits until all of them have ended.

        Not through ``gather``: a caller cancelled while it waits (the window closing during a
        profile switch) would cancel every task a second time, cutting its clean-up short.
        """
        self.cancel_all(close=True)
        if self._tasks:
            await asyncio.wait(set(self._tasks))

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        _log.error("task %s of %s failed", task.get_name(), self._name, exc_info=exc)
        if self._on_error is not None:
            self._on_error(describe_error(exc))


class _OwnedTask(asyncio.Task[T]):
    """A task of a :class:`TaskOwner`: once its owner asked it to stop, it stops.

    ``asyncio.timeout`` (and ``TaskGroup``) take back the cancellation they made themselves with
    ``uncancel()``; when the owner's stop met such a cancellation (the task was cancelling
    already, so it was not cancelled a second time), taking it back would lose the stop. The
    last cancellation of a task whose owner asked it to stop is therefore kept: the task ends
    with ``CancelledError`` as if the owner's cancellation had landed.
    """

    stop_requested = False

    def uncancel(self) -> int:
        if self.stop_requested and self.cancelling() == 1:
            return 1  # its owner asked it to stop: this cancellation stands
        return super().uncancel()


def spawn_action(
    tasks: TaskOwner,
    action: QAction,
    work: Callable[[], Awaitable[None]],
    on_error: Callable[[Exception], object],
    *,
    name: str,
    enabled_after: Callable[[], bool],
    after: Callable[[], None] | None = None,
) -> None:
    """Runs a button's work as an owned task, the button disabled until it ends.

    Failures go to ``on_error`` (one sentence for people, not a traceback); a cancelled task
    is not a failure. Nothing starts while the action is disabled, so a double click cannot
    run the work twice.

    Args:
        tasks: The owner of the task (the session's, cancelled on profile switch or close).
        action: The action (button, shortcut) that started the work.
        work: The work.
        on_error: Shows a failure.
        name: The task's name, for logs.
        enabled_after: Whether the action is enabled again when the work ends.
        after: Called when the work ends and the action still exists (e.g. to update others).
    """
    if not action.isEnabled():
        return

    async def run() -> None:
        action.setEnabled(False)
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            on_error(exc)
        finally:
            if alive(action):
                action.setEnabled(enabled_after())
                if after is not None:
                    after()

    tasks.spawn(run(), name=name)
