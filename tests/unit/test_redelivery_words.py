"""The sentence a redelivery run ends with, in the Logs and Events tabs alike."""

from __future__ import annotations

from impilo_desk.services.redelivery import RunState
from impilo_desk.services.redelivery.sender import RunResult
from impilo_desk.services.redelivery.words import run_summary


def test_a_finished_run_says_how_many_were_sent():
    done = RunResult("r1", RunState.COMPLETED, 1200, 3, ())
    assert run_summary("Redelivery", done, 1203) == (
        "Redelivery done: 1,203 sent (1,200 delivered, 3 failed)."
    )


def test_a_cancelled_run_counts_in_plain_grammar():
    one_left = RunResult("r2", RunState.CANCELLED, 2, 0, ("x",))  # only the count of these matters
    assert run_summary("Replay", one_left, 3) == (
        "Replay cancelled: 2 of 3 were sent (2 delivered, 0 failed); 1 was not sent."
    )
    one_sent = RunResult(
        "r3", RunState.CANCELLED, 0, 1, ("x", "y")
    )  # only the count of these matters
    assert run_summary("Replay", one_sent, 3) == (
        "Replay cancelled: 1 of 3 was sent (0 delivered, 1 failed); 2 were not sent."
    )
