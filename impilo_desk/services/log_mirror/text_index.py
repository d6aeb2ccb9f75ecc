"""What makes the local copy searchable: the patient's name, a full-text index, sort indexes.

The payload and the patient's name are indexed by SQLite FTS5 (``logs_text``, ``logs_names``:
external content on ``logs``), kept in step by the store's writes, a page of rows in one
statement (:func:`reindex`, :func:`unindex_older`), not by triggers: FTS5 flushes its pending
terms at each trigger's statement savepoint, so a trigger per row cost ~130 µs a row against
~25 µs a row for a page at once.

A word typed in a filter matches the words of the payload that *begin* with it,
case-insensitively: "amara" finds "Amara" and "Amaranth", "503" finds "503", not "1503".
:func:`words` is that rule in Python.

The word beginnings of each webhook's, type's and URL's rows are kept beside them
(:mod:`.presence`), written with the rows.

A mirror made before this schema is indexed when it is first opened (:func:`ensure`).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from typing import Any

from impilo_desk.services.log_mirror import presence

SEARCH_VERSION = 4  # 3: no ``logs_presence``, the type index without the last retry time;
# 2 kept the text indexes by triggers
TOKENIZE = "unicode61 remove_diacritics 0"
_CHUNK = 500  # ids a statement (SQLite allows at least 999 parameters)
_WORD = re.compile(r"[^\W_]+")  # unicode61's tokens: runs of letters and digits

_FIRST_LAST = (
    "NULLIF(trim(IFNULL(json_extract({p}, '$.payload{at}.firstName'), '') || ' ' || "
    "IFNULL(json_extract({p}, '$.payload{at}.lastName'), '')), '')"
)
PATIENT_NAME_SQL = (
    "CASE WHEN json_valid({p}) THEN (CASE WHEN json_extract({p}, '$.type') LIKE 'patient.%' "
    "THEN "
    + _FIRST_LAST.replace("{at}", "")
    + " ELSE "
    + _FIRST_LAST.replace("{at}", ".patient")
    + " END) END"
)
"""The patient's "First Last" of a logged body ``{p}``: the envelope's patient (a patient
event's payload itself, or a reading's ``patient``); NULL for a body that is not JSON."""

_FILTERED = "webhook_id, last_status, retry_attempts"  # in each sort index: checked in it
SORT_INDEXES = {  # each sortable column, the create time (and id) as the tie-break
    # the type with every filter of the API: a filter of them all is met in it alone
    "logs_by_type": f"webhook_type, create_ms, {_FILTERED}, last_retry_ms",
    "logs_by_url": f"webhook_url, create_ms, {_FILTERED}",
    "logs_by_status": "last_status, create_ms, webhook_id, retry_attempts",
    "logs_by_retries": "retry_attempts, create_ms, webhook_id, last_status",
    "logs_by_last_retry": f"last_retry_ms, create_ms, {_FILTERED}",
    "logs_by_patient": "patient_id, create_ms",
}
STATE_SQL = (
    "CASE WHEN last_status IS NULL THEN 0 WHEN last_status BETWEEN 200 AND 299 THEN "
    "(CASE WHEN retry_attempts = 0 THEN 1 ELSE 2 END) WHEN retry_attempts >= 3 THEN 4 ELSE 3 END"
)
"""A row's outcome (as ``store.OUTCOME_SQL``), the ``state`` sort; indexed as this expression."""
SORT_INDEXES["logs_by_state"] = f"({STATE_SQL}), create_ms, {_FILTERED}"
TEXT_TABLES = {"logs_text": "payload", "logs_names": "patient_name"}
"""One full-text index per searched column; ``detail=none`` (row ids only, no positions): each
word is looked up alone, so positions would only make the index larger and slower to read."""
_FTS = "".join(  # fixed names only
    f"""
CREATE VIRTUAL TABLE {table} USING fts5(
    {column}, content='logs', content_rowid='id', detail='none', tokenize='{TOKENIZE}'
);
"""
    for table, column in TEXT_TABLES.items()
)
_TRIGGERS = [
    f"DROP TRIGGER IF EXISTS {t}_{e}" for t in TEXT_TABLES for e in ("insert", "delete", "update")
]
"""What version 2 kept the indexes with (its indexes stay valid: dropping these is the upgrade)."""
_OLD = (  # what an earlier version of this schema made: dropped, then made again
    [f"DROP TRIGGER IF EXISTS logs_fts_{e}" for e in ("insert", "delete", "update")]
    + ["DROP TABLE IF EXISTS logs_fts"]
    + _TRIGGERS
    + [f"DROP TABLE IF EXISTS {t}" for t in TEXT_TABLES]
    + [f"DROP INDEX IF EXISTS {name}" for name in SORT_INDEXES]
)


def ensure(conn: sqlite3.Connection) -> None:
    """Brings a mirror file to the search schema (once; a large old copy takes a while)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version >= SEARCH_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        if version in (2, 3):  # its text indexes stay (2 kept them by triggers: the store does)
            for statement in _TRIGGERS:
                conn.execute(statement)
            conn.execute("DROP INDEX IF EXISTS logs_by_type")  # 3's had no last retry time
            conn.execute(f"CREATE INDEX logs_by_type ON logs ({SORT_INDEXES['logs_by_type']})")
            presence.create(conn)
            presence.fill(conn)
        else:
            _make(conn)
        conn.execute(f"PRAGMA user_version = {SEARCH_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if conn.execute("SELECT EXISTS (SELECT 1 FROM logs)").fetchone()[0]:
        conn.execute("ANALYZE")  # the planner's statistics (bounded by analysis_limit)


def _make(conn: sqlite3.Connection) -> None:
    """The whole search schema, on a new file or one older than version 2."""
    columns = {r[1] for r in conn.execute("PRAGMA table_info(logs)")}
    if "patient_name" not in columns:
        conn.execute("ALTER TABLE logs ADD COLUMN patient_name TEXT")
        conn.execute(
            "UPDATE logs SET patient_name = "  # noqa: S608 - a fixed expression
            + PATIENT_NAME_SQL.format(p="payload")
            + " WHERE payload IS NOT NULL"
        )
    for statement in _OLD:
        conn.execute(statement)
    for name, columns_sql in SORT_INDEXES.items():
        conn.execute(f"CREATE INDEX {name} ON logs ({columns_sql})")
    for statement in _statements(_FTS):
        conn.execute(statement)
    presence.create(conn)
    rebuild(conn)


def attach_terms(conn: sqlite3.Connection) -> None:
    """Each full-text index's list of terms and probe table (``temp``: this connection's own).

    A prefix query ("word"*) makes FTS5 read and merge every matching term's whole list of
    rows first, however few rows are wanted; a query of the terms themselves is read lazily
    and can seek by row id. So a typed word is expanded into its terms through this list.
    """
    for table, column in TEXT_TABLES.items():
        conn.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_terms "  # fixed names
            f"USING fts5vocab(main, {table}, row)"
        )
        # the search's scratch index of a few rows (``text_search.probe``): no copy of the text
        conn.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_probe USING fts5("  # fixed names
            f"{column}, content='', detail='none', tokenize='{TOKENIZE}')"
        )
    # the ids an index says meet some of the other filters (``covered.hold``)
    conn.execute("CREATE TABLE IF NOT EXISTS temp.logs_held (id INTEGER PRIMARY KEY)")


def rebuild(conn: sqlite3.Connection) -> None:
    """Indexes every row again (an old copy, or rows written around the store's writes)."""
    for table in TEXT_TABLES:
        conn.execute(f"INSERT INTO {table} ({table}) VALUES ('rebuild')")  # noqa: S608 - fixed
    presence.fill(conn)


def indexed_values(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """The indexed columns of these rows as stored now, by id (rows not held are left out)."""
    found: dict[int, tuple[Any, ...]] = {}
    columns = ", ".join(TEXT_TABLES.values())
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        sql = f"SELECT id, {columns} FROM logs WHERE id IN ({','.join('?' * len(chunk))})"  # noqa: S608 - fixed names, placeholders
        found.update((r[0], tuple(r[1:])) for r in conn.execute(sql, chunk))
    return found


def reindex(
    conn: sqlite3.Connection, ids: Sequence[int], before: dict[int, tuple[Any, ...]]
) -> dict[int, tuple[Any, ...]]:
    """Brings the indexes in step after these rows were written (in the same transaction).

    Args:
        conn: The mirror's connection, inside the transaction that wrote the rows.
        ids: The rows written.
        before: :func:`indexed_values` of the same ids, read before the write.

    Returns:
        :func:`indexed_values` of the rows as written (what the indexes now hold of them), in
        the order of :data:`TEXT_TABLES`' columns.
    """
    after = indexed_values(conn, sorted(set(ids)))
    for n, (table, column) in enumerate(TEXT_TABLES.items()):
        gone = [(i, old[n]) for i, old in before.items() if i in after and after[i][n] != old[n]]
        if gone:  # an external-content index forgets a row by its old value
            conn.executemany(
                f"INSERT INTO {table} ({table}, rowid, {column}) VALUES ('delete', ?, ?)",  # noqa: S608 - fixed names
                gone,
            )
        fresh = [i for i, new in after.items() if i not in before or before[i][n] != new[n]]
        for start in range(0, len(fresh), _CHUNK):  # a page in one statement: one flush
            chunk = fresh[start : start + _CHUNK]
            conn.execute(
                f"INSERT INTO {table} (rowid, {column}) SELECT id, {column} FROM logs "  # noqa: S608 - fixed names, placeholders
                f"WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
    return after


def unindex_older(conn: sqlite3.Connection, before_ms: int) -> None:
    """Forgets the rows created before ``before_ms`` in the indexes (before they are deleted)."""
    for table, column in TEXT_TABLES.items():
        conn.execute(
            f"INSERT INTO {table} ({table}, rowid, {column}) "  # noqa: S608 - fixed names
            f"SELECT 'delete', id, {column} FROM logs WHERE create_ms < ?",
            (before_ms,),
        )


def unindex_all(conn: sqlite3.Connection) -> None:
    """Empties the indexes (before every row is deleted)."""
    for table in TEXT_TABLES:
        conn.execute(f"INSERT INTO {table} ({table}) VALUES ('delete-all')")  # noqa: S608 - fixed


def _statements(script: str) -> list[str]:
    """The statements of ``script`` (a trigger's body holds semicolons: split on ``END;``)."""
    out: list[str] = []
    buffer = ""
    for line in script.strip().splitlines():
        buffer += line + "\n"
        stripped = line.strip()
        if stripped.endswith(";") and (
            not buffer.lstrip().upper().startswith("CREATE TRIGGER") or stripped == "END;"
        ):
            out.append(buffer.strip())
            buffer = ""
    return out


def words(text: str) -> list[str]:
    """The words of ``text`` as the index sees them: runs of letters and digits, lower case."""
    return _WORD.findall(text.lower())


def match_words(text: str) -> str | None:
    """An FTS5 query: every word of ``text`` begins a word of the column (None: no words)."""
    found = words(text)
    if not found:
        return None
    return " AND ".join(f'"{w}"*' for w in found)
