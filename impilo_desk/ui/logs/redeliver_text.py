"""The words of a redelivery in the Logs tab: the table's notes, a run's closing sentence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from impilo_desk.services.redelivery import Attempt, RunResult


def notes(latest: Mapping[int, Attempt]) -> dict[int, tuple[str, str]]:
    """The table's note and tooltip for each row's latest manual attempt."""
    shown: dict[int, tuple[str, str]] = {}
    for log_id, attempt in latest.items():
        tip = f"Resent by {attempt.profile_name} to {attempt.target}"
        if attempt.error:
            tip += f": {attempt.error}"
        shown[log_id] = (attempt.describe(), tip)
    return shown


def most_common_error(attempts: Sequence[Attempt]) -> str:
    """A sentence on why attempts failed, or ``""`` when none did.

    `` Each failure: …`` or `` Most failures: …``; `` First failure: …`` when no one error is
    the majority.
    """
    errors = Counter(a.error for a in attempts if a.error)
    if not errors:
        return ""
    error, count = errors.most_common(1)[0]
    failed = sum(errors.values())
    if count == failed:
        return f" Each failure: {error}"
    if count * 2 > failed:
        return f" Most failures: {error}"
    first = next(a.error for a in attempts if a.error)
    return f" First failure: {first}"


def summary(result: RunResult, total: int) -> str:
    """The sentence a run ends with."""
    from impilo_desk.services.redelivery.words import run_summary

    return run_summary("Redelivery", result, total)
