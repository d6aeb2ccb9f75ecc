"""The Events tab's cap on the local event store: the settings, and pruning in the background."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from impilo_desk.services.event_store import EventStore
    from impilo_desk.ui.events.view import EventsTab
    from impilo_desk.ui.kit.tasks import TaskOwner

PRUNE_EVERY_S = 600.0


class StoreCap:
    """Keeps the session's event store within the tab's cap (days kept, events kept at most).

    The cap is saved in the store, read back when a session opens, and applied then, every
    ``PRUNE_EVERY_S`` and whenever the user changes it.

    Args:
        view: The tab (its ``keep_days`` and ``keep_events`` fields).
        clock: Now, aware.
        store: The session's event store, if any.
        tasks: The task owner of the session.
        reload: Reads the table's first page again (after pruning deleted something).
        pruned: Told how many events each pruning deleted (the tab's ``pruned`` signal).
    """

    def __init__(
        self,
        view: EventsTab,
        clock: Callable[[], datetime],
        store: Callable[[], EventStore | None],
        tasks: Callable[[], TaskOwner],
        reload: Callable[[], Awaitable[None]],
        pruned: Callable[[int], None],
    ) -> None:
        self.view = view
        self._clock = clock
        self._store = store
        self._tasks = tasks
        self._reload = reload
        self._pruned = pruned
        view.keep_days.editingFinished.connect(self._keep_changed)
        view.keep_events.editingFinished.connect(self._keep_changed)

    async def load(self, store: EventStore) -> None:
        """Shows the cap saved in ``store`` (if any)."""
        days = await asyncio.to_thread(store.meta, "keep_days")
        most = await asyncio.to_thread(store.meta, "keep_events")
        if days:
            self.view.keep_days.setValue(days)
        if most:
            self.view.keep_events.setValue(most)

    def start(self, store: EventStore) -> None:
        """Prunes ``store`` now and every ``PRUNE_EVERY_S`` while it is the session's."""
        self._tasks().spawn(self._loop(store), name="events.prune")

    def _keep_changed(self) -> None:
        store = self._store()
        if store is not None:
            self._tasks().spawn(self._save_keep(store), name="events.keep")

    async def _save_keep(self, store: EventStore) -> None:
        await asyncio.to_thread(store.set_meta, "keep_days", self.view.keep_days.value())
        await asyncio.to_thread(store.set_meta, "keep_events", self.view.keep_events.value())
        await self.prune_now(store)

    async def prune_now(self, store: EventStore) -> int:
        """Prunes the store to the settings now; reloads the table if anything went."""
        older = self._clock() - timedelta(days=self.view.keep_days.value())
        most = self.view.keep_events.value()
        deleted = await asyncio.to_thread(store.prune, older_than=older, keep_at_most=most)
        if deleted and store is self._store():
            await self._reload()
        self._pruned(deleted)
        return deleted

    async def _loop(self, store: EventStore) -> None:
        while store is self._store():
            await self.prune_now(store)
            await asyncio.sleep(PRUNE_EVERY_S)  # a period, not a wait for something
