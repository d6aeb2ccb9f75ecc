"""Which beginnings of payload words each webhook's, type's and URL's rows hold, to skip groups.

Past the count's cap, a text search's page is found by walking the sort column's index and
checking each row (``search._dense_ids``). Sorted by type, webhook or URL, whole groups can
lack the word: the patients' events hold no "reading" (the readings' type does), and were
each checked first, 240,000 rows at 7 µs for "reading" sorted by type (1.6 s a page).

``logs_presence`` keeps, for each value of these columns (``kind``: the column's name), the
:func:`key` of every term the payload index holds of those rows: its first letter when a
digit, else its first three letters. A term that begins with a typed word has one of the
keys that word allows, so a group without any of them holds no match and is skipped. The
keys of a row are those of its payload's terms as FTS5's own tokenizer makes them (the rows
are indexed into a scratch table of this connection, and its terms read), written with the
row, in its transaction. Nothing is ever removed (a pruned or changed row leaves its keys):
the table only ever says "may hold", so it is never wrong, only sometimes not tight. A row
whose column is NULL is in no group here: that group is always walked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from impilo_desk.services.log_mirror.store import MirrorStore

GROUPED = {"webhook": "webhook_id", "type": "webhook_type", "url": "webhook_url"}
"""The sort columns whose groups are told apart here (few values, often with their own kind of
payload), by sort name."""
TABLE_SQL = """
CREATE TABLE IF NOT EXISTS logs_presence (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    value NOT NULL,
    PRIMARY KEY (kind, key, value)
) WITHOUT ROWID
"""
_TOKENIZE = "unicode61 remove_diacritics 0"  # text_index.TOKENIZE (not imported: a cycle)
_COLUMNS = ", ".join(GROUPED.values())
_SCRATCH = (  # this connection's own: the rows being noted, a document per group of them
    f"CREATE TABLE IF NOT EXISTS temp.logs_presence_shapes (n INTEGER PRIMARY KEY, {_COLUMNS}, "
    "payloads TEXT)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.logs_presence_scratch USING fts5(payloads, "
    f"content='', detail='none', tokenize='{_TOKENIZE}')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.logs_presence_terms "
    "USING fts5vocab(temp, logs_presence_scratch, instance)",
)
_EMPTY = (
    "DELETE FROM temp.logs_presence_shapes",
    "INSERT INTO temp.logs_presence_scratch (logs_presence_scratch) VALUES ('delete-all')",
)
_SHAPES = (  # the payloads of the rows of each webhook, type and URL, a space between two
    f"INSERT INTO temp.logs_presence_shapes (n, {_COLUMNS}, payloads) "  # noqa: S608 - fixed
    f"SELECT row_number() OVER (), {_COLUMNS}, group_concat(payload, ' ') FROM logs "
    f"WHERE payload IS NOT NULL AND {{rows}} GROUP BY {_COLUMNS}"
)
_KEY_SQL = "CASE WHEN substr(term, 1, 1) BETWEEN '0' AND '9' THEN substr(term, 1, 1) ELSE substr(term, 1, 3) END"  # noqa: E501
_RECORD = (
    f"WITH k AS MATERIALIZED (SELECT DISTINCT doc, {_KEY_SQL} AS key "  # noqa: S608 - fixed
    "FROM temp.logs_presence_terms) INSERT OR IGNORE INTO logs_presence (kind, key, value) "
    + " UNION ".join(
        f"SELECT '{column}', k.key, s.{column} FROM k JOIN temp.logs_presence_shapes AS s "  # noqa: S608 - fixed names
        f"ON s.n = k.doc WHERE s.{column} IS NOT NULL"
        for column in GROUPED.values()
    )
)
_CHUNK = 500  # ids a statement (SQLite allows at least 999 parameters)
_FILL = 20_000  # ids at a time when every row is noted again


def key(term: str) -> str:
    """What ``logs_presence`` keeps of a term (as ``_KEY_SQL``): a digit, or three letters."""
    return term[:1] if "0" <= term[:1] <= "9" else term[:3]


def create(conn: sqlite3.Connection) -> None:
    """Makes the table (a new file, or one of an older schema: then :func:`fill` it)."""
    conn.execute(TABLE_SQL)


def record(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Takes note of the keys of these rows as they are now (in the transaction that wrote them)."""
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        _record(conn, f"id IN ({','.join('?' * len(chunk))})", chunk)


def fill(conn: sqlite3.Connection) -> None:
    """Makes the table again from every row (an older copy; rows written around the store)."""
    conn.execute("DELETE FROM logs_presence")
    low, high = conn.execute("SELECT MIN(id), MAX(id) FROM logs").fetchone()
    if low is None:
        return
    for first in range(low, high + 1, _FILL):
        _record(conn, "id BETWEEN ? AND ?", [first, first + _FILL - 1])


def _record(conn: sqlite3.Connection, rows: str, args: Sequence[Any]) -> None:
    """Notes the keys of the rows that meet ``rows``.

    Their payloads are indexed in the scratch table, one document per webhook, type and URL
    (a term is then read once per group, not once per row), and its terms are read.
    """
    for statement in _SCRATCH:  # statement by statement: a script would commit first
        conn.execute(statement)
    conn.execute(_SHAPES.format(rows=rows), args)
    conn.execute(
        "INSERT INTO temp.logs_presence_scratch (rowid, payloads) "
        "SELECT n, payloads FROM temp.logs_presence_shapes"
    )
    conn.execute(_RECORD)
    for statement in _EMPTY:  # no copy of the text stays
        conn.execute(statement)


def word_keys(terms: Sequence[str] | None, word: str) -> tuple[str, list[Any]] | None:
    """The condition on ``key`` a group must meet to hold a term that begins with ``word``.

    Args:
        terms: Every term of the index that begins with the word, when known.
        word: The typed word (used when the terms are not known; then only if ASCII, the
            tokenizer's folding of other letters not being Python's).

    Returns:
        SQL on ``key`` and its values; None: no condition is known.
    """
    if terms is not None:
        keys = sorted({key(t) for t in terms})
        return f"key IN ({','.join('?' * len(keys))})", list(keys)
    if not word or not word.isascii():
        return None
    if "0" <= word[0] <= "9" or len(word) >= 3:
        return "key = ?", [key(word)]
    return "key >= ? AND key < ?", [word, word + "\U0010ffff"]  # its keys begin with it


def groups(
    store: MirrorStore, column: str, conditions: list[tuple[str, list[Any]]], descending: bool
) -> list[Any]:
    """The values of ``column`` whose rows may hold every word, in the sort's order.

    Args:
        store: The mirror (inside the search's snapshot).
        column: One of :data:`GROUPED`'s columns.
        conditions: One per typed word (:func:`word_keys`); at least one.
        descending: The sort's direction.
    """
    parts, args = [], []
    for sql, values in conditions:
        parts.append(f"SELECT DISTINCT value FROM logs_presence WHERE kind = ? AND {sql}")  # noqa: S608 - fixed fragments
        args += [column, *values]
    way = "DESC" if descending else "ASC"
    return [r[0] for r in store.query(" INTERSECT ".join(parts) + f" ORDER BY 1 {way}", args)]
