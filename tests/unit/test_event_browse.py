"""The Events tab's reads of the event store: pages by key, filters, FTS search, pruning."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from impilo_desk.contract import Envelope
from impilo_desk.services.event_store import (
    EventFilter,
    EventStore,
    RelayEvent,
    patient_name_of,
    search,
)

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
NAMES = [("Amara", "Nwosu"), ("Thabo", "Mokoena"), ("Lindiwe", "Dlamini")]
TYPES = ["reading.weight", "patient.updated", "device.lowBattery", "order.status"]


def event(i: int, rng: random.Random) -> RelayEvent:
    kind = rng.choice(TYPES)
    first, last = rng.choice(NAMES)
    pid = 100 + NAMES.index((first, last))
    patient = {"id": pid, "firstName": first, "lastName": last}
    payload: dict[str, object]
    if kind == "patient.updated":
        payload = dict(patient)
    elif kind == "order.status":
        payload = {"id": 5000 + i, "eventType": rng.choice(["shipped", "delivered"])}
    else:
        payload = {"id": i, "weight": 70 + i % 9, "patient": patient, "note": f"word{i % 7}"}
    return RelayEvent(
        seq=i,
        received_at=T0 + timedelta(seconds=i),
        envelope=Envelope(id=i, type=kind, payload=payload),
    )


def brute(events: list[RelayEvent], f: EventFilter, word: str | None = None) -> list[int]:
    out = []
    for e in events:
        p = e.envelope.payload
        patient = p if e.envelope.type.startswith("patient.") else p.get("patient")
        if f.types is not None and e.envelope.type not in f.types:
            continue
        if f.patient and not (isinstance(patient, dict) and patient.get("lastName") == f.patient):
            continue
        if f.start is not None and e.received_at < f.start:
            continue
        if f.end is not None and e.received_at >= f.end:
            continue
        if word is not None and p.get("note") != word:
            continue
        out.append(e.envelope.id)
    return sorted(out, reverse=True)


def walk(store: EventStore, f: EventFilter, size: int = 7) -> list[int]:
    ids: list[int] = []
    before = None
    while page := store.page(f, before, size):
        ids += [r.envelope_id for r in page if r.envelope_id is not None]
        before = page[-1].key
    return ids


@pytest.mark.parametrize("sparse_max", [5_000, 3], ids=["few-matches", "many-matches"])
def test_pages_filters_and_search_equal_a_brute_force_filter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sparse_max: int
) -> None:
    # Both plans of a full-text search: keys looked up (few matches) or the time index walked.
    monkeypatch.setattr(search, "SPARSE_MAX", sparse_max)
    rng = random.Random(7)
    events = [event(i, rng) for i in range(1, 301)]
    store = EventStore(tmp_path / "e.sqlite3")
    store.add_many(events[:150])
    assert store.build_search_index() is True
    store.add_many(events[150:])  # indexed as they come, once the index exists
    start, end = T0 + timedelta(seconds=40), T0 + timedelta(seconds=260)
    cases = [
        (EventFilter(), None),
        (EventFilter(types=frozenset({"reading.weight", "device.lowBattery"})), None),
        (EventFilter(patient="Mokoena", start=start, end=end), None),
        (EventFilter(types=frozenset({"reading.weight"}), text="word3", patient="Nwosu"), "word3"),
        (EventFilter(text="word5", start=start), "word5"),
    ]
    names = {e.envelope.id: patient_name_of(e.envelope) for e in events}
    assert {r.envelope_id: r.patient_name for r in store.page(EventFilter(), None, 500)} == names
    assert set(names.values()) >= {"Amara Nwosu", "Thabo Mokoena", ""}
    for f, word in cases:
        expected = brute(events, f, word)
        assert walk(store, f) == expected, f
        assert store.count_matching(f) == len(expected)
    assert walk(store, EventFilter(patient="102")) == brute(events, EventFilter(patient="Dlamini"))
    store.close()


def test_search_phrases_prefixes_and_bad_syntax(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "e.sqlite3")
    store.add_many([event(i, random.Random(i)) for i in range(1, 40)])
    progress: list[tuple[int, int]] = []
    store.build_search_index(lambda done, total: progress.append((done, total)))
    assert progress[-1] == (39, 39)
    by_prefix = store.count_matching(EventFilter(text="Mokoe*"))
    assert by_prefix == store.count_matching(EventFilter(patient="Mokoena"))
    assert by_prefix > 0
    assert store.count_matching(EventFilter(text='"Thabo Mokoena"')) > 0
    assert store.count_matching(EventFilter(text='"Mokoena Thabo"')) == 0
    assert store.count_matching(EventFilter(text="MRN-00981")) == 0  # read literally
    # Text FTS5 cannot read is searched word for word instead of failing.
    assert store.count_matching(EventFilter(text="Mokoena* (")) == by_prefix
    store.close()


def test_markers_sit_at_their_time_and_pruning_respects_the_cap(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "e.sqlite3")
    store.add_many([event(i, random.Random(i)) for i in range(1, 101)])
    store.build_search_index()
    store.add_marker(T0 + timedelta(seconds=50.5), "relay", "reconnect", "replayed")
    top = store.page(EventFilter(), None, 60)
    marker = next(i for i, r in enumerate(top) if r.marker)
    assert top[marker - 1].envelope_id == 51
    assert top[marker + 1].envelope_id == 50
    assert not any(r.marker for r in store.page(EventFilter(types=frozenset(TYPES)), None, 200))
    deleted = store.prune(older_than=T0 + timedelta(seconds=21), keep_at_most=60)
    assert deleted == 40
    assert store.ids() == list(range(41, 101))
    assert store.count_matching(EventFilter(text="word1")) == sum(
        1
        for i in range(41, 101)
        if "note" in event(i, random.Random(i)).envelope.payload and i % 7 == 1
    )
    store.close()
