"""The base every contract model shares: tolerant of what the real platform may add."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer


def format_timestamp(value: datetime) -> str:
    """Formats a time as Impilo does: ISO-8601 in UTC with a ``Z`` and milliseconds.

    A naive time is taken to be UTC already.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def utc(value: datetime) -> datetime:
    """Returns ``value`` as an aware UTC time (a naive one is taken to be UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


Timestamp = Annotated[
    datetime, PlainSerializer(format_timestamp, return_type=str, when_used="json")
]
"""A date-time field: parsed from any ISO-8601 form, written back as ``…Z``."""


class ImpiloModel(BaseModel):
    """Base of every object of the Impilo contract.

    Unknown fields are kept (the real platform may send more than the docs show) and fields are
    addressed by their JSON names, which are the Python names here too.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, ser_json_inf_nan="null")
