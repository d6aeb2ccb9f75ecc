"""Request bodies per reading kind, built from the contract's value fields.

The models give the OpenAPI schema its field types; ranges come from
``contract.validate_values`` after parsing, so that forms and the server agree.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    create_model,
)

from impilo_desk.contract import KindInfo, Reading, ReadingKind, ValueField
from impilo_desk.contract.values import CELSIUS_RANGE
from impilo_desk.sandbox.common import When

MAX_SAMPLES = 200_000
SAMPLE_LIMIT = 1_000_000  # µV; ASSUMPTION: far beyond any real ECG lead (a few mV)
MAX_OFFSET_S = 18 * 3600
JSON_SAFE_MAX = 2**53 - 1


def _json_number(value: Any) -> Any:
    """A JSON number only: pydantic would also take ``true`` or ``"5"`` for 1 and 5."""
    if isinstance(value, bool | str):
        raise ValueError("give a number")
    return value


def whole(low: int | None = None, high: int | None = None) -> Any:
    """A JSON integer (``82.0`` too, as JSON Schema's ``integer`` allows), in ``[low, high]``.

    The bounds come before the validator: after it, pydantic writes them as ``ge``/``le``,
    which JSON Schema does not know.
    """
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(_json_number)]


Whole = whole()
Number = Annotated[float, BeforeValidator(_json_number)]
Id = whole(1, JSON_SAFE_MAX)
"""An id in a body: JSON numbers above 2**53 do not survive clients that parse them as doubles
(schemathesis itself sent 2**63 + 192 for "at most 2**63 - 1")."""
Sample = whole(-SAMPLE_LIMIT, SAMPLE_LIMIT)


def _value_type(f: ValueField) -> Any:
    # Strict: JSON's types as the schema says them (not 0 for false, nor "5" for 5).
    match f.type:
        case "float":
            return Number
        case "bool":
            return StrictBool
        case "str":
            return Literal[f.choices] if f.choices else Annotated[StrictStr, Field(max_length=200)]
        case "samples":
            return Annotated[list[Sample], Field(max_length=MAX_SAMPLES)]  # type: ignore[valid-type]  # Sample is built at run time (whole())
    return Whole


def _bounds(info: KindInfo, f: ValueField) -> dict[str, Any] | None:
    """The range ``validate_values`` enforces, for the schema (a temperature's: the model's)."""
    if f.low is None or f.high is None or info.kind is ReadingKind.TEMPERATURE:
        return None
    return {"minimum": f.low, "maximum": f.high}


def _value_fields(info: KindInfo) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for f in info.fields:
        typ = _value_type(f)
        unit = f" ({f.unit})" if f.unit else ""
        extra = _bounds(info, f)
        if f.required:
            about = f"{f.label}{unit}, required."
            fields[f.name] = (typ, Field(description=about, json_schema_extra=extra))
        else:
            about = f"{f.label}{unit}."
            fields[f.name] = (
                typ | None,
                Field(default=None, description=about, json_schema_extra=extra),
            )
    return fields


SOURCE_NAMES = ("deviceId", "deviceIdentifier", "patientId")
ONE_SOURCE: dict[str, Any] = {
    "oneOf": [
        {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
        for name in SOURCE_NAMES
    ]
}
"""Exactly one of the three, not null (the server answers 400 otherwise)."""


def _temperature_by_unit(info: KindInfo) -> dict[str, Any]:
    """A temperature's range depends on its unit (``contract.values``)."""
    if info.kind is not ReadingKind.TEMPERATURE:
        return {}
    f = info.field("temperature")
    ranges = {"fahrenheit": (f.low, f.high), "celsius": CELSIUS_RANGE}
    return {
        "anyOf": [
            {
                "properties": {
                    "temperatureUnit": {"const": unit},
                    "temperature": {"minimum": low, "maximum": high},
                }
            }
            for unit, (low, high) in ranges.items()
        ]
    }


def _base(name: str, extra: dict[str, Any]) -> type[BaseModel]:
    """A tolerant base whose schema carries ``extra`` (rules across fields)."""
    config = ConfigDict(extra="ignore", json_schema_extra=extra or None)
    return type(name + "Rules", (_Tolerant,), {"model_config": config})


def extra_names(info: KindInfo) -> list[str]:
    """Fields of a kind's model that are neither common, value nor unit fields (``bedTime``)."""
    known = set(Reading.model_fields) | {f.name for f in info.fields}
    return [n for n in info.model.model_fields if n not in known and not n.endswith("Unit")]


def _extra_fields(info: KindInfo) -> dict[str, Any]:
    return {
        name: (info.model.model_fields[name].annotation, Field(default=None))
        for name in extra_names(info)
    }


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore")


def record_model(info: KindInfo) -> type[BaseModel]:
    """Body of ``POST /api/v3/<kind>-reading``."""
    name = "Record" + info.label.title().replace(" ", "") + "Request"
    model: type[BaseModel] = create_model(
        name,
        __base__=_base(name, {**ONE_SOURCE, **_temperature_by_unit(info)}),
        deviceId=(Id | None, None),
        deviceIdentifier=(StrictStr | None, Field(default=None, min_length=1, max_length=200)),
        patientId=(Id | None, None),
        readingTimestamp=(When, Field(description="When it was taken (UTC).")),
        manual=(StrictBool | None, None),
        deviceTimeZoneOffset=(
            whole(-MAX_OFFSET_S, MAX_OFFSET_S) | None,
            Field(default=None, description="Seconds."),
        ),
        **_value_fields(info),
        **_extra_fields(info),
    )
    return model


def fire_model(info: KindInfo) -> type[BaseModel]:
    """Body of ``POST /api/v3/test/<kind>-webhook``."""
    name = "Test" + info.label.title().replace(" ", "") + "Request"
    model: type[BaseModel] = create_model(
        name,
        __base__=_base(name, _temperature_by_unit(info)),
        patientId=(Id, Field(description="The patient (must exist).")),
        readingTimestamp=(When | None, Field(default=None, description="Default: now.")),
        **_value_fields(info),
        **_extra_fields(info),
    )
    return model
