"""Asking a few rows of the local copy whether their value matches a question.

A value is checked in Python when it and the typed words are ASCII (:func:`matcher`: the
``unicode61`` tokenizer's own rule for ASCII), or else indexed alone in a table of this
connection's own with the same tokenizer and asked there (:func:`probe`). Ids go to SQLite as
JSON written a piece at a time (:func:`ids_json`), so no call holds the GIL for long.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from impilo_desk.services.log_mirror.text_index import TEXT_TABLES

if TYPE_CHECKING:
    from impilo_desk.services.log_mirror.store import MirrorStore

__all__ = ["checked", "ids_json", "matcher", "probe"]

_PIECE = 8192


def ids_json(ids: list[int]) -> str:
    """The ids as a JSON array for SQLite's ``json_each``, written a piece at a time.

    Each piece is one call that holds the GIL: 8,192 ids take about half a millisecond, where
    260,000 at once took 21 ms (the UI's loop waited as long).
    """
    if len(ids) <= _PIECE:
        return json.dumps(ids)
    pieces = [json.dumps(ids[n : n + _PIECE])[1:-1] for n in range(0, len(ids), _PIECE)]
    return "[" + ",".join(pieces) + "]"


def probe(
    store: MirrorStore,
    table: str,
    query: str,
    ids: list[int],
    matches: Callable[[str], bool] | None = None,
) -> set[int]:
    """Those of ``ids`` whose value ``query`` matches in ``table``'s index, asked of them alone.

    With ``matches`` (the question's words, all ASCII), an ASCII value is checked in Python
    (tokenized as ``unicode61`` tokenizes ASCII: the same answer, about 1 µs a row); the other
    values are indexed into ``temp.<table>_probe`` (this connection's, with the same tokenizer:
    the same words) and the same question is asked there (about 12 µs a row).
    """
    column, scratch = TEXT_TABLES[table], f"{table}_probe"
    if matches is not None:
        values = f"SELECT id, {column} FROM logs WHERE id IN (SELECT value FROM json_each(?))"  # noqa: S608 - fixed names
        return checked(store, table, query, store.query(values, [ids_json(ids)]), matches)
    store.query(f"INSERT INTO temp.{scratch} ({scratch}) VALUES ('delete-all')")  # noqa: S608 - fixed names
    store.query(
        f"INSERT INTO temp.{scratch} (rowid, {column}) SELECT id, {column} FROM logs "  # noqa: S608 - fixed names
        "WHERE id IN (SELECT value FROM json_each(?))",
        [ids_json(ids)],
    )
    sql = f"SELECT rowid FROM temp.{scratch} WHERE {scratch} MATCH ?"  # noqa: S608 - fixed names
    return {r[0] for r in store.query(sql, [query])}


def checked(
    store: MirrorStore,
    table: str,
    query: str,
    rows: list[tuple[Any, ...]],
    matches: Callable[[str], bool],
) -> set[int]:
    """Those of ``rows`` (id, value) whose value matches: in Python if ASCII, else probed."""
    found: set[int] = set()
    other = []
    for row_id, value in rows:
        if value is None:
            continue
        if not value.isascii():
            other.append(row_id)
        elif matches(value):
            found.add(row_id)
    return found | probe(store, table, query, other) if other else found


def matcher(typed: list[str]) -> Callable[[str], bool] | None:
    """Whether every typed word begins a word of an ASCII value; None: a word is not ASCII.

    ``unicode61`` makes of ASCII text runs of letters and digits, lower-cased (as
    :func:`.text_index.words`): a word begins one where no letter or digit comes before it.
    """
    if not typed or not all(w.isascii() for w in typed):
        return None
    # the word, then a look back at what comes before it: the word leads, so the regex engine
    # seeks it as a literal (a look-behind first is tried at every character: 15 times slower)
    patterns = [re.compile(f"{re.escape(w)}(?<![0-9a-z]{re.escape(w)})") for w in typed]

    def matches(value: str) -> bool:
        lowered = value.lower()
        return all(p.search(lowered) for p in patterns)

    return matches
