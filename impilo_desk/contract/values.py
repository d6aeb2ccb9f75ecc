"""Checks a reading's value fields against its kind's types and plausible ranges.

Forms (the Test events tab) and servers (the sandbox) both use it, so that they agree.
"""

from __future__ import annotations

from typing import Any

from impilo_desk.contract.readings import KindInfo, ReadingKind, ValueField


def validate_values(info: KindInfo, values: dict[str, Any]) -> dict[str, str]:
    """Checks value fields against a kind's types and plausible ranges.

    Args:
        info: The reading kind.
        values: Field name to value, as a form or a request body holds them.

    Returns:
        Field name to a one-line message for every field that is wrong; empty when all is well.
    """
    errors: dict[str, str] = {}
    for f in info.fields:
        value = values.get(f.name)
        if value is None or value == "":
            if f.required:
                errors[f.name] = f"{f.label} is required."
            continue
        if f.type == "bool":
            if not isinstance(value, bool):
                errors[f.name] = f"{f.label} must be true or false."
            continue
        if f.type == "str":
            if not isinstance(value, str):
                errors[f.name] = f"{f.label} must be text."
            elif f.choices and value not in f.choices:
                errors[f.name] = f"{f.label} must be one of: {', '.join(f.choices)}."
            continue
        if f.type == "samples":
            if not isinstance(value, list) or not all(
                isinstance(s, int) and not isinstance(s, bool) for s in value
            ):
                errors[f.name] = f"{f.label} must be a list of whole numbers (µV)."
            continue
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not numeric or (f.type == "int" and not float(value).is_integer()):
            kind = "a whole number" if f.type == "int" else "a number"
            errors[f.name] = f"{f.label} must be {kind}."
            continue
        low, high, unit = _range(info, f, values)
        if low is not None and high is not None and not low <= value <= high:
            errors[f.name] = f"{f.label} must be between {low:g} and {high:g}{unit}."
    return errors


CELSIUS_RANGE = (25.0, 45.0)


def _range(
    info: KindInfo, f: ValueField, values: dict[str, Any]
) -> tuple[float | None, float | None, str]:
    """The plausible range of a field; a temperature's depends on its unit."""
    if info.kind is ReadingKind.TEMPERATURE and values.get("temperatureUnit") == "celsius":
        return CELSIUS_RANGE[0], CELSIUS_RANGE[1], " °C"
    return f.low, f.high, f" {f.unit}" if f.unit else ""
