"""One alert per change to failing; none for the baseline, none when alerts are off."""

from __future__ import annotations

from datetime import UTC, datetime

from impilo_desk.services.delivery_alerts import FailingWatch, failing_line
from impilo_desk.services.delivery_health import HealthState, WebhookHealth

SINCE = datetime(2026, 12, 1, 7, 59, tzinfo=UTC)


def _h(hook: int, state: HealthState) -> WebhookHealth:
    failing = state is HealthState.FAILING
    reason = "the last 3 deliveries failed (HTTP 401)" if failing else ""
    return WebhookHealth(hook, 10, 0 if failing else 10, None, SINCE if failing else None,
                         state, 401 if failing else 200, reason)  # fmt: skip


class Recorder:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def notify(self, title: str, message: str) -> None:
        self.shown.append((title, message))


def test_each_change_to_failing_alerts_once_and_the_baseline_never() -> None:
    recorder = Recorder()
    watch = FailingWatch(recorder)
    names = {1: "reading.weight", 2: "reading.bloodPressure"}
    ok, bad = HealthState.HEALTHY, HealthState.FAILING
    assert watch.observe({1: _h(1, bad), 2: _h(2, ok)}, names) == []  # already failing: baseline
    assert watch.observe({1: _h(1, bad), 2: _h(2, bad)}, names)[0].webhook_id == 2
    assert watch.observe({1: _h(1, bad), 2: _h(2, bad)}, names) == []
    watch.observe({1: _h(1, ok), 2: _h(2, bad)}, names)
    assert [a.webhook_id for a in watch.observe({1: _h(1, bad), 2: _h(2, bad)}, names)] == [1]
    assert [t for t, _ in recorder.shown] == ["Webhook #2 is failing", "Webhook #1 is failing"]
    assert "401" in recorder.shown[0][1]


def test_alerts_turned_off_notify_nothing_but_the_line_still_says_it() -> None:
    recorder = Recorder()
    watch = FailingWatch(recorder, enabled=False)
    names = {1: "reading.weight"}
    watch.observe({1: _h(1, HealthState.HEALTHY)}, names)
    health = {1: _h(1, HealthState.FAILING)}
    assert len(watch.observe(health, names)) == 1
    assert recorder.shown == []
    assert failing_line(health, names).startswith("Webhook #1 reading.weight is failing since")
    assert failing_line({1: _h(1, HealthState.HEALTHY)}, names) == ""
