"""The expansions of typed words into the terms of a full-text index, kept across syncs.

Expanding a word reads the index's term list (``fts5vocab``), which counts each term's rows by
reading the term's whole list of rows: 50-70 ms for a word that most rows have ("reading", over
a million rows). A sync writes rows all the time, so an expansion kept only while the file is
unchanged is made again on the first page after every sync. Instead, each write made through
the store tells the cache what it wrote (:meth:`TermsCache.written`), and an expansion goes only
when a written value holds a word that begins with the typed word and is not one of its terms.

That check tokenizes in Python, which is FTS5's ``unicode61`` only for ASCII text (runs of
ASCII letters and digits, lower-cased): a non-ASCII value empties the index's expansions. A
term that rows no longer have (a prune, a changed body) only stays in the question, where it
finds nothing. The row counts, used only to plan, grow by the rows written; after
:data:`RECOUNT_AFTER` written rows the expansions are made again (so counts never drift far).
A write by another connection (``PRAGMA data_version``) empties the cache.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable

from impilo_desk.services.log_mirror.text_index import words

Terms = list[tuple[str, int]] | int
"""A word's terms and their row counts; a number: too many terms, how many (FTS5's prefix query
is asked, or the word's rows are only probed)."""
RECOUNT_AFTER = 10_000


class TermsCache:
    """Expansions by ``(table, word)``. Thread-safe (the store's lock is not needed)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], Terms] = {}
        self._written = 0
        self._data_version: int | None = None

    def get(self, table: str, word: str) -> tuple[bool, Terms]:
        """``(found, terms)`` for a word of ``table``'s index."""
        with self._lock:
            key = (table, word)
            return (key in self._entries, self._entries.get(key, []))

    def put(self, table: str, word: str, terms: Terms) -> None:
        """Keeps an expansion just read from the index."""
        with self._lock:
            self._entries[(table, word)] = terms

    def clear(self) -> None:
        """Forgets every expansion."""
        with self._lock:
            self._entries.clear()
            self._written = 0

    def check(self, conn: sqlite3.Connection) -> None:
        """Forgets every expansion if another connection wrote to the file since last asked."""
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        with self._lock:
            if self._data_version is not None and version != self._data_version:
                self._entries.clear()
                self._written = 0
            self._data_version = version

    def written(self, values: dict[str, Iterable[str | None]]) -> None:
        """Takes note of the values just written to each index's column (a committed write)."""
        lists = {table: list(column_values) for table, column_values in values.items()}
        with self._lock:
            self._written += max((len(v) for v in lists.values()), default=0)
            for table, column_values in lists.items():
                self._written_to(table, column_values)
            if self._written > RECOUNT_AFTER:
                self._entries.clear()
                self._written = 0

    def _written_to(self, table: str, values: list[str | None]) -> None:
        mine = [k for k in self._entries if k[0] == table]
        if not mine:
            return
        rows: Counter[str] = Counter()  # how many written rows hold each token
        for value in values:
            if value is None:
                continue
            if not value.isascii():  # unicode61's own case folding and letters: not checked
                for key in mine:
                    del self._entries[key]
                return
            rows.update(set(words(value)))
        for key in mine:
            terms = self._entries[key]
            if isinstance(terms, int):  # a prefix query: exact whatever was written
                continue
            word, known = key[1], {t for t, _ in terms}
            if any(t.startswith(word) and t not in known for t in rows):
                del self._entries[key]
            else:
                self._entries[key] = [(t, n + rows[t]) for t, n in terms]
