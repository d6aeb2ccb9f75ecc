"""The sentence a redelivery run ends with names the failures' reason."""

from __future__ import annotations

from datetime import UTC, datetime

from impilo_desk.services.redelivery import Attempt, Outcome
from impilo_desk.ui.logs.redeliver_text import most_common_error


def attempt(n: int, error: str | None) -> Attempt:
    outcome = Outcome.DELIVERED if error is None else Outcome.FAILED
    return Attempt(n, "r", "p", "P", n, n, "reading.weight", "log", "http://h/x",
                   datetime.now(UTC), None, outcome, None, 5.0, error)  # fmt: skip


def test_each_most_and_first_failure() -> None:
    down = "h refused the connection; is the receiver running?"
    slow = "h did not answer within 10 seconds."
    assert most_common_error([attempt(1, None)]) == ""
    assert most_common_error([attempt(1, down), attempt(2, None)]) == f" Each failure: {down}"
    three = [attempt(1, slow), attempt(2, down), attempt(3, down)]
    assert most_common_error(three) == f" Most failures: {down}"
    assert most_common_error([attempt(1, slow), attempt(2, down)]) == f" First failure: {slow}"
