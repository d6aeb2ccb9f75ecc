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
    store_failures: int = 0
    store_failing: bool = False
    accepted_by_secret: Counter[int] = field(default_factory=Counter)  # 1-based position
    secrets_configured: int = 1
    subscribers_refused: int = 0
    connections_refused: int = 0
    header_timeouts: int = 0

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
            {
                "unauthorized",
                "too_large",
                "bad_json",
                "not_envelope",
                "bad_parameter",
                *self.rejected,
            }
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
            "# HELP impilo_relay_store_failures_total Commits the store refused (each event alone"
            " after a failed batch).",
            "# TYPE impilo_relay_store_failures_total counter",
            f"impilo_relay_store_failures_total {self.store_failures}",
            "# HELP impilo_relay_store_healthy 1 while the store commits, 0 while writes fail.",
            "# TYPE impilo_relay_store_healthy gauge",
            f"impilo_relay_store_healthy {0 if self.store_failing else 1}",
            "# HELP impilo_relay_deliveries_accepted_total Authenticated POSTs, by the position of"
            " the secret that matched (1 = first line of the secret file).",
            "# TYPE impilo_relay_deliveries_accepted_total counter",
        ]
        positions = range(1, max(self.secrets_configured, *self.accepted_by_secret, 1) + 1)
        for n in positions:
            lines.append(
                f'impilo_relay_deliveries_accepted_total{{secret="{n}"}} '
                f"{self.accepted_by_secret[n]}"
            )
        lines += [
            "# HELP impilo_relay_subscribers_refused_total Streams refused at --max-subscribers.",
            "# TYPE impilo_relay_subscribers_refused_total counter",
            f"impilo_relay_subscribers_refused_total {self.subscribers_refused}",
            "# HELP impilo_relay_connections_refused_total Connections closed at"
            " --max-connections.",
            "# TYPE impilo_relay_connections_refused_total counter",
            f"impilo_relay_connections_refused_total {self.connections_refused}",
            "# HELP impilo_relay_header_timeouts_total Connections closed for sending no request"
            " head within --header-timeout.",
            "# TYPE impilo_relay_header_timeouts_total counter",
            f"impilo_relay_header_timeouts_total {self.header_timeouts}",
        ]
        return "\n".join(lines) + "\n"
