"""The real desk on ``impilo-sandbox --like-production`` (issue 13): a profile, the sandbox's
own state read from its SQLite file, and the app's log as the user's support person reads it."""

from __future__ import annotations

import sqlite3
from typing import Any

from impilo_desk.session import ProfileDraft
from tests.fixtures.desk import World

LIKE_PRODUCTION = ("--like-production",)


def connect_as(
    qtbot: Any, world: World, box: Any, *, environment: str, relay: Any = None, name: str = "Acme"
) -> str:
    """Saves a profile of ``environment`` for ``box`` (and ``relay``) and switches to it."""
    draft = ProfileDraft(
        name=name,
        api_base_url=box.base_url,
        relay_url=relay.url if relay else None,
        environment=environment,
    )
    owner = world.desk.sessions.owner
    task = owner.spawn(world.services.book.save(draft, box.api_key, relay.token if relay else None))
    qtbot.waitUntil(task.done, timeout=10_000)
    profile = task.result()
    world.profiles.profiles.append(profile)
    with qtbot.waitSignal(world.desk.webhooks.loaded, timeout=10_000):
        world.profiles.choose(profile.id)
    return str(profile.id)


def secret_on_sandbox(box: Any) -> str | None:
    """The secret the sandbox holds (its API does not show it in this mode)."""
    with sqlite3.connect(box.db_path) as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'webhook_secret'").fetchone()
    return None if row is None else str(row[0])


def app_log(world: World) -> str:
    """The app's own log file, as written so far."""
    path = world.paths.log_file
    return path.read_text(encoding="utf-8") if path.exists() else ""
