"""What the newest delivery-log rows to the relay say (``RelayDeliveryProbe``'s summary)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from impilo_desk.contract import WebhookLog
from impilo_desk.services.relay_deliveries import (
    RelayDeliveries,
    connected_words,
    summarize,
    targets,
)

T0 = datetime(2026, 12, 1, 7, 59, tzinfo=UTC)


def row(minutes: int, status: int | None) -> WebhookLog:
    return WebhookLog(createTimestamp=T0 + timedelta(minutes=minutes), lastResponseStatus=status)


def test_only_urls_below_the_relay_count() -> None:
    relay = "http://127.0.0.1:8080"
    assert targets("http://127.0.0.1:8080/hooks", relay)
    assert not targets("http://127.0.0.1:8081/hooks", relay)
    assert not targets("https://127.0.0.1:8080/hooks", relay)
    assert not targets("http://example.test/hooks", relay)
    assert targets("https://smee.io/AbC", "https://smee.io/AbC")
    assert not targets("https://smee.io/Other", "https://smee.io/AbC")
    assert not targets(None, relay)


def test_the_newest_row_decides_and_a_run_of_failures_has_a_start() -> None:
    assert summarize([]) == RelayDeliveries("none")
    assert summarize([row(5, 200), row(4, 401)]).state == "ok"
    failing = summarize([row(9, 401), row(7, 401), row(0, 401), row(-3, 200)])
    assert failing == RelayDeliveries("failing", 401, T0, 3)
    assert summarize([row(1, 0)]).reason() == "Impilo gets no answer from the relay"
    assert summarize([row(1, 503)]).reason() == "the relay has a problem; see its log"


def test_words_say_live_only_when_deliveries_succeed() -> None:
    def when(at: datetime) -> str:
        return at.strftime("%H:%M")

    assert connected_words(RelayDeliveries("ok", since=T0), when) == "live"
    failing = connected_words(RelayDeliveries("failing", 401, T0, 3), when)
    assert failing == (
        "connected, but Impilo's deliveries to it fail (401 since 07:59: the secrets differ)"
    )
    assert connected_words(RelayDeliveries("none"), when).startswith("connected · no deliveries")
    assert "not known" in connected_words(None, when)
