"""Alerts when a webhook turns failing: one notification per change, through a port; Qt-free.

The health of every webhook is recomputed after each sync of the log mirror. This watch keeps
the states it saw last and raises one alert for each webhook that was not failing and now is.
The first snapshot of a session is the baseline: a webhook already failing then is shown (badge,
status line) but not announced again. An alert names the webhook and what failed (statuses and
counts); it never carries patient data.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from impilo_desk.services.delivery_health import HealthState, WebhookHealth
from impilo_desk.services.time_display import TimeDisplay

_log = logging.getLogger(__name__)


class Notifier(Protocol):
    """Shows a desktop notification (the system tray, or nothing where there is none)."""

    def notify(self, title: str, message: str) -> None:
        """Shows ``message`` under ``title``."""


class LoggingNotifier:
    """A notifier for where the desktop has none: it writes the alert to the app's log."""

    def notify(self, title: str, message: str) -> None:
        """Logs the alert."""
        _log.warning("alert: %s: %s", title, message)


@dataclass(frozen=True)
class Alert:
    """One webhook that turned failing."""

    webhook_id: int
    title: str
    message: str


class FailingWatch:
    """Turns health snapshots into alerts: exactly one for each change to failing.

    Args:
        notifier: Where alerts go.
        enabled: Whether they go there (the profile's setting); the states are kept either way.
        times: How the alert writes "failing since" (the app's one rule; default local time).
    """

    def __init__(
        self, notifier: Notifier, enabled: bool = True, times: TimeDisplay | None = None
    ) -> None:
        self.notifier = notifier
        self.enabled = enabled
        self.times = times or TimeDisplay()
        self._previous: dict[int, HealthState] | None = None
        self.sent: list[Alert] = []

    def reset(self) -> None:
        """Forgets the states (a new session: its first snapshot is a new baseline)."""
        self._previous = None

    def observe(self, health: Mapping[int, WebhookHealth], names: Mapping[int, str]) -> list[Alert]:
        """Takes a snapshot; returns (and sends, when enabled) the alerts it raises.

        Args:
            health: Each webhook's health now.
            names: Each webhook's event type, for the alert's words.
        """
        previous = self._previous
        self._previous = {hook: h.state for hook, h in health.items()}
        if previous is None:
            return []
        alerts = [
            _alert(h, names.get(hook, "webhook"), self.times)
            for hook, h in health.items()
            if h.state is HealthState.FAILING and previous.get(hook) is not HealthState.FAILING
        ]
        for alert in alerts:
            self.sent.append(alert)
            if self.enabled:
                try:
                    self.notifier.notify(alert.title, alert.message)
                except Exception:  # a broken tray must not stop the health view
                    _log.exception("the desktop notification failed")
        return alerts


def _alert(health: WebhookHealth, webhook_type: str, times: TimeDisplay) -> Alert:
    since = health.failing_since
    when = f" since {times.moment(since)}" if since is not None else ""
    return Alert(
        health.webhook_id,
        f"Webhook #{health.webhook_id} is failing",
        f"#{health.webhook_id} {webhook_type}: {health.reason}{when}.",
    )


def failing_line(
    health: Mapping[int, WebhookHealth],
    names: Mapping[int, str],
    times: TimeDisplay | None = None,
) -> str:
    """The status bar's line: "" when none fails, else which webhooks fail.

    ``times`` writes "failing since" (the app's one rule; default local time).
    """
    failing = [h for h in health.values() if h.state is HealthState.FAILING]
    if not failing:
        return ""
    if len(failing) == 1:
        h = failing[0]
        since = h.failing_since
        when = f" since {(times or TimeDisplay()).moment(since)}" if since is not None else ""
        return f"Webhook #{h.webhook_id} {names.get(h.webhook_id, '')} is failing{when}"
    listed = ", ".join(f"#{h.webhook_id}" for h in failing[:5])
    more = "…" if len(failing) > 5 else ""
    return f"{len(failing)} webhooks are failing: {listed}{more}"
