"""Counters of the relay, written in the Prometheus text exposition format (version 0.0.4)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class Metrics:
    """In-process counters; touched only from the event loop, so no locking."""

    stored: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    subscribers: int = 0
    subscriber_overflows: int = 0
    pruned: int = 0
    retained: int = 0

    def render(self) -> str:
        """The text format, one metric family after another."""
        lines = [
            "# HELP impilo_relay_events_stored_total Events committed to the store.",
            "# TYPE impilo_relay_events_stored_total counter",
            f"impilo_relay_events_stored_total {self.stored}",
            "# HELP impilo_relay_events_duplicate_total Events answered 200 but already stored.",
            "# TYPE impilo_relay_events_duplicate_total counter",
            f"impilo_relay_events_duplicate_total {self.duplicates}",
            "# HELP impilo_relay_events_rejected_total Ingest requests refused, by reason.",
            "# TYPE impilo_relay_events_rejected_total counter",
        ]
        for reason in sorted(
            {"unauthorized", "too_large", "bad_json", "not_envelope", *self.rejected}
        ):
            lines.append(
                f'impilo_relay_events_rejected_total{{reason="{reason}"}} {self.rejected[reason]}'
            )
        lines += [
            "# HELP impilo_relay_subscribers_connected Open SSE streams.",
            "# TYPE impilo_relay_subscribers_connected gauge",
            f"impilo_relay_subscribers_connected {self.subscribers}",
            "# HELP impilo_relay_subscriber_overflows_total Slow streams sent to the store.",
            "# TYPE impilo_relay_subscriber_overflows_total counter",
            f"impilo_relay_subscriber_overflows_total {self.subscriber_overflows}",
            "# HELP impilo_relay_events_pruned_total Events deleted by retention.",
            "# TYPE impilo_relay_events_pruned_total counter",
            f"impilo_relay_events_pruned_total {self.pruned}",
            "# HELP impilo_relay_events_retained Events in the store.",
            "# TYPE impilo_relay_events_retained gauge",
            f"impilo_relay_events_retained {self.retained}",
        ]
        return "\n".join(lines) + "\n"
