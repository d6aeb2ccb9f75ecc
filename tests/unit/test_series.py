"""Ring buffers, unit conversions and reading points for the charts."""

import itertools
import tracemalloc
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from impilo_desk.contract import EVENT_TYPES, READING_KINDS, Reading, ReadingKind
from impilo_desk.services.reading_series import KindSeries
from impilo_desk.services.series import (
    RingBuffer,
    ecg_waveform,
    fahrenheit_to_celsius,
    lbs_to_kg,
    reading_key,
    reading_points,
    temperature_in,
)


def test_ring_buffer_keeps_the_newest_points_in_order() -> None:
    ring = RingBuffer(4)
    assert len(ring) == 0
    for i in range(6):
        ring.append(float(i), float(i * 10))
    t, y = ring.view()
    assert t.tolist() == [2.0, 3.0, 4.0, 5.0]
    assert y.tolist() == [20.0, 30.0, 40.0, 50.0]
    assert ring.dirty


@pytest.mark.parametrize("start", [0, 1, 3])
@pytest.mark.parametrize("n", [1, 3, 4, 9])
def test_ring_buffer_extend_matches_appending_one_by_one(start: int, n: int) -> None:
    a, b = RingBuffer(4), RingBuffer(4)
    for i in range(start):
        a.append(i, i)
        b.append(i, i)
    t = np.arange(100, 100 + n, dtype=np.float64)
    a.extend(t, t * 2)
    for v in t:
        b.append(v, v * 2)
    assert [x.tolist() for x in a.view()] == [x.tolist() for x in b.view()]


def test_ring_buffer_clear_and_bad_capacity() -> None:
    ring = RingBuffer(2)
    ring.append(1, 1)
    ring.dirty = False
    ring.clear()
    assert len(ring) == 0
    assert ring.dirty
    with pytest.raises(ValueError, match="capacity"):
        RingBuffer(0)


def test_unit_conversions() -> None:
    assert lbs_to_kg(220.46226218) == pytest.approx(100.0)
    assert fahrenheit_to_celsius(98.6) == pytest.approx(37.0)
    assert temperature_in(37.0, "celsius", "fahrenheit") == pytest.approx(98.6)
    assert temperature_in(98.6, None, "fahrenheit") == 98.6


def test_reading_points_and_ecg_waveform() -> None:
    info = READING_KINDS[ReadingKind.BLOOD_PRESSURE]
    reading = info.model.model_validate(EVENT_TYPES["reading.bloodPressure"].example)
    assert reading_points(info, reading) == {
        "systolic": 128.0,
        "diastolic": 82.0,
        "heartRate": 71.0,
    }
    ecg_info = READING_KINDS[ReadingKind.ECG]
    ecg = ecg_info.model.model_validate(EVENT_TYPES["reading.ecg"].example)
    t, y = ecg_waveform(ecg)
    assert len(t) == len(y) == 19
    assert t[1] == pytest.approx(1 / 250)
    assert y.max() == 1200.0
    assert reading_key(ReadingKind.ECG, ecg) == ("ecg", 88231, None)


def _weights(ids: range) -> list[Reading]:
    return [
        Reading.model_validate(
            {
                "id": i,
                "readingTimestamp": f"2026-11-01T08:{i // 60:02d}:{i % 60:02d}Z",
                "weight": 100.0 + i,
            }
        )
        for i in ids
    ]


def test_snapshots_tell_appends_from_reorders() -> None:
    """The table inserts rows for appends only: the snapshot says which points are the same."""
    series = KindSeries(ReadingKind.WEIGHT, capacity=10)
    series.add(_weights(range(10, 16)))
    first = series.snapshot()
    assert (first.first, len(first)) == (0, 6)
    series.add(_weights(range(16, 22)))  # 2 of the oldest fall off
    second = series.snapshot()
    assert second.epoch == first.epoch
    assert (second.first, len(second)) == (2, 10)
    assert list(second.values["weight"][:2]) == [112.0, 113.0]
    series.add(_weights(range(5, 6)))  # older than what is shown: the points are reordered
    third = series.snapshot()
    assert third.epoch != second.epoch
    assert third.values["weight"][0] == 105.0
    series.clear()
    assert series.snapshot().epoch not in (first.epoch, third.epoch)


def test_a_reading_is_shown_once_while_its_point_is_kept() -> None:
    """De-duplication covers the points in the ring, also after a reorder, and no more."""
    series = KindSeries(ReadingKind.WEIGHT, capacity=10)
    assert series.add(_weights(range(10, 18))) == 8
    assert series.add(_weights(range(14, 22))) == 4  # 14..17 are shown already
    series.add(_weights(range(5, 6)))  # behind the others: reordered at the next snapshot
    series.snapshot()
    assert series.add(_weights([5, 13, 21])) == 0  # still shown, after the reorder too
    assert series.add(_weights(range(22, 30))) == 8  # 5 and 13..19 fall off (the oldest)
    assert series.add(_weights([5, 13])) == 2  # no longer shown: they may come back
    assert series.add(_weights([13, 29])) == 0  # (20 and 21 fell off for them)
    assert series.add(_weights([21])) == 1
    assert len(series) == 10


def test_memory_stays_bounded_once_the_ring_is_full() -> None:
    """A live load of many times the ring's capacity: what is kept stops growing (it grew
    about 100 bytes a reading, for the de-duplication keys, without bound)."""
    series = KindSeries(ReadingKind.WEIGHT, capacity=1_000)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    ids = itertools.count(1)

    def batch(n: int) -> list[Reading]:
        return [
            Reading.model_validate(
                {"id": i, "readingTimestamp": start + timedelta(seconds=i), "weight": 70.0}
            )
            for i in itertools.islice(ids, n)
        ]

    tracemalloc.start()
    try:
        for _ in range(3):  # full, and turned over more than once
            series.add(batch(1_000))
        warm, _ = tracemalloc.get_traced_memory()
        for _ in range(20):  # 20,000 readings more
            series.add(batch(1_000))
            series.snapshot()
        grown = tracemalloc.get_traced_memory()[0] - warm
    finally:
        tracemalloc.stop()
    assert grown < 100_000  # < 5 bytes a reading (it was ~2 MB)
