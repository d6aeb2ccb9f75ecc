"""One way to write a measured value for people: a fixed number of decimals per unit. Qt-free.

A column of weights reads ``72.5``, ``1000.0``, ``194.0``, never ``72.50``, ``1000`` and
``194`` side by side. Files (CSV) use the same text, so what is exported is what was seen.
"""

from __future__ import annotations

import math

UNIT_DECIMALS: dict[str, int] = {
    "lbs": 1,
    "kg": 1,
    "°F": 1,
    "°C": 1,
    "mmHg": 0,
    "bpm": 0,
    "mg/dL": 0,
    "%": 0,
    "L/min": 0,
    "Hz": 0,
    "/min": 0,
    "min": 0,
    "ms": 0,
}
"""Decimals shown per unit (scales and thermometers give tenths; the rest whole numbers)."""


def format_number(value: float | int | None, unit: str = "") -> str:
    """``value`` with its unit's decimals (see :data:`UNIT_DECIMALS`); empty when absent.

    A unit not listed gets no decimals for a whole number and two otherwise.
    """
    if value is None or isinstance(value, bool) or math.isnan(value):
        return ""
    decimals = UNIT_DECIMALS.get(unit)
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 2
    return f"{value:.{decimals}f}"
