"""Test endpoints: ``POST /api/v3/test/<kind>-webhook`` fires a real, logged delivery."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from impilo_desk.contract import API_PREFIX, READING_KINDS, Envelope, KindInfo
from impilo_desk.sandbox.common import ASSUMED, SandboxDep, json_response, time_ms
from impilo_desk.sandbox.openapi import answers
from impilo_desk.sandbox.recording import fire_test_event
from impilo_desk.sandbox.routes.reading_models import extra_names, fire_model
from impilo_desk.sandbox.routes.readings import check_values
from impilo_desk.sandbox.timeutil import now_ms

router = APIRouter(tags=["test events"])


def _add_route(info: KindInfo) -> None:
    model = fire_model(info)
    value_names = [f.name for f in info.fields]
    extras = extra_names(info)

    async def fire(body: BaseModel, sandbox: SandboxDep) -> Response:
        data = body.model_dump()
        values = {k: data.get(k) for k in value_names}
        check_values(info, values)
        when = data.get("readingTimestamp")
        envelope, log_ids = await sandbox.db.write(
            fire_test_event,
            info.kind,
            data["patientId"],
            reading_ms=now_ms() if when is None else (time_ms(when, "readingTimestamp") or 0),
            values={**values, **{e: data.get(e) for e in extras}},
        )
        sandbox.deliveries.notify(log_ids)
        return json_response(envelope)

    fire.__annotations__["body"] = model  # the body's model is built per kind at run time
    documented = info.kind.value == "blood-pressure"
    router.add_api_route(
        info.test_path.removeprefix(API_PREFIX),
        fire,
        methods=["POST"],
        response_model=Envelope,
        summary=f"Fire a test {info.webhook_type} event",
        responses=answers({404: "No such patient."}),
        description=f"Sends a {info.webhook_type} event for the patient to every webhook of "
        "that type, delivered and logged like any other delivery (with retries). "
        + ("The path and body are documented. " if documented else "")
        + ASSUMED
        + ("" if documented else "the path and body follow the blood-pressure pattern; ")
        + "the answer is 200 with the envelope that was sent; the reading is not stored; "
        "an unknown patient is 404; values outside plausible ranges are 400.",
        operation_id=f"fire_{info.kind.value}_test",
    )


for _info in READING_KINDS.values():
    if _info.has_test_endpoint:
        _add_route(_info)
