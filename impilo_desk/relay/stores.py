"""Which store the relay runs on: the protocol both stores implement, and the factory.

``--db PATH`` (the default) is one SQLite file for one relay process (``store.RelayStore``);
``--db postgresql://…`` is a PostgreSQL database that several replicas share
(``pg_store.PgRelayStore``, with ``pg_fanout`` carrying new events between them). Both are
synchronous and run on the relay's threads (the writer thread, ``asyncio.to_thread`` for reads),
so the code that calls them is the same for both.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from impilo_desk.relay.config import RelayConfig
from impilo_desk.relay.errors import StoreUnavailableError
from impilo_desk.relay.pg_store import PgRelayStore
from impilo_desk.relay.store import Incoming, RelayStore, StoredEvent, WriteResult

__all__ = ["EventStore", "StoreUnavailableError", "open_store"]
log = logging.getLogger("impilo_desk.relay")


class EventStore(Protocol):
    """What the relay needs of a store (``RelayStore``'s methods; see there for the details)."""

    def write_batch(self, items: list[Incoming]) -> list[WriteResult]:
        """Writes a batch in one transaction; a known Impilo id gets its first ``seq`` back."""
        ...

    def prune(
        self,
        *,
        older_than_ts: float | None,
        keep_count: int | None,
        forget_before_ts: float | None = None,
        remember_count: int | None = None,
    ) -> int:
        """Retention: deletes the oldest events, remembers their ids; returns how many went."""
        ...

    def read_after(self, after: int, limit: int) -> list[StoredEvent]:
        """Events with ``seq > after``, oldest first, at most ``limit``."""
        ...

    def bounds(self) -> dict[str, int]:
        """``pruned_through``, ``last_seq`` and ``count``."""
        ...

    def info(self) -> dict[str, Any]:
        """Facts for /healthz (never a password)."""
        ...

    def close(self) -> None:
        """Releases every connection."""
        ...


def open_store(config: RelayConfig) -> EventStore:
    """Opens (and creates or migrates) the store that ``config.db_url``/``db_path`` names.

    Raises:
        StoreUnavailableError: PostgreSQL could not be reached or its schema set up.
    """
    if config.db_url is None:
        return RelayStore(config.db_path, synchronous=config.synchronous)
    store = PgRelayStore(config.db_url)
    log.info("relay store: PostgreSQL at %s", config.db_display)
    return store
