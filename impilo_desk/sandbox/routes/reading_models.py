"""Request bodies per reading kind, built from the contract's value fields.

The models give the OpenAPI schema its field types; ranges come from
``contract.validate_values`` after parsing, so that forms and the server agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from impilo_desk.contract import KindInfo, Reading, ValueField
from impilo_desk.sandbox.common import INT64_MAX

MAX_SAMPLES = 200_000
SAMPLE_LIMIT = 1_000_000  # µV; ASSUMPTION: far beyond any real ECG lead (a few mV)
MAX_OFFSET_S = 18 * 3600

Sample = Annotated[int, Field(ge=-SAMPLE_LIMIT, le=SAMPLE_LIMIT)]


def _value_type(f: ValueField) -> Any:
    match f.type:
        case "float":
            return float
        case "bool":
            return bool
        case "str":
            return Literal[f.choices] if f.choices else Annotated[str, Field(max_length=200)]
        case "samples":
            return Annotated[list[Sample], Field(max_length=MAX_SAMPLES)]
    return int


def _value_fields(info: KindInfo) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for f in info.fields:
        typ = _value_type(f)
        unit = f" ({f.unit})" if f.unit else ""
        if f.required:
            fields[f.name] = (typ, Field(description=f"{f.label}{unit}, required."))
        else:
            fields[f.name] = (typ | None, Field(default=None, description=f"{f.label}{unit}."))
    return fields


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
        __base__=_Tolerant,
        deviceId=(int | None, Field(default=None, ge=1, le=INT64_MAX)),
        deviceIdentifier=(str | None, Field(default=None, min_length=1, max_length=200)),
        patientId=(int | None, Field(default=None, ge=1, le=INT64_MAX)),
        readingTimestamp=(datetime, Field(description="When it was taken (UTC).")),
        manual=(bool | None, None),
        deviceTimeZoneOffset=(
            int | None,
            Field(default=None, ge=-MAX_OFFSET_S, le=MAX_OFFSET_S, description="Seconds."),
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
        __base__=_Tolerant,
        patientId=(int, Field(ge=1, le=INT64_MAX, description="The patient (must exist).")),
        readingTimestamp=(datetime | None, Field(default=None, description="Default: now.")),
        **_value_fields(info),
        **_extra_fields(info),
    )
    return model
