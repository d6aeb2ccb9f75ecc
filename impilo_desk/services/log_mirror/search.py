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
the same over a million rows as over a thousand. A search reads one snapshot of the rows
(``store.snapshot()``), and leaves out the conditions every row held meets. Everything here is
synchronous: run it with ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from impilo_desk.services.log_mirror import presence
from impilo_desk.services.log_mirror.capped import enough
from impilo_desk.services.log_mirror.store import _record, to_ms
from impilo_desk.services.log_mirror.text_index import STATE_SQL
from impilo_desk.services.log_mirror.text_search import Index, keep, match_ids, questions

if TYPE_CHECKING:
    from datetime import datetime

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
    with store.snapshot():  # one view of the rows for the bounds, the count and the page
        return _search(store, filters, local or LocalFilters(), sort or LogSort(), page, size)


def _search(
    store: MirrorStore,
    filters: LogFilters | None,
    local: LocalFilters,
    sort: LogSort,
    page: int,
    size: int,
) -> LocalPage:
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
    the cap (a word and a name may tell sooner that they are past it: :mod:`.capped`). Up to
    the cap those are the matches, sorted for the page; past it, the sort index is walked in
    growing batches, each batch checked the same way (leaving out groups of a webhook, type
    or URL whose rows cannot hold a word: :mod:`.presence`).
    """
    # past the cap any matches tell the count: maybe found sooner than the first ones
    ids = enough(store, where, texts, COUNT_CAP + 1) or match_ids(
        store, where, args, texts, COUNT_CAP
    )
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
_MAX_BATCH = 65_536
"""The most rows of the sort index read and checked at a time (the growing batches stop
growing here): the ids of a batch are not sorted (a sort of 262,144 held the GIL for 20 ms)
and are written for SQLite a piece at a time (:func:`.probe.ids_json`)."""


def _dense_ids(
    store: MirrorStore,
    where: list[str],
    args: list[Any],
    texts: list[Index],
    sort: LogSort,
    wanted: int,
) -> list[int]:
    """The first ``wanted`` matches in sort order, when matches are many (past the cap).

    Sorted by a column of :data:`.presence.GROUPED`, the groups of its values whose rows
    cannot hold a word are not walked (:func:`.presence.groups`).
    """
    _, _, order = _order(sort)
    found: list[int] = []
    batch = _FIRST_BATCH
    for group, group_args in _groups(store, texts, sort):
        conditions = [group] if group else []
        where_sql = " WHERE " + " AND ".join(conditions + where) if conditions or where else ""
        walk = f"SELECT id FROM logs INDEXED BY {SORT_INDEX[sort.column]}{where_sql} ORDER BY {order} LIMIT ? OFFSET ?"  # noqa: S608, E501 - fixed fragments
        read = 0
        while len(found) < wanted:
            rows = [r[0] for r in store.query(walk, [*group_args, *args, batch, read])]
            if not rows:
                break
            read += len(rows)
            kept = set(keep(store, [], [], texts, rows))
            found.extend(i for i in rows if i in kept)
            batch = min(4 * batch, _MAX_BATCH)
        if len(found) >= wanted:
            break
    return found[:wanted]


def _groups(store: MirrorStore, texts: list[Index], sort: LogSort) -> list[tuple[str, list[Any]]]:
    """The parts of the sort order to walk, in order: each a condition and its values.

    One part (no condition) for every row, unless groups of the sort column's values can be
    told to hold no match: then each group that may, and the rows without a value (those are
    in no group of :mod:`.presence`: always walked; first ascending, last descending).
    """
    column = presence.GROUPED.get(sort.column)
    keys = [key for index in texts for key in index.keys]
    if column is None or not keys:
        return [("", [])]
    values = presence.groups(store, column, keys, sort.descending)
    parts = [(f"{column} = ?", [value]) for value in values]
    missing: tuple[str, list[Any]] = (f"{column} IS NULL", [])
    return [*parts, missing] if sort.descending else [missing, *parts]


def _conditions(
    store: MirrorStore, filters: LogFilters | None, local: LocalFilters
) -> tuple[list[str] | None, list[Any]]:
    """The SQL conditions and their values; None when nothing can match (no URL does).

    A condition that every row held meets is left out (it would remove no row): the tab's
    "Created from" is usually the start of the copy's window, and a full-text match checked
    against it row by row cost 1-2 µs a row. Run inside ``store.snapshot()``, so that no row
    comes in between that would not meet it.
    """
    parts: list[str] = []
    args: list[Any] = []
    held = _Held.of(store)

    def add(sql: str, value: Any, every_row: bool = False) -> None:
        if value is not None and not every_row:
            parts.append(sql)
            args.append(value)

    if filters is not None:
        add("webhook_type = ?", filters.webhook_type or None)
        low, high = filters.retry_attempts_min, filters.retry_attempts_max
        add("retry_attempts >= ?", low, low is not None and held.retries(lambda r: r >= low))
        add("retry_attempts <= ?", high, high is not None and held.retries(lambda r: r <= high))
        add("last_status = ?", filters.last_response_status)
        add("last_retry_ms >= ?", _ms(filters.start_last_retry))
        add("last_retry_ms <= ?", _ms(filters.end_last_retry))
        start, end = _ms(filters.start), _ms(filters.end)
        add("create_ms >= ?", start, start is not None and held.created(lambda c: c >= start))
        add("create_ms < ?", end, end is not None and held.created(lambda c: c < end))
    add("webhook_id = ?", local.webhook_id)
    add("patient_id = ?", local.patient_id())
    if local.url_contains:
        every = distinct_urls(store)
        urls = [u for u in every if local.url_contains.lower() in u.lower()]
        if not urls:
            return None, []
        if len(urls) < len(every) or held.url_missing:
            parts.append(f"webhook_url IN ({','.join('?' * len(urls))})")
            args.extend(urls)
    return parts, args


def _ms(value: datetime | None) -> int | None:
    return None if value is None else to_ms(value)


@dataclass(frozen=True)
class _Held:
    """The bounds of the rows held (each one step of an index): tells a condition every row meets.

    With no rows there are no bounds, and every condition is kept.
    """

    create: tuple[int, int] | None
    retries_range: tuple[int, int] | None
    url_missing: bool

    @staticmethod
    def of(store: MirrorStore) -> _Held:
        row = store.query(
            "SELECT (SELECT MIN(create_ms) FROM logs), (SELECT MAX(create_ms) FROM logs), "
            "(SELECT MIN(retry_attempts) FROM logs), (SELECT MAX(retry_attempts) FROM logs), "
            "EXISTS (SELECT 1 FROM logs WHERE webhook_url IS NULL)"
        )[0]
        create = None if row[0] is None else (int(row[0]), int(row[1]))
        retries = None if row[2] is None else (int(row[2]), int(row[3]))
        return _Held(create, retries, bool(row[4]))

    def created(self, meets: Callable[[int], bool]) -> bool:
        """Whether every row's create time meets the condition (true at both ends)."""
        return self.create is not None and all(meets(c) for c in self.create)

    def retries(self, meets: Callable[[int], bool]) -> bool:
        """Whether every row's retry count meets the condition."""
        return self.retries_range is not None and all(meets(r) for r in self.retries_range)


def distinct_urls(store: MirrorStore) -> list[str]:
    """Every webhook URL held, one step of the URL index per URL (not a scan of the rows)."""
    rows = store.query(
        "WITH RECURSIVE u(url) AS (SELECT MIN(webhook_url) FROM logs UNION ALL "
        "SELECT (SELECT MIN(webhook_url) FROM logs WHERE webhook_url > u.url) FROM u "
        "WHERE u.url IS NOT NULL) SELECT url FROM u WHERE url IS NOT NULL"
    )
    return [r[0] for r in rows]
