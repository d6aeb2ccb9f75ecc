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

import bisect
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from impilo_desk.services.log_mirror.store import _record, to_ms
from impilo_desk.services.log_mirror.text_index import STATE_SQL, words

if TYPE_CHECKING:
    from impilo_desk.client import LogFilters
    from impilo_desk.contract import WebhookLog
    from impilo_desk.services.log_mirror.store import MirrorStore

COUNT_CAP = 10_000
TERMS = 64
"""A typed word that begins more terms than this is asked as FTS5's prefix query."""
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
    texts = _matches(store, local)
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


class _Index:
    """One full-text question, read in spans of row ids.

    A question of whole terms is read lazily: FTS5 reads a span of its rows in one pass (asked
    row by row it seeks each time, up to a millisecond for the newest rows). A prefix query
    makes FTS5 merge every matching term's rows before giving one, so it is read once.
    """

    def __init__(self, store: MirrorStore, table: str, query: str, docs: int | None) -> None:
        self.store, self.table, self.query = store, table, query
        self.size = COUNT_CAP * 1000 if docs is None else docs  # an estimate, for the plan
        self._all: list[int] | None = None
        self._max: int | None = None
        if docs is None:
            self._all = [r[0] for r in store.query(self._sql(" ORDER BY rowid"), [query])]
            self.size = len(self._all)

    def _sql(self, more: str) -> str:
        return f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH ?{more}"  # noqa: S608 - fixed names

    def within(self, low: int, high: int, ids: list[int]) -> set[int]:
        """Those of ``ids`` (from ``low`` to ``high``) it has.

        It reads the span, or, when the span holds far more of its rows than there are ids,
        asks row by row.
        """
        if self._all is not None:
            return set(
                self._all[bisect.bisect_left(self._all, low) : bisect.bisect_right(self._all, high)]
            )
        span = self.size * (high - low + 1) / max(1, self._top())
        if span > len(ids) * _SEEK_COST:
            sql = self._sql(" AND rowid = ?")
            return {i for i in ids if self.store.query(sql, [self.query, i])}
        # the "+" keeps the ids from being asked one by one: the span is read, checked in C
        sql = self._sql(" AND rowid BETWEEN ? AND ? AND +rowid IN (SELECT value FROM json_each(?))")
        return {r[0] for r in self.store.query(sql, [self.query, low, high, json.dumps(ids)])}

    def _top(self) -> int:
        if self._max is None:
            self._max = int(self.store.query("SELECT IFNULL(MAX(id), 1) FROM logs")[0][0])
        return self._max

    def after(self, last: int, count: int, where: list[str], args: list[Any]) -> list[int]:
        """Its next ``count`` rows after ``last`` (ascending) that the other filters have."""
        if self._all is not None:
            ids = self._all[bisect.bisect_right(self._all, last) :]
            if where:
                ids = _keep(self.store, where, args, [], ids[: count * 16])
            return ids[:count]
        sql = (
            f"SELECT logs.id FROM {self.table} CROSS JOIN logs ON logs.id = {self.table}.rowid "  # noqa: S608 - fixed names
            f"WHERE {self.table} MATCH ? AND {self.table}.rowid > ?"
            + "".join(f" AND {c}" for c in where)
            + f" ORDER BY {self.table}.rowid LIMIT ?"
        )
        return [r[0] for r in self.store.query(sql, [self.query, last, *args, count])]


def _search_text(
    store: MirrorStore,
    where: list[str],
    args: list[Any],
    texts: list[_Index],
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
    ids = _match_ids(store, where, args, texts)
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


def _keep(
    store: MirrorStore, where: list[str], args: list[Any], texts: list[_Index], ids: list[int]
) -> list[int]:
    """Those of ``ids`` (ascending) that every index and the other filters have."""
    if not ids:
        return []
    keep = set(ids)
    for index in texts:
        keep &= index.within(ids[0], ids[-1], ids)
    found = [i for i in ids if i in keep]
    if where and found:
        within = "SELECT id FROM logs WHERE id IN (SELECT value FROM json_each(?)) AND "
        sql = within + " AND ".join(where)
        passed = {r[0] for r in store.query(sql, [json.dumps(found), *args])}
        found = [i for i in found if i in passed]
    return found


def _match_ids(
    store: MirrorStore, where: list[str], args: list[Any], texts: list[_Index]
) -> list[int]:
    """The matches in row id order, up to one past the cap."""
    limit = COUNT_CAP + 1
    smallest = min(texts, key=lambda index: index.size)
    found: list[int] = []
    if where and smallest.size > _DRIVE:  # the other filters may be fewer
        where_sql = " WHERE " + " AND ".join(where)
        sql = f"SELECT id FROM logs{where_sql} LIMIT ?"  # noqa: S608 - fixed fragments
        others = store.query(f"SELECT COUNT(*) FROM ({sql})", [*args, limit])[0][0]  # noqa: S608
        if others <= COUNT_CAP and others < smallest.size:  # the other filters drive
            ids = sorted(r[0] for r in store.query(sql, [*args, limit]))
            for start in range(0, len(ids), _CHUNK):
                found += _keep(store, [], [], texts, ids[start : start + _CHUNK])
            return found
    rest = [index for index in texts if index is not smallest]
    last = -(2**63)
    while len(found) < limit:
        # alone, an index is read in one go; with others, in chunks each checked by them
        ids = smallest.after(last, _CHUNK if rest else limit - len(found), where, args)
        if not ids:
            break
        last = ids[-1]
        found += _keep(store, [], [], rest, ids)
    return found[:limit]


_CHUNK = 2000
_SEEK_COST = 2000
"""A seek of one row by id costs about as much as reading this many rows of a span (measured
on a million rows: 0.1-1 ms a seek, the newest rows dearest; under 0.1 µs a row of a span)."""
_DRIVE = 100_000
"""An index with fewer rows drives the count: joined to the rows by id, about 2 µs each."""
_FIRST_BATCH = 256


def _dense_ids(
    store: MirrorStore,
    where: list[str],
    args: list[Any],
    texts: list[_Index],
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
        keep = set(_keep(store, [], [], texts, sorted(rows)))
        found.extend(i for i in rows if i in keep)
        batch *= 4
    return found[:wanted]


def _bounded(store: MirrorStore, sql: str, args: list[Any]) -> int:
    """How many rows ``sql`` gives, counting no further than one past the cap."""
    return int(
        store.query(f"SELECT COUNT(*) FROM ({sql} LIMIT ?)", [*args, COUNT_CAP + 1])[0][0]  # noqa: S608 - fixed names
    )


def _matches(store: MirrorStore, local: LocalFilters) -> list[_Index] | None:
    """The full-text questions; None when a word begins no term of its index (no match)."""
    asked = []
    if local.text and words(local.text):
        asked.append(("logs_text", local.text))
    if local.patient and local.patient_id() is None and words(local.patient):
        asked.append(("logs_names", local.patient))
    found = []
    for table, text in asked:
        parts = []
        docs: int | None = COUNT_CAP * 1000
        for word in words(text):
            terms = expand(store, table, word)
            if terms is None:  # too many terms: FTS5's prefix query
                parts.append(f'"{word}"*')
                docs = None
            elif not terms:
                return None
            else:
                parts.append("(" + " OR ".join(f'"{t}"' for t, _ in terms) + ")")
                if docs is not None:  # a row has every word: at most the rarest's rows
                    docs = min(docs, sum(n for _, n in terms))
        found.append(_Index(store, table, " AND ".join(parts), docs))
    return found


def expand(store: MirrorStore, table: str, word: str) -> list[tuple[str, int]] | None:
    """The terms of ``table``'s index that begin with ``word``, with their row counts.

    None: more than :data:`TERMS` terms. Kept in the store while its file is unchanged (a new
    row may bring a new term).
    """
    version = (
        store.query("SELECT total_changes()")[0][0],
        store.query("PRAGMA data_version")[0][0],
    )
    if store.terms_cache_version != version:
        store.terms_cache.clear()
        store.terms_cache_version = version
    if (table, word) not in store.terms_cache:
        rows = store.query(
            f"SELECT term, doc FROM temp.{table}_terms WHERE term >= ? AND term < ? LIMIT ?",  # noqa: S608 - fixed names
            [word, word + "\U0010ffff", TERMS + 1],
        )
        terms = [(t, n) for t, n in rows if t.startswith(word)]
        store.terms_cache[(table, word)] = None if len(rows) > TERMS else terms
    return store.terms_cache[(table, word)]


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
