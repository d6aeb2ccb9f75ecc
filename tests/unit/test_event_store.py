"""The desktop's local event store: dedupe, resume point, queries; survives a reopen."""

import contextlib
import logging
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from impilo_desk.contract import Envelope
from impilo_desk.services.event_store import (
    EventStore,
    PolledReading,
    RelayEvent,
    default_event_store_path,
)
from impilo_desk.services.sse_base import Backoff

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def reading(i: int, patient: int, at: datetime, kind: str = "reading.weight") -> RelayEvent:
    payload = {"id": i, "readingTimestamp": at.isoformat(), "patient": {"id": patient}}
    return RelayEvent(seq=i, received_at=T0, envelope=Envelope(id=i, type=kind, payload=payload))


def test_dedupe_resume_point_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    store = EventStore(path)
    assert store.last_sequence() == 0
    assert store.add(reading(1, 7, T0)) is True
    assert store.add(reading(1, 7, T0)) is False
    assert store.add(reading(5, 7, T0)) is True
    assert store.last_sequence() == 5
    store.close()
    again = EventStore(path)
    assert again.ids() == [1, 5]
    assert again.last_sequence() == 5
    again.reset_sequence(0)
    assert again.last_sequence() == 0


def test_a_batch_is_one_transaction_with_a_result_per_event(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.sqlite3")
    store.add(reading(2, 7, T0))
    batch = [reading(i, 7, T0) for i in (1, 2, 3, 3, 9, 4)]  # 2 stored before, 3 twice
    assert store.add_many(batch) == [True, False, True, False, True, True]
    assert store.ids() == [1, 2, 3, 4, 9]
    assert store.last_sequence() == 9  # the highest in the batch, not the last
    assert store.add_many([]) == []
    assert store.last_sequence() == 9


def test_queries_by_type_patient_and_time(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.sqlite3")
    store.add(reading(1, 7, T0))
    store.add(reading(2, 8, T0 + timedelta(hours=1)))
    store.add(reading(3, 7, T0 + timedelta(hours=2), kind="reading.bloodPressure"))
    patient = Envelope(
        id=4, type="patient.updated", payload={"id": 7, "updatedAt": "2026-11-02T09:30:00Z"}
    )
    store.add(RelayEvent(seq=None, received_at=T0, envelope=patient, source="smee"))

    def ids(**kw: object) -> list[int]:
        return [e.envelope.id for e in store.query(**kw)]  # type: ignore[arg-type]

    assert ids(types="reading.weight") == [1, 2]
    assert ids(types=["reading.weight", "reading.bloodPressure"]) == [1, 2, 3]
    assert ids(patient_id=7) == [1, 4, 3]
    assert ids(start=T0 + timedelta(hours=1), end=T0 + timedelta(hours=2)) == [2, 4]
    assert ids(patient_id=7, newest_first=True, limit=2) == [3, 4]
    [smee] = store.query(types="patient.updated")
    assert smee.source == "smee"
    assert smee.seq is None


def test_default_path_is_in_the_user_data_dir() -> None:
    assert default_event_store_path().name == "events.sqlite3"
    assert "impilo-desk" in str(default_event_store_path())


def test_backoff_grows_with_jitter_and_caps() -> None:
    b = Backoff(initial_s=1, max_s=8, factor=2, jitter=0.5)
    for attempt, base in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        delay = b.delay(attempt)
        assert base * 0.5 <= delay <= base


def polled(reading_id: int, patient: int, at: datetime, kind: str = "weight") -> PolledReading:
    body = f'{{"id": {reading_id}, "readingTimestamp": "{at.isoformat()}"}}'
    return PolledReading(kind, reading_id, patient, at, body)


def test_polled_readings_dedupe_by_kind_and_id_apart_from_relay_events(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    store = EventStore(path)
    store.add(reading(1, 7, T0))  # a relay event whose envelope id is 1
    assert store.add_polled([polled(1, 7, T0), polled(2, 7, T0 + timedelta(minutes=1))]) == 2
    assert store.add_polled([polled(1, 7, T0)]) == 0  # the same (kind, reading id)
    assert store.add_polled([polled(1, 7, T0, kind="bloodPressure")]) == 1  # another kind
    assert store.add_polled([]) == 0
    assert store.ids() == [1]  # relay events are untouched by polled ones
    store.close()
    again = EventStore(path)
    rows = again.query_polled(kinds=["weight"], patient_id=7)
    assert [(r.kind, r.reading_id, r.occurred_at) for r in rows] == [
        ("weight", 1, T0),
        ("weight", 2, T0 + timedelta(minutes=1)),
    ]
    assert [r.reading_id for r in again.query_polled(start=T0 + timedelta(seconds=1))] == [2]
    assert again.query_polled(patient_id=8) == []
    assert [pid for pid, _ in again.polled_patients()] == [7]
    again.close()


def test_close_writes_everything_into_the_file_itself(tmp_path: Path, caplog) -> None:
    """Closing checkpoints the write-ahead log: the file alone holds every event, even when
    another connection kept the log open; no ``-wal``/``-shm`` are left after the last one."""
    path = tmp_path / "events.sqlite3"
    wal, shm = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
    store = EventStore(path)
    store.add_many([reading(i, 7, T0) for i in range(1, 51)])
    reader = sqlite3.connect(path)  # another reader of the file (a second window, a tool)
    reader.execute("SELECT COUNT(*) FROM events").fetchone()
    with caplog.at_level(logging.INFO, logger="impilo_desk.services.event_store"):
        store.close()
        store.close()  # idempotent
    assert [r.getMessage() for r in caplog.records] == ["event store events.sqlite3 closed"]
    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(path, copy)  # the main file without its log
    with contextlib.closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 50
    reader.close()
    assert not wal.exists()
    assert not shm.exists()
