"""Pages of the local copy of the delivery log: the API's filters, filters it lacks, any sort.

The API's filters keep the API's meaning (``impilo-api.md`` §4.1, as the sandbox has them):
type and last status exact (a row without a status matches no status), retries bounds
inclusive, created from inclusive and before exclusive, last retry bounds inclusive (a row
never retried matches no bound). The filters only the copy has:

- webhook: its id;
- URL contains: case-insensitive, anywhere in the URL;
- patient: an id (digits), or words that begin the patient's first or last name;
- text: words that begin words of the payload (see :mod:`.text_index`).

Counting stops at :data:`COUNT_CAP` (the page says "more than 10,000"), so that a page costs
the same over a million rows as over a thousand. Everything here is synchronous: run it with
``asyncio.to_thread``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from impilo_desk.services.log_mirror.store import _record, to_ms
from impilo_desk.services.log_mirror.text_index import STATE_SQL
from impilo_desk.services.log_mirror.text_search import Index, keep, match_ids, questions

if TYPE_CHECKING:
    from impilo_desk.client import LogFilters
    from impilo_desk.contract import WebhookLog
    from impilo_desk.services.log_mirror.store import MirrorStore

COUNT_CAP = 10_000
SORT_COLUMNS = {
    "created": "create_ms",
    "webhook": "webhook_id",
    "type": "webhook_type",
    "url": "webhook_url",
    "status": "last_status",
    "retries": "retry_attempts",
    "last_retry": "last_retry_ms",
    "state": STATE_SQL,
}
"""Sortable columns; ``state`` sorts by outcome: pending, delivered first time, delivered
after retries, retrying, failed for good. Ties go by create time, then id; a missing value
sorts below every other (first ascending, last descending)."""
_COLUMNS = (
    "id, webhook_id, webhook_type, webhook_url, payload, create_ms, last_status, "
    "retry_attempts, last_retry_ms"
)


@dataclass(frozen=True)
class LocalFilters:
    """The filters only the local copy has (None or empty: no filter).

    Attributes:
        webhook_id: Only this webhook's deliveries.
        url_contains: Only URLs with this text (any case).
        patient: A patient id (digits) or words of the patient's name.
        text: Words of the payload.
    """

    webhook_id: int | None = None
    url_contains: str | None = None
    patient: str | None = None
    text: str | None = None

    def any(self) -> bool:
        """Whether any filter is set."""
        return any(v not in (None, "") for v in (self.webhook_id, self.url_contains,
                                                  self.patient, self.text))  # fmt: skip

    def patient_id(self) -> int | None:
        """The patient filter as an id, when it is one."""
        value = (self.patient or "").strip()
        return int(value) if value.isascii() and value.isdigit() else None


@dataclass(frozen=True)
class LogSort:
    """The order of the rows: a column of :data:`SORT_COLUMNS`, newest/highest first or not."""

    column: str = "created"
    descending: bool = True

    def is_default(self) -> bool:
        """Impilo's own order (newest first), the only one the API has."""
        return self.column == "created" and self.descending


@dataclass(frozen=True)
class LocalPage:
    """A page of the local copy.

    Attributes:
        rows: The page's records, in order.
        total: Matching rows, or :data:`COUNT_CAP` when ``capped``.
        capped: There are more than ``total`` matches (counting stopped).
    """

    rows: list[WebhookLog]
    total: int
    capped: bool


SORT_INDEX = {
    "created": "logs_by_time",
    "webhook": "logs_by_hook",
    "type": "logs_by_type",
    "url": "logs_by_url",
    "status": "logs_by_status",
    "retries": "logs_by_retries",
    "last_retry": "logs_by_last_retry",
    "state": "logs_by_state",
}


def search(
    store: MirrorStore,
    filters: LogFilters | None,
    local: LocalFilters | None = None,
    sort: LogSort | None = None,
    page: int = 1,
    size: int = 15,
) -> LocalPage:
    """One page (1-based) of the rows that match, in ``sort`` order, and how many match.

    The count comes first (it stops at the cap). Up to the cap, the matches are found through
    the most selective index and sorted; past it they are dense enough that walking the sort
    column's index finds a page soon, so that is how they are read.
    """
    local = local or LocalFilters()
    sort = sort or LogSort()
    where, args = _conditions(store, filters, local)
    if where is None:
        return LocalPage([], 0, False)
    texts = questions(store, local)
    if texts is None:  # a word no row has
        return LocalPage([], 0, False)
    if texts:
        return _search_text(store, where, args, texts, sort, page, size)
    where_sql = " WHERE " + " AND ".join(where) if where else ""
    counted = store.query(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM logs{where_sql} LIMIT ?)",  # noqa: S608 - fixed fragments
        [*args, COUNT_CAP + 1],
    )[0][0]
    capped = counted > COUNT_CAP
    offset = (max(1, page) - 1) * size
    if not counted or (not capped and offset >= counted):
        return LocalPage([], counted, False)
    key, way, order = _order(sort)
    if capped:  # dense: walk the sort order
        ids_sql = (
            f"SELECT id FROM logs INDEXED BY {SORT_INDEX[sort.column]}{where_sql} ORDER BY {order}"  # noqa: S608 - fixed fragments
        )
    else:  # few: find them, then sort them (the "+" keeps the sort index out of it)
        ids_sql = (
            f"SELECT id FROM logs{where_sql} ORDER BY +{key} {way}, +create_ms {way}, +id {way}"  # noqa: S608 - fixed fragments
        )
    rows = store.query(
        f"SELECT {_COLUMNS} FROM logs WHERE id IN ({ids_sql} LIMIT ? OFFSET ?) ORDER BY {order}",  # noqa: S608 - fixed fragments
        [*args, size, offset],
    )
    return LocalPage([_record(r) for r in rows], COUNT_CAP if capped else counted, capped)


def _order(sort: LogSort) -> tuple[str, str, str]:
    """The sort key, its direction, and the whole ORDER BY (ties: create time, then id)."""
    key = SORT_COLUMNS[sort.column]
    way = "DESC" if sort.descending else "ASC"
    return key, way, f"{key} {way}, create_ms {way}, id {way}"


def _search_text(
    store: MirrorStore,
    where: list[str],
    args: list[Any],
    texts: list[Index],
    sort: LogSort,
    page: int,
    size: int,
) -> LocalPage:
    """:func:`search` with full-text filters: each index is read once per page, in spans.

    The matches are found in row id order from the smallest set (an index's, by its terms'
    row counts, or the other filters'), checked against the rest span by span, up to one past
    the cap. Up to the cap those are the matches, sorted for the page; past it, the sort
    index is walked in growing batches, each batch checked the same way.
    """
    ids = match_ids(store, where, args, texts, COUNT_CAP)
    counted = len(ids)
    capped = counted > COUNT_CAP
    offset = (max(1, page) - 1) * size
    if not counted or (not capped and offset >= counted):
        return LocalPage([], counted, False)
    key, way, order = _order(sort)
    if capped:  # dense: walk the sort order, a batch of rows at a time
        ids = _dense_ids(store, where, args, texts, sort, offset + size)[offset:]
        if not ids:
            return LocalPage([], COUNT_CAP, True)
        page_sql = "SELECT value FROM json_each(?)"
        offset = 0
    else:  # the matches are known: sort them
        page_sql = (
            "SELECT id FROM logs WHERE id IN (SELECT value FROM json_each(?)) "  # noqa: S608 - fixed names
            f"ORDER BY +{key} {way}, +create_ms {way}, +id {way}"
        )
    rows = store.query(
        f"SELECT {_COLUMNS} FROM logs WHERE id IN ({page_sql} LIMIT ? OFFSET ?) ORDER BY {order}",  # noqa: S608 - fixed fragments
        [json.dumps(ids), size, offset],
    )
    return LocalPage([_record(r) for r in rows], COUNT_CAP if capped else counted, capped)


_FIRST_BATCH = 256


def _dense_ids(
    store: MirrorStore,
    where: list[str],
    args: list[Any],
    texts: list[Index],
    sort: LogSort,
    wanted: int,
) -> list[int]:
    """The first ``wanted`` matches in sort order, when matches are many (past the cap)."""
    _, _, order = _order(sort)
    where_sql = " WHERE " + " AND ".join(where) if where else ""
    walk = f"SELECT id FROM logs INDEXED BY {SORT_INDEX[sort.column]}{where_sql} ORDER BY {order} LIMIT ? OFFSET ?"  # noqa: S608, E501 - fixed fragments
    found: list[int] = []
    read, batch = 0, _FIRST_BATCH
    while len(found) < wanted:
        rows = [r[0] for r in store.query(walk, [*args, batch, read])]
        if not rows:
            break
        read += len(rows)
        kept = set(keep(store, [], [], texts, sorted(rows)))
        found.extend(i for i in rows if i in kept)
        batch *= 4
    return found[:wanted]


def _conditions(
    store: MirrorStore, filters: LogFilters | None, local: LocalFilters
) -> tuple[list[str] | None, list[Any]]:
    """The SQL conditions and their values; None when nothing can match (no URL does)."""
    parts: list[str] = []
    args: list[Any] = []

    def add(sql: str, value: Any) -> None:
        if value is not None:
            parts.append(sql)
            args.append(value)

    if filters is not None:
        add("webhook_type = ?", filters.webhook_type or None)
        add("retry_attempts >= ?", filters.retry_attempts_min)
        add("retry_attempts <= ?", filters.retry_attempts_max)
        add("last_status = ?", filters.last_response_status)
        for sql, value in (
            ("last_retry_ms >= ?", filters.start_last_retry),
            ("last_retry_ms <= ?", filters.end_last_retry),
            ("create_ms >= ?", filters.start),
            ("create_ms < ?", filters.end),
        ):
            add(sql, None if value is None else to_ms(value))
    add("webhook_id = ?", local.webhook_id)
    add("patient_id = ?", local.patient_id())
    if local.url_contains:
        urls = [u for u in distinct_urls(store) if local.url_contains.lower() in u.lower()]
        if not urls:
            return None, []
        parts.append(f"webhook_url IN ({','.join('?' * len(urls))})")
        args.extend(urls)
    return parts, args


def distinct_urls(store: MirrorStore) -> list[str]:
    """Every webhook URL held, one step of the URL index per URL (not a scan of the rows)."""
    rows = store.query(
        "WITH RECURSIVE u(url) AS (SELECT MIN(webhook_url) FROM logs UNION ALL "
        "SELECT (SELECT MIN(webhook_url) FROM logs WHERE webhook_url > u.url) FROM u "
        "WHERE u.url IS NOT NULL) SELECT url FROM u WHERE url IS NOT NULL"
    )
    return [r[0] for r in rows]
