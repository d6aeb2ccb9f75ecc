"""The sandbox's SQLite storage: one module per area, all functions take a connection."""

from impilo_desk.sandbox.store.db import Database

__all__ = ["Database"]
