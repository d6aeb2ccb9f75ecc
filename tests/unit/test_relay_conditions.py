"""A relay condition is logged once when it starts and once when it has ended for good."""

from __future__ import annotations

import logging

import pytest

from impilo_desk.relay.limits import Condition


def test_a_condition_seen_again_soon_after_a_good_moment_logs_no_new_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    slow = Condition("slow heads (%s)", "heads in time again", settle_s=10, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="impilo_desk.relay"):
        slow.seen("1 s")
        now[0] += 1
        slow.gone()  # one prompt request among the late ones
        slow.seen("1 s")
        now[0] += 9.5
        slow.gone()
        assert [r.getMessage() for r in caplog.records] == ["slow heads (1 s)"]
        now[0] += 0.5
        slow.gone()  # ten quiet seconds since the last late one
        slow.gone()
        slow.seen("1 s")
    assert [r.getMessage() for r in caplog.records] == [
        "slow heads (1 s)",
        "heads in time again",
        "slow heads (1 s)",
    ]


def test_a_condition_without_a_settle_time_ends_at_once(caplog: pytest.LogCaptureFixture) -> None:
    full = Condition("%d open", "below again", settle_s=0, clock=lambda: 5.0)
    with caplog.at_level(logging.WARNING, logger="impilo_desk.relay"):
        full.gone()  # never started: nothing to say
        full.seen(10)
        full.gone()
    assert [r.getMessage() for r in caplog.records] == ["10 open", "below again"]
