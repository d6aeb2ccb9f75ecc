"""What can be resent, to where, and the preview; bad input is one sentence and sends nothing."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from impilo_desk.contract import Envelope, WebhookLog
from impilo_desk.services.event_store import EventStore, RelayEvent
from impilo_desk.services.redelivery import (
    NO_EXACT_COPY,
    RedeliveryRefused,
    check_target,
    plan_events,
    plan_logs,
    recoverable,
    stored_ids,
)
from impilo_desk.services.redelivery.targets import same_host_redirect

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def envelope_text(event_id: int, kind: str = "reading.weight") -> str:
    # Odd spacing on purpose: the body must be sent exactly as logged, not re-serialised.
    return f'{{"id": {event_id},  "type": "{kind}", "payload": {{"weight": 70.5}}}}'


def row(
    log_id: int, payload: str | None, url: str = "https://example.com/hooks", **kw
) -> WebhookLog:
    return WebhookLog(
        id=log_id,
        webhookId=3,
        webhookType="reading.weight",
        webhookUrl=url,
        payload=payload,
        createTimestamp=kw.pop("created", NOW - timedelta(hours=3)),
        lastResponseStatus=kw.pop("status", 500),
        retryAttempts=kw.pop("retries", 3),
    )


def stored_event(event_id: int) -> RelayEvent:
    return RelayEvent(
        seq=event_id,
        received_at=NOW,
        envelope=Envelope(id=event_id, type="reading.weight", payload={"weight": 1.0}),
    )


def test_an_envelope_row_is_sent_byte_for_byte_to_its_own_url():
    plan = plan_logs([row(1, envelope_text(41))])
    (delivery,) = plan.deliveries
    assert delivery.body == envelope_text(41)
    assert (delivery.event_id, delivery.event_type, delivery.log_id) == (41, "reading.weight", 1)
    assert delivery.target == "https://example.com/hooks"
    assert delivery.source == "log"
    assert plan.unsendable == ()


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ("{'id':1234}", "(the payload is not JSON)."),
        ('{"id": 5, "type": "reading.weight"}', "not an {id, type, payload} envelope"),
        ('{"id": true, "type": "x", "payload": {}}', "not an {id, type, payload} envelope"),
        ("[1, 2]", "not an {id, type, payload} envelope"),
        (None, "(the payload is empty)."),
    ],
)
def test_a_row_without_an_exact_body_is_left_out_with_its_reason(payload, why):
    plan = plan_logs([row(7, payload)])
    assert plan.deliveries == ()
    (left,) = plan.unsendable
    assert left.log_id == 7
    assert left.reason.startswith(NO_EXACT_COPY)
    assert why in left.reason
    assert left.alternative is None


def test_the_relays_copy_is_offered_only_when_the_store_has_that_event(tmp_path: Path):
    store = EventStore(tmp_path / "events.sqlite3")
    try:
        store.add(stored_event(1234))
        rows = [row(1, "{'id':1234}"), row(2, "{'id':999}"), row(3, envelope_text(5))]
        assert stored_ids(rows) == [999, 1234]
        plan = plan_logs(rows, stored=store.by_ids(stored_ids(rows)))
    finally:
        store.close()
    assert [d.log_id for d in plan.deliveries] == [3]
    first, second = plan.unsendable
    assert first.alternative is not None
    assert second.alternative is None
    assert first.alternative.source == "store"
    assert json.loads(first.alternative.body)["id"] == 1234
    preview = plan.preview()
    assert (preview.rows, preview.sendable, preview.cannot_resend, preview.alternatives) == (
        3,
        1,
        2,
        1,
    )
    taken = plan.with_relay_copies()
    assert [d.log_id for d in taken.deliveries] == [3, 1]
    assert [u.log_id for u in taken.unsendable] == [2]


def test_preview_counts_rows_per_target_and_what_cannot_be_resent():
    rows = [
        row(i, envelope_text(i), url=f"https://{'a' if i % 3 else 'b'}.example/h")
        for i in range(1, 7)
    ]
    rows.append(row(99, "{'id':1}"))
    preview = plan_logs(rows).preview()
    assert preview.targets == (("https://a.example/h", 4), ("https://b.example/h", 2))
    assert (preview.rows, preview.sendable, preview.cannot_resend) == (7, 6, 1)
    text = preview.describe()
    assert (
        "7 rows selected: 6 would be sent to https://a.example/h (4), https://b.example/h (2)"
        in text
    )
    assert "1 cannot be resent" in text
    to_one = plan_logs(rows, target="http://localhost:3000/webhook").preview()
    assert to_one.targets == (("http://localhost:3000/webhook", 6),)


def test_a_row_whose_own_url_is_unusable_is_left_out():
    plan = plan_logs(
        [row(1, envelope_text(1), url="ftp://example.com/x"), row(2, envelope_text(2))]
    )
    assert [d.log_id for d in plan.deliveries] == [2]
    assert "no http(s) webhook URL" in plan.unsendable[0].reason


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "Enter the URL"),
        ("   ", "Enter the URL"),
        ("localhost:3000/webhook", "must start with http:// or https://"),
        ("ftp://example.com/x", "must start with http:// or https://"),
        ("http://", "must start with http:// or https://"),
        ("http://host:notaport/x", "must start with http:// or https://"),
        ("http://user:pw@example.com/x", "user name or password"),
        ("http://example.com/a b", "spaces"),
    ],
)
def test_a_bad_target_is_one_sentence(url, words):
    with pytest.raises(RedeliveryRefused) as info:
        check_target(url)
    message = str(info.value)
    assert words in message
    assert message.endswith(".")
    assert "\n" not in message
    with pytest.raises(RedeliveryRefused):
        plan_logs([row(1, envelope_text(1))], target=url)


def test_an_empty_selection_is_refused():
    with pytest.raises(RedeliveryRefused, match="Select at least one log row"):
        plan_logs([])
    with pytest.raises(RedeliveryRefused, match="Select at least one event"):
        plan_events([], "http://localhost:3000/webhook")


def test_events_replay_to_the_chosen_url_with_the_relays_copy():
    plan = plan_events([stored_event(5), stored_event(6)], " http://localhost:3000/webhook ")
    assert [(d.event_id, d.target, d.source, d.log_id) for d in plan.deliveries] == [
        (5, "http://localhost:3000/webhook", "store", None),
        (6, "http://localhost:3000/webhook", "store", None),
    ]


def test_recover_takes_failed_rows_and_retrying_ones_only_when_asked():
    failed = row(1, envelope_text(1), retries=3, status=500)
    retrying = row(2, envelope_text(2), retries=1, status=503)
    delivered = row(3, envelope_text(3), retries=0, status=200)
    rows = [failed, retrying, delivered]
    assert [r.id for r in recoverable(rows, NOW)] == [1]
    assert [r.id for r in recoverable(rows, NOW, include_retrying=True)] == [1, 2]


@pytest.mark.parametrize(
    ("url", "status", "location", "follow"),
    [
        ("http://a.test/h", 307, "/other", "http://a.test/other"),
        ("http://a.test/h", 308, "https://a.test/h", "https://a.test/h"),
        ("https://a.test/h", 308, "http://a.test/h", None),  # never down to plain http
        ("http://a.test/h", 307, "http://b.test/h", None),  # another host
        ("http://a.test/h", 302, "/other", None),  # would turn the POST into a GET
        ("http://a.test/h", 307, None, None),
    ],
)
def test_only_same_host_307_and_308_are_followed(url, status, location, follow):
    assert same_host_redirect(url, status, location) == follow
