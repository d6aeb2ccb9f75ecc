"""A local copy of a profile's delivery log (SQLite), kept in step with Impilo; Qt-free."""

from impilo_desk.services.log_mirror.store import MirrorStore
from impilo_desk.services.log_mirror.sync import LogMirror, MirrorSettings, SyncStatus

__all__ = ["LogMirror", "MirrorSettings", "MirrorStore", "SyncStatus"]
