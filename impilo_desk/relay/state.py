"""The running relay's parts, shared by its routes."""

from __future__ import annotations

from dataclasses import dataclass, field

from impilo_desk.relay.config import RelayConfig
from impilo_desk.relay.credentials import Credentials
from impilo_desk.relay.fanout_thread import FanoutThread
from impilo_desk.relay.ingest import IngestWriter
from impilo_desk.relay.limits import Condition
from impilo_desk.relay.metrics import Metrics
from impilo_desk.relay.stores import EventStore


@dataclass
class Relay:
    """Created at startup and closed at shutdown by the app's lifespan."""

    config: RelayConfig
    credentials: Credentials
    store: EventStore
    metrics: Metrics
    fanout: FanoutThread  # the SSE streams, on a thread and event loop of their own
    writer: IngestWriter
    subscriber_cap: Condition = field(
        default_factory=lambda: Condition(
            "%d streams open, the limit (--max-subscribers): new ones get 503 until some close",
            "new streams are accepted again",
        )
    )
