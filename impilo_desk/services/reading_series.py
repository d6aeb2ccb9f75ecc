"""The data behind one chart and its table: one reading kind of one patient. Qt-free.

Every value field of a kind has its own preallocated :class:`RingBuffer`; all of them get a
point (NaN when a reading lacks the value) for every reading, so index ``i`` of each is the same
reading. The chart and the table both draw from one :class:`Snapshot`, in the units the user
chose, so they cannot disagree.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC

import numpy as np

from impilo_desk.contract import READING_KINDS, KindInfo, Reading, ReadingKind
from impilo_desk.services.number_display import format_number
from impilo_desk.services.series import (
    LBS_PER_KG,
    FloatArray,
    RingBuffer,
    reading_key,
    temperature_in,
)
from impilo_desk.services.time_display import file_time

DEFAULT_CAPACITY = 100_000
ECG_STRIPS_KEPT = 500  # ECG readings whose waveform is kept for their table row (~10 kB each)
MEAL_FIELD = "meal"
BEFORE_MEAL, AFTER_MEAL = 1.0, 2.0
NAN = math.nan

Key = tuple[str, int | None, str | None]
"""What makes a reading the same (``reading_key``)."""


@dataclass(frozen=True)
class Units:
    """The units the user chose: ``lbs``/``kg`` and ``fahrenheit``/``celsius``."""

    weight: str = "lbs"
    temperature: str = "fahrenheit"


@dataclass(frozen=True)
class Column:
    """One charted value: its field name, label for people, unit shown."""

    name: str
    label: str
    unit: str

    @property
    def title(self) -> str:
        """``Systolic (mmHg)``."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


def chart_columns(info: KindInfo, units: Units = Units()) -> list[Column]:
    """The charted fields of a kind, in the chosen units (ECG charts only its heart rate)."""
    columns = []
    for f in info.fields:
        if f.type not in ("int", "float") or f.name == "samplingFrequency":
            continue
        unit = f.unit
        if f.name == "weight":
            unit = units.weight
        elif f.name == "temperature":
            unit = "°C" if units.temperature == "celsius" else "°F"
        columns.append(Column(f.name, f.label, unit))
    return columns


@dataclass
class Snapshot:
    """What one redraw shows: times (s since the epoch, ascending) and values per column.

    Attributes:
        t: Reading times.
        values: Column name to values (NaN where absent), same length as ``t``.
        columns: The columns, in order, with the units shown.
        meal: For glucose: 1 before a meal, 2 after, NaN unknown; else None.
        epoch: Changes when points were reordered or forgotten (not only appended or dropped
            from the old end): two snapshots of one epoch differ only by points dropped at
            the start and appended at the end.
        first: How many points of this epoch came before ``t[0]`` (dropped from the start).
    """

    t: FloatArray
    values: dict[str, FloatArray]
    columns: list[Column]
    meal: FloatArray | None = None
    epoch: int = 0
    first: int = 0

    def __len__(self) -> int:
        return len(self.t)

    def nearest(self, x: float) -> int | None:
        """The index of the reading nearest in time to ``x``, or None when empty."""
        n = len(self.t)
        if n == 0:
            return None
        i = int(np.searchsorted(self.t, x))
        if i <= 0:
            return 0
        if i >= n:
            return n - 1
        return i if self.t[i] - x < x - self.t[i - 1] else i - 1


def _timestamp(reading: Reading) -> float | None:
    stamp = reading.readingTimestamp
    if stamp is None:
        return None
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()


@dataclass
class KindSeries:
    """The readings of one kind for the selected patient, in ring buffers.

    Attributes:
        kind: The reading kind.
        capacity: Points kept per field (the oldest fall off).
        latest_ecg: The newest ECG reading (for its waveform); None for other kinds.
    """

    kind: ReadingKind
    capacity: int = DEFAULT_CAPACITY
    latest_ecg: Reading | None = None
    latest_ecg_changed: bool = False
    _buffers: dict[str, RingBuffer] = field(default_factory=dict)
    # The keys of the points in the buffers, for de-duplication: a key ring beside the buffers
    # (same length, same order), so a key goes when its point falls off. A set of every key
    # ever seen grew by about 100 bytes a reading, without bound, under a live load.
    _keys: set[Key] = field(default_factory=set)
    _key_ring: list[Key] = field(default_factory=list)
    _key_next: int = 0
    _last_t: float = -math.inf
    _ordered: bool = True
    _epoch: int = 0
    _added: int = 0  # points added in this epoch (the ring drops the oldest beyond capacity)
    _cache: Snapshot | None = None
    _cache_units: Units | None = None
    _strips: OrderedDict[float, Reading] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self.info = READING_KINDS[self.kind]
        names = [c.name for c in chart_columns(self.info)]
        if self.kind is ReadingKind.BLOOD_GLUCOSE:
            names.append(MEAL_FIELD)
        self._buffers = {name: RingBuffer(self.capacity) for name in names}

    def __len__(self) -> int:
        return len(next(iter(self._buffers.values())))

    @property
    def dirty(self) -> bool:
        """Whether points arrived since the last snapshot."""
        return any(b.dirty for b in self._buffers.values()) or self.latest_ecg_changed

    def clear(self) -> None:
        """Forgets every reading (another patient was chosen)."""
        for buffer in self._buffers.values():
            buffer.clear()
        self._keys.clear()
        self._key_ring, self._key_next = [], 0
        self._last_t, self._ordered = -math.inf, True
        self._epoch, self._added = self._epoch + 1, 0
        self.latest_ecg, self.latest_ecg_changed = None, True
        self._strips.clear()
        self._cache = None

    def ecg_at(self, t: float) -> Reading | None:
        """The ECG reading of time ``t`` (a table row's), if its waveform is still kept."""
        return self._strips.get(t)

    def _row(self, reading: Reading) -> dict[str, float]:
        row: dict[str, float] = {}
        for name in self._buffers:
            if name == MEAL_FIELD:
                before, after = reading.value("beforeMeal"), reading.value("afterMeal")
                row[name] = BEFORE_MEAL if before else AFTER_MEAL if after else NAN
                continue
            value = reading.value(name)
            if not isinstance(value, int | float) or isinstance(value, bool):
                row[name] = NAN
            elif name == "temperature":
                unit = reading.value("temperatureUnit")
                row[name] = temperature_in(float(value), unit, "fahrenheit")
            else:
                row[name] = float(value)
        return row

    def add(self, readings: Iterable[Reading]) -> int:
        """Adds the readings not seen before (by ``reading_key``); returns how many were new."""
        times: list[float] = []
        rows: list[dict[str, float]] = []
        for reading in readings:
            key = reading_key(self.kind, reading)
            t = _timestamp(reading)
            if t is None or key in self._keys:
                continue
            self._remember(key)
            times.append(t)
            rows.append(self._row(reading))
            if self.kind is ReadingKind.ECG and reading.value("samples"):
                self._strips[t] = reading  # the newest kept, the oldest forgotten
                if len(self._strips) > ECG_STRIPS_KEPT:
                    self._strips.popitem(last=False)
                latest = self.latest_ecg
                if latest is None or t >= (_timestamp(latest) or 0.0):
                    self.latest_ecg, self.latest_ecg_changed = reading, True
        if not times:
            return 0
        t_array = np.asarray(times, dtype=np.float64)
        for name, buffer in self._buffers.items():
            buffer.extend(t_array, np.fromiter((r[name] for r in rows), np.float64, len(rows)))
        if self._ordered and (t_array[0] < self._last_t or np.any(np.diff(t_array) < 0)):
            self._ordered = False
        self._last_t = max(self._last_t, float(t_array.max()))
        self._added += len(times)
        return len(times)

    def _remember(self, key: Key) -> None:
        """Keeps ``key`` for the point about to be appended; forgets the one it pushes out."""
        self._keys.add(key)
        if len(self._key_ring) < self.capacity:
            self._key_ring.append(key)
            return
        self._keys.discard(self._key_ring[self._key_next])
        self._key_ring[self._key_next] = key
        self._key_next = (self._key_next + 1) % self.capacity

    def _keys_in_order(self) -> list[Key]:
        """The keys oldest first: the order of the buffers' ``view()``."""
        ring, start = self._key_ring, self._key_next
        return ring[start:] + ring[:start] if start else list(ring)

    def _sort(self) -> None:
        """Puts the buffers in time order again (after history arrived behind live points)."""
        t, _ = next(iter(self._buffers.values())).view()
        order = np.argsort(t, kind="stable")
        for buffer in self._buffers.values():
            bt, by = buffer.view()
            bt, by = bt[order], by[order]
            buffer.clear()
            buffer.extend(bt, by)
        keys = self._keys_in_order()
        self._key_ring, self._key_next = [keys[i] for i in order.tolist()], 0
        self._ordered = True
        self._epoch, self._added = self._epoch + 1, len(order)

    def snapshot(self, units: Units = Units()) -> Snapshot:
        """The points in time order and the chosen units; clears ``dirty``."""
        if self._cache is not None and not self.dirty and self._cache_units == units:
            return self._cache
        if not self._ordered:
            self._sort()
        t = np.empty(0)
        values: dict[str, FloatArray] = {}
        meal = None
        for name, buffer in self._buffers.items():
            bt, by = buffer.view()
            t = bt
            if name == MEAL_FIELD:
                meal = by
            else:
                values[name] = _convert(name, by, units)
            buffer.dirty = False
        self.latest_ecg_changed = False
        columns = chart_columns(self.info, units)
        first = self._added - len(t)
        self._cache = Snapshot(t, values, columns, meal, self._epoch, first)
        self._cache_units = units
        return self._cache


def _convert(name: str, values: FloatArray, units: Units) -> FloatArray:
    if name == "weight" and units.weight == "kg":
        return values / LBS_PER_KG
    if name == "temperature" and units.temperature == "celsius":
        return (values - 32.0) * (5.0 / 9.0)
    return values


def format_time(t: float) -> str:
    """A reading time for files (CSV): ISO 8601 with its offset, to the second."""
    return file_time(t)


def format_value(value: float, unit: str = "") -> str:
    """A value for people and CSV: empty when absent, else its unit's decimals."""
    return format_number(value, unit)


def meal_text(value: float | None) -> str:
    """``before meal``, ``after meal`` or empty."""
    if value == BEFORE_MEAL:
        return "before meal"
    if value == AFTER_MEAL:
        return "after meal"
    return ""


def csv_rows(snapshot: Snapshot) -> list[list[str]]:
    """The snapshot as CSV rows, header first, oldest reading first."""
    header = ["time (ISO 8601)", *(c.title for c in snapshot.columns)]
    if snapshot.meal is not None:
        header.append("meal")
    rows = [header]
    for i in range(len(snapshot.t)):
        row = [format_time(float(snapshot.t[i]))]
        row += [format_value(float(snapshot.values[c.name][i]), c.unit) for c in snapshot.columns]
        if snapshot.meal is not None:
            row.append(meal_text(float(snapshot.meal[i])))
        rows.append(row)
    return rows
