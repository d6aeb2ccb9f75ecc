"""The rows that meet the other filters, read from one index alone (no row of the log read).

A full-text question's rows checked against the other filters in the table cost a look-up of
each row (about 1.2 µs: a row holds its body, so the rows are spread over 600 MB for a
million). Each index of the log holds a few filter columns beside its own: an index whose first
column is filtered gives the ids of the rows that meet every condition on its columns from the
index alone, into a table of ids (:func:`hold`). The question's rows are joined to those ids
(a small table: cheap to look up), and only the few rows left are looked up, for the
conditions the index does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from impilo_desk.services.log_mirror.text_index import SORT_INDEXES

if TYPE_CHECKING:
    from impilo_desk.services.log_mirror.store import MirrorStore

_FILTERED = ("last_status", "retry_attempts", "last_retry_ms")
INDEX_COLUMNS: dict[str, tuple[str, ...]] = {
    "logs_by_time": ("create_ms", "webhook_id", *_FILTERED),
    "logs_by_hook": ("webhook_id", "create_ms", *_FILTERED),
    **{
        name: tuple(c.strip() for c in columns.split(","))
        for name, columns in SORT_INDEXES.items()
        if not columns.startswith("(")  # an expression first: no condition is on it
    },
}
"""The columns of each index of the log (``store.SCHEMA``, ``text_index.SORT_INDEXES``)."""


@dataclass(frozen=True)
class Cut:
    """The conditions split into those one index holds and the rest.

    Attributes:
        index: The index.
        held: Conditions on its columns (its first column's among them).
        held_args: Their values.
        rest: The other conditions, checked on the rows.
        rest_args: Their values.
    """

    index: str
    held: list[str]
    held_args: list[Any]
    rest: list[str]
    rest_args: list[Any]


def cut(where: list[str], args: list[Any]) -> Cut | None:
    """The index that holds the most conditions, its first column's among them; None: none.

    Of two that hold as many, one whose first column is asked for values (``=``, ``IN``), not
    a range, is taken: a range is often most of the rows (the copy's own dates).

    Each condition begins with its column's name and has one ``?`` per value (as
    ``search._conditions`` makes them). A condition taken for another column's would only be
    slower: the index's query checks whatever it is given.
    """
    parts, at = [], 0
    for sql in where:
        n = sql.count("?")
        parts.append((sql.split()[0], sql, args[at : at + n]))
        at += n
    values = {column for column, sql, _ in parts if sql.split()[1] in ("=", "IN")}
    best: tuple[tuple[int, bool], str, list[int]] | None = None
    for name, held_columns in INDEX_COLUMNS.items():
        if held_columns[0] not in {column for column, _, _ in parts}:
            continue
        held = [n for n, (column, _, _) in enumerate(parts) if column in held_columns]
        rank = (len(held), held_columns[0] in values)
        if best is None or rank > best[0]:
            best = (rank, name, held)
    if best is None:
        return None
    _, name, held = best
    rest = [n for n in range(len(parts)) if n not in held]
    return Cut(
        name,
        [parts[n][1] for n in held],
        [a for n in held for a in parts[n][2]],
        [parts[n][1] for n in rest],
        [a for n in rest for a in parts[n][2]],
    )


def hold(store: MirrorStore, part: Cut, most: int) -> int | None:
    """How many rows meet ``part.held`` (None: more than ``most``); their ids, into a table.

    The ids are read from the index into ``temp.logs_held`` (this connection's own), all of it
    in SQLite: an id brought into Python costs more than the look-up it saves.
    """
    store.query("DELETE FROM temp.logs_held")
    store.query(
        f"INSERT INTO temp.logs_held (id) SELECT id FROM logs INDEXED BY {part.index} "  # noqa: S608 - fixed fragments
        f"WHERE {' AND '.join(part.held)} LIMIT ?",
        [*part.held_args, most + 1],
    )
    counted = int(store.query("SELECT changes()")[0][0])
    return None if counted > most else counted
