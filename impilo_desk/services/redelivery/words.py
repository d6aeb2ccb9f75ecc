"""The sentence a redelivery run ends with, the same in every tab that runs one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from impilo_desk.services.redelivery.models import RunState

if TYPE_CHECKING:  # the sender loads httpx
    from impilo_desk.services.redelivery.sender import RunResult


def run_summary(noun: str, result: RunResult, total: int) -> str:
    """``Redelivery done: 3 sent (…).`` or, after a cancel, how many were and were not sent."""
    sent = result.delivered + result.failed
    counts = f"{result.delivered:,} delivered, {result.failed:,} failed"
    if result.state is RunState.CANCELLED:
        left = len(result.not_sent)
        return (
            f"{noun} cancelled: {sent:,} of {total:,} {_were(sent)} sent ({counts}); "
            f"{left:,} {_were(left)} not sent."
        )
    return f"{noun} done: {sent:,} sent ({counts})."


def _were(count: int) -> str:
    return "was" if count == 1 else "were"
