"""Which webhook a manual attempt counts for, on a real record and a real mirror (SQLite files)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from impilo_desk.contract import WebhookLog
from impilo_desk.services.log_mirror import MirrorStore
from impilo_desk.services.manual_resends import HookTarget, manual_resends
from impilo_desk.services.redelivery import AttemptStore, Delivery, Outcome, RunState

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
SINK = "http://127.0.0.1:9/sink"
HOOKS = [
    HookTarget(1, "reading.weight", SINK),
    HookTarget(2, "reading.bloodPressure", SINK + "/"),  # same URL, another type
    HookTarget(3, "reading.weight", "http://127.0.0.1:9/twin"),  # 3 and 4: same type and URL
    HookTarget(4, "reading.weight", "http://127.0.0.1:9/twin"),
]


@pytest.fixture
def record(tmp_path: Path) -> Iterator[AttemptStore]:
    store = AttemptStore(AttemptStore.path_for(tmp_path, "p-1"))
    store.start_run(
        "r",
        profile_id="p-1",
        profile_name="Clinic A",
        origin="logs",
        planned=9,
        targets=[SINK],
        started_at=T0,
    )
    yield store
    store.close()


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[MirrorStore]:
    store = MirrorStore(tmp_path / "mirror.sqlite3")
    store.upsert(
        [
            WebhookLog(id=30, webhookId=3, createTimestamp=T0, lastResponseStatus=500),
            WebhookLog(id=40, webhookId=4, createTimestamp=T0, lastResponseStatus=500),
        ]
    )
    yield store
    store.close()


def attempt(
    store: AttemptStore,
    target: str,
    status: int | None,
    *,
    kind: str = "reading.weight",
    log_id: int | None = None,
    minutes: int = 0,
) -> None:
    at = T0 + timedelta(minutes=minutes)
    made = store.begin_attempt("r", Delivery(1, kind, "{}", target, "log", log_id), at)
    if status == -1:  # still in flight
        return
    outcome = Outcome.DELIVERED if status is not None and status < 300 else Outcome.FAILED
    store.finish_attempt(
        made, outcome=outcome, status=status, latency_ms=2.0, error=None, finished_at=at
    )


def test_an_attempt_counts_for_the_webhook_of_its_url_and_type(
    record: AttemptStore, mirror: MirrorStore
) -> None:
    attempt(record, SINK, 200, log_id=10)
    attempt(record, SINK + "/", 503, minutes=1)  # a trailing "/" is the same endpoint
    attempt(record, SINK, None, minutes=2)  # no answer
    attempt(record, SINK, 200, kind="reading.bloodPressure", minutes=3)
    attempt(record, "http://127.0.0.1:9/elsewhere", 200, minutes=4)  # no webhook's URL
    attempt(record, SINK, 200, minutes=-90)  # before the period
    attempt(record, "http://127.0.0.1:9/twin", 200, log_id=40, minutes=5)  # the row decides
    attempt(record, "http://127.0.0.1:9/twin", 200, minutes=6)  # no row: neither twin
    attempt(record, SINK, -1, minutes=7)  # still sending
    version = record.version
    found = manual_resends(record, mirror, HOOKS, T0 - timedelta(minutes=1), T0 + timedelta(1))

    assert set(found) == {1, 2, 4}
    weight = found[1]
    assert (weight.resent, weight.delivered, weight.failed, weight.sending) == (4, 1, 2, 1)
    assert weight.describe() == "4 resent, 1 delivered, 2 failed, 1 sending"
    assert weight.delivered_of() == "1 of 4 delivered"
    assert weight.failure_words() == "503 × 1, no answer × 1"
    assert weight.latest_at == T0 + timedelta(minutes=7)
    assert weight.latest is Outcome.SENDING
    assert found[2].describe() == "1 resent, 1 delivered"
    assert found[4].resent == 1
    assert record.version == version  # reading writes nothing


def test_the_record_version_grows_with_each_write(record: AttemptStore) -> None:
    seen = record.version
    attempt(record, SINK, 200)
    assert record.version == seen + 2  # begun, then finished
    record.end_run("r", RunState.COMPLETED, T0)
    assert record.version == seen + 3
