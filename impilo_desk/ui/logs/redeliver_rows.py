"""Where a redelivery's rows come from (every matching page), and one row as a curl POST."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from impilo_desk.client import LogFilters
    from impilo_desk.client.ports import LogsApi
    from impilo_desk.contract import WebhookLog
    from impilo_desk.services.event_store import RelayEvent

RECOVER_PAGE = 250
RECOVER_LIMIT = 10_000
"""At most this many matching rows are read for one recovery; more must be narrowed first."""


async def matching_rows(api: LogsApi | None, filters: LogFilters | None) -> list[WebhookLog]:
    """Every row matching ``filters`` (every page), checked against the filters here too.

    Impilo may ignore a filter; a row it returns that does not match is left out, so that a
    recovery never resends what the filters exclude.

    Raises:
        RedeliveryRefused: No client, or more than ``RECOVER_LIMIT`` rows match.
    """
    from impilo_desk.client.filters import matching_rows as filtered
    from impilo_desk.services.redelivery import RedeliveryRefused

    if api is None:
        raise RedeliveryRefused("Choose a profile first: redelivery needs its delivery log.")
    rows: list[WebhookLog] = []
    page = 1
    while True:
        result = await api.list_logs(filters, page=page, size=RECOVER_PAGE)
        rows.extend(result.content)
        if len(rows) > RECOVER_LIMIT:
            raise RedeliveryRefused(
                f"More than {RECOVER_LIMIT:,} deliveries match these filters; narrow them "
                "(for example by date) and recover in parts. Nothing was sent."
            )
        done = result.total is not None and len(rows) >= result.total
        if done or len(result.content) < RECOVER_PAGE:
            break
        page += 1
    return filtered(filters, rows)


def curl_of(row: WebhookLog, stored: Mapping[int, RelayEvent]) -> tuple[str, str]:
    """The curl POST that reproduces ``row``'s delivery, and the sentence saying it was copied.

    The body is the log's own when it is an envelope, else the relay's copy (``stored``).

    Raises:
        RedeliveryRefused: Neither exists (the sentence says why); no body is made up.
    """
    from impilo_desk.services.curl import delivery_curl_command
    from impilo_desk.services.redelivery import RedeliveryRefused, plan_logs

    plan = plan_logs([row], stored=stored)
    note = ""
    if plan.deliveries:
        delivery = plan.deliveries[0]
    elif plan.unsendable[0].alternative is not None:
        delivery = plan.unsendable[0].alternative
        note = " The log has no exact copy of the body: this is the copy the relay received."
    else:
        raise RedeliveryRefused(f"Log #{row.id} {plan.unsendable[0].reason}")
    text = delivery_curl_command(delivery.target, delivery.body, timeout_s=10)
    sentence = (
        f"Copied the POST of log #{row.id} as curl; it reads the secret from "
        f"$IMPILO_WEBHOOK_SECRET.{note}"
    )
    return text, sentence
