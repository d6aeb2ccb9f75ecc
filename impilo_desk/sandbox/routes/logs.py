"""The delivery log: ``GET /api/v3/webhook/logs`` with its ten query parameters.

Registered before ``/webhook/{webhookId}`` so that the literal ``logs`` wins.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from impilo_desk.contract import EVENT_TYPES, Page, WebhookLog
from impilo_desk.sandbox.common import (
    ASSUMED,
    INT64_MAX,
    PagingDep,
    SandboxDep,
    When,
    json_response,
    time_ms,
)
from impilo_desk.sandbox.delivery import NO_ANSWER
from impilo_desk.sandbox.routes.webhooks import check_type
from impilo_desk.sandbox.store import logs as store
from impilo_desk.sandbox.store.logs import LogQuery

router = APIRouter(tags=["webhook logs"])

Int = Annotated[int | None, Query(ge=-INT64_MAX, le=INT64_MAX)]
TYPES = sorted(EVENT_TYPES)  # any other webhookType is 400

DESCRIPTION = (
    "Past deliveries, newest first by createTimestamp (ASSUMPTION: the order is not "
    "documented). Filters (all optional, all combined with AND): webhookType; retryAttemptsMin "
    "and retryAttemptsMax (inclusive); lastResponseStatus (exact); startLastRetryTimestamp and "
    "endLastRetryTimestamp (both inclusive, ASSUMPTION); startTimestamp (inclusive, ASSUMPTION) "
    "and endTimestamp (exclusive, documented). Date-times are ISO-8601; without a zone they are "
    "taken as UTC. "
    + ASSUMED
    + "retryAttempts counts retries made (0..3) and lastRetryTimestamp is null until the first "
    f"retry; an attempt that got no HTTP answer is logged with lastResponseStatus {NO_ANSWER}; "
    "payload is the JSON text of the envelope that was sent."
)


@router.get(
    "/webhook/logs",
    response_model=Page[WebhookLog],
    summary="List webhook logs",
    description=DESCRIPTION,
)
async def list_logs(
    sandbox: SandboxDep,
    paging: PagingDep,
    webhook_type: Annotated[
        str | None,
        Query(alias="webhookType", max_length=200, json_schema_extra={"enum": TYPES}),
    ] = None,
    retry_attempts_min: Annotated[Int, Query(alias="retryAttemptsMin")] = None,
    retry_attempts_max: Annotated[Int, Query(alias="retryAttemptsMax")] = None,
    last_response_status: Annotated[Int, Query(alias="lastResponseStatus")] = None,
    start_last_retry: Annotated[When | None, Query(alias="startLastRetryTimestamp")] = None,
    end_last_retry: Annotated[When | None, Query(alias="endLastRetryTimestamp")] = None,
    start: Annotated[When | None, Query(alias="startTimestamp")] = None,
    end: Annotated[When | None, Query(alias="endTimestamp")] = None,
) -> Response:
    """Lists delivery log records."""
    if webhook_type is not None:
        check_type(webhook_type)
    query = LogQuery(
        webhook_type=webhook_type,
        retry_attempts_min=retry_attempts_min,
        retry_attempts_max=retry_attempts_max,
        last_response_status=last_response_status,
        start_last_retry=time_ms(start_last_retry, "startLastRetryTimestamp"),
        end_last_retry=time_ms(end_last_retry, "endLastRetryTimestamp"),
        start=time_ms(start, "startTimestamp"),
        end=time_ms(end, "endTimestamp"),
    )
    total = await sandbox.db.read(store.count, query)
    items = await sandbox.db.read(store.page, query, paging.offset, paging.size, total)
    return json_response(paging.envelope(items, total))
