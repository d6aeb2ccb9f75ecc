"""A task that takes its time to clean up once stopped, for the tests of tasks' owners."""

from __future__ import annotations

import asyncio


class SlowCleanup:
    """A task's work that runs until it is cancelled, then cleans up until :attr:`flushed`.

    What a relay feed storing its last batch does, or a session closing its connections one by
    one: :attr:`waiting` is set once it runs, :attr:`cleaning` once its clean-up started, and
    :attr:`cleaned` holds ``word`` once the clean-up is done.
    """

    def __init__(self, word: str) -> None:
        self.word = word
        self.waiting = asyncio.Event()
        self.cleaning = asyncio.Event()
        self.flushed = asyncio.Event()
        self.cleaned: list[str] = []

    async def run(self) -> None:
        """Waits until cancelled; then cleans up, which ends when :attr:`flushed` is set."""
        try:
            self.waiting.set()
            await asyncio.Event().wait()
        finally:
            self.cleaning.set()
            await self.flushed.wait()
            self.cleaned.append(self.word)
