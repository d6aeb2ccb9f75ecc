"""Readings of every kind: list, get by id, record (which fires the ``reading.*`` webhook)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from impilo_desk.contract import API_PREFIX, READING_KINDS, KindInfo, Page, validate_values
from impilo_desk.sandbox.common import (
    ASSUMED,
    Id,
    PagingDep,
    SandboxDep,
    Text,
    When,
    json_response,
    not_found,
    page_response,
    path_id,
    require,
    time_ms,
)
from impilo_desk.sandbox.errors import ApiProblem
from impilo_desk.sandbox.openapi import answers
from impilo_desk.sandbox.recording import Source, record
from impilo_desk.sandbox.routes.reading_models import extra_names, record_model
from impilo_desk.sandbox.store import readings as store
from impilo_desk.sandbox.store.readings import ReadingQuery

router = APIRouter(tags=["readings"])

ReadingId = Annotated[int, path_id("readingId")]


def _assumption(info: KindInfo) -> str:
    notes = []
    if not info.documented:
        notes.append(f"the path {info.path} is inferred from the blood-glucose pattern")
    if info.kind.value in ("ecg", "peak-flow"):
        notes.append("the reading's schema is not public; this one is ours")
    return (ASSUMED + "; ".join(notes) + ". ") if notes else ""


def check_values(info: KindInfo, values: dict[str, Any]) -> None:
    """400 with every field's message when values are out of range or of the wrong type."""
    errors = validate_values(info, values)
    if errors:
        raise ApiProblem(400, "Invalid reading: " + " ".join(errors.values()))


def _add_routes(info: KindInfo) -> None:
    label = info.label.lower()
    model = record_model(info)
    value_names = [f.name for f in info.fields]
    extras = extra_names(info)
    path = info.path.removeprefix(API_PREFIX)

    async def list_readings(
        sandbox: SandboxDep,
        paging: PagingDep,
        patient_id: Annotated[Id | None, Query(alias="patientId")] = None,
        external_identifier: Annotated[Text, Query(alias="externalIdentifier")] = None,
        external_id: Annotated[Text, Query(alias="externalId")] = None,
        start: Annotated[When | None, Query(alias="startTimestamp")] = None,
        end: Annotated[When | None, Query(alias="endTimestamp")] = None,
    ) -> Response:
        query = ReadingQuery(
            info.kind,
            patient_id=patient_id,
            external_identifier=external_identifier or external_id,
            start=time_ms(start, "startTimestamp"),
            end=time_ms(end, "endTimestamp"),
        )
        return await page_response(sandbox, paging, store.page, query)

    async def get_reading(reading_id: ReadingId, sandbox: SandboxDep) -> Response:
        reading = await sandbox.db.read(store.get, info.kind, reading_id)
        return json_response(require(reading, not_found(f"{info.label} reading", reading_id)))

    async def record_reading(body: BaseModel, sandbox: SandboxDep) -> Response:
        data = body.model_dump()
        given = [data[k] for k in ("deviceId", "deviceIdentifier", "patientId")]
        if sum(v is not None for v in given) != 1:
            raise ApiProblem(400, "Give exactly one of deviceId, deviceIdentifier or patientId.")
        values = {k: data.get(k) for k in value_names}
        check_values(info, values)
        reading, log_ids = await sandbox.db.write(
            record,
            info.kind,
            Source(*given),
            reading_ms=time_ms(data["readingTimestamp"], "readingTimestamp") or 0,
            manual=data.get("manual"),
            device_tz=data.get("deviceTimeZoneOffset"),
            values={
                k: v
                for k, v in {**values, **{e: data.get(e) for e in extras}}.items()
                if v is not None
            },
        )
        sandbox.deliveries.notify(log_ids)
        return json_response(reading)

    # The body's model is built per kind at run time; FastAPI reads it from the annotation.
    record_reading.__annotations__["body"] = model

    router.add_api_route(
        path,
        list_readings,
        methods=["GET"],
        response_model=Page[info.model],  # type: ignore[name-defined]  # model per kind
        summary=f"List {label} readings",
        description=f"{info.label} readings of all patients unless filtered, oldest first; "
        "startTimestamp inclusive, endTimestamp exclusive. externalId is accepted for "
        "externalIdentifier (the docs use both). "
        + _assumption(info)
        + ASSUMED
        + "the order and the bounds' inclusivity are not documented.",
        operation_id=f"list_{info.kind.value}_readings",
    )
    router.add_api_route(
        path + "/{readingId}",
        get_reading,
        methods=["GET"],
        response_model=info.model,
        summary=f"Get a {label} reading",
        description=_assumption(info) + "404 when there is no such reading.",
        operation_id=f"get_{info.kind.value}_reading",
    )
    router.add_api_route(
        path,
        record_reading,
        methods=["POST"],
        response_model=info.model,
        summary=f"Record a {label} reading",
        responses=answers({404: "No such patient or device."}),
        description="Needs exactly one of deviceId, deviceIdentifier or patientId "
        f"(documented) and fires {info.webhook_type} to every webhook of that type. "
        + _assumption(info)
        + ASSUMED
        + "values outside plausible ranges are 400; an unknown patient or device is 404.",
        operation_id=f"record_{info.kind.value}_reading",
    )


for _info in READING_KINDS.values():
    _add_routes(_info)
