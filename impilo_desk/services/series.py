"""Chart data without Qt: preallocated ring buffers, unit conversions, readings to points.

The Readings tab appends every point here as it arrives and redraws from these arrays on a timer,
so a burst of readings costs an array write each, not a repaint each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from impilo_desk.contract import KindInfo, Reading, ReadingKind

FloatArray = npt.NDArray[np.float64]

LBS_PER_KG = 2.2046226218


def lbs_to_kg(pounds: float) -> float:
    """Pounds to kilograms."""
    return pounds / LBS_PER_KG


def fahrenheit_to_celsius(value: float) -> float:
    """Degrees Fahrenheit to Celsius."""
    return (value - 32.0) * 5.0 / 9.0


def celsius_to_fahrenheit(value: float) -> float:
    """Degrees Celsius to Fahrenheit."""
    return value * 9.0 / 5.0 + 32.0


def temperature_in(value: float, unit: str | None, wanted: str) -> float:
    """A temperature in the ``wanted`` unit (``fahrenheit`` or ``celsius``)."""
    given = unit or "fahrenheit"
    if given == wanted:
        return value
    return fahrenheit_to_celsius(value) if wanted == "celsius" else celsius_to_fahrenheit(value)


@dataclass
class RingBuffer:
    """A fixed-capacity series of (time, value) points; the oldest fall off when full.

    Storage is allocated once. ``view()`` returns the points in time order without copying when
    the buffer has not wrapped, and with one copy when it has.

    Attributes:
        capacity: How many points it keeps.
        dirty: Set by every append; the chart clears it after a redraw.
    """

    capacity: int
    dirty: bool = False
    _t: FloatArray = field(init=False, repr=False)
    _y: FloatArray = field(init=False, repr=False)
    _next: int = field(default=0, init=False)
    _size: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._t = np.empty(self.capacity, dtype=np.float64)
        self._y = np.empty(self.capacity, dtype=np.float64)

    def __len__(self) -> int:
        return self._size

    def append(self, t: float, y: float) -> None:
        """Adds one point (``t`` in seconds since the epoch)."""
        self._t[self._next] = t
        self._y[self._next] = y
        self._next = (self._next + 1) % self.capacity
        self._size = min(self._size + 1, self.capacity)
        self.dirty = True

    def extend(self, t: FloatArray, y: FloatArray) -> None:
        """Adds many points at once (vectorised; keeps only the newest ``capacity``)."""
        n = len(t)
        if n == 0:
            return
        if n >= self.capacity:
            self._t[:] = t[-self.capacity :]
            self._y[:] = y[-self.capacity :]
            self._next, self._size = 0, self.capacity
        else:
            end = self._next + n
            if end <= self.capacity:
                self._t[self._next : end] = t
                self._y[self._next : end] = y
            else:
                split = self.capacity - self._next
                self._t[self._next :], self._t[: n - split] = t[:split], t[split:]
                self._y[self._next :], self._y[: n - split] = y[:split], y[split:]
            self._next = end % self.capacity
            self._size = min(self._size + n, self.capacity)
        self.dirty = True

    def clear(self) -> None:
        """Forgets every point."""
        self._next = self._size = 0
        self.dirty = True

    def view(self) -> tuple[FloatArray, FloatArray]:
        """The points, oldest first."""
        if self._size < self.capacity:
            return self._t[: self._size], self._y[: self._size]
        order = np.r_[self._next : self.capacity, 0 : self._next]
        return self._t[order], self._y[order]


def reading_points(info: KindInfo, reading: Reading) -> dict[str, float]:
    """The chartable values of a reading: field name to number (absent fields are left out)."""
    points: dict[str, float] = {}
    for f in info.fields:
        if f.type not in ("int", "float"):
            continue
        value = reading.value(f.name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            points[f.name] = float(value)
    return points


def ecg_waveform(reading: Reading) -> tuple[FloatArray, FloatArray]:
    """An ECG reading's samples against time in seconds from its first sample.

    ECG's schema is our assumption (design.md): ``samples`` in µV at ``samplingFrequency`` Hz.
    """
    samples = reading.value("samples") or []
    rate = reading.value("samplingFrequency") or 250
    y = np.asarray(samples, dtype=np.float64)
    return np.arange(len(y), dtype=np.float64) / float(rate), y


def reading_key(kind: ReadingKind, reading: Reading) -> tuple[str, int | None, str | None]:
    """What makes a reading the same whether it came from the relay or from polling."""
    stamp = reading.readingTimestamp.isoformat() if reading.readingTimestamp else None
    return (kind.value, reading.id, stamp if reading.id is None else None)
