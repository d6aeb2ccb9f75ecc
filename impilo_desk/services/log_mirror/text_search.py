"""Full-text questions of the local copy: typed words as FTS5 terms, read in spans of row ids.

A prefix query ("word"*) makes FTS5 read and merge every matching term's whole list of rows
before it gives one, however few are wanted, and again for each question. A question of whole
terms is read lazily and can seek by row id, so a typed word is expanded into the terms of the
index that begin with it (:func:`expand`), and the sets are intersected span by span.

A few rows checked against a set with many rows in their span are not looked up one by one in
it (FTS5 reads its lists afresh for each question: 0.1-2 ms a row over a million rows): their
values are read and checked in Python when they and the words are ASCII (:func:`.probe.matcher`, the
tokenizer's own rule for ASCII), or else indexed alone, in a table of this connection's own with
the same tokenizer, and the same question is asked there (:func:`.probe.probe`, about 12 µs a row).

The other filters are checked on an index's rows by looking each row up, or, when an index of
the log holds most of them (:mod:`.covered`), by intersecting with the ids that index gives.
No call that holds the GIL gets more than a few thousand ids at once (the UI's loop waits for
it meanwhile). Everything here is synchronous: run it with ``asyncio.to_thread``, inside
``store.snapshot()``.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

from impilo_desk.services.log_mirror.covered import Cut, cut, hold
from impilo_desk.services.log_mirror.presence import word_keys
from impilo_desk.services.log_mirror.probe import checked, ids_json, matcher, probe
from impilo_desk.services.log_mirror.terms import Terms
from impilo_desk.services.log_mirror.text_index import TEXT_TABLES, words

if TYPE_CHECKING:
    from impilo_desk.services.log_mirror.search import LocalFilters
    from impilo_desk.services.log_mirror.store import MirrorStore

TERMS = 64
"""A typed word that begins more terms than this is asked as FTS5's prefix query."""
HUGE = 2048
"""A word that begins more terms than this ("1": every number and time that begins with 1) is
not read at all: FTS5 would merge every term's rows first (1.5 s for "1" over a million rows).
Its rows are only probed (:func:`probe`), a few at a time."""
_DENSE = 0.25
"""A huge word found in fewer of the first rows walked than this: its set is read after all."""
_UNKNOWN = 10**9  # the size of a prefix query's set, before it is read
_CHUNK = 2000
PROBE_COST = {"logs_text": 40, "logs_names": 15}
"""A row probed (its value read and indexed alone) costs about as much as reading this many
rows of a span of the index (measured on a million rows, bodies of about 250 bytes: 12 µs a
row probed, 0.3 µs a row of a span checked against the ids; a name is shorter)."""
CHECK_COST = {"logs_text": 15, "logs_names": 5}
"""The same for a row checked in Python (:func:`probe` with ``matches``): measured at load 5
on the bench's million rows, 5-6 µs a row checked against 10-18 µs probed, and 16 ms for a
span of 32,000 ids (2,000 of them asked) of a word in most rows."""
_DRIVE = 100_000
"""An index with fewer rows drives the count: joined to the rows by id, about 2 µs each."""
COVER = 2.0
"""The other filters' rows read from an index (:mod:`.covered`, about 0.3 µs each) are
intersected with an index's rows when they are at most this many times as many: a look-up of
each of its rows instead costs about 1.2 µs."""
FEW = 16
"""Those rows drive instead when an index has more than this many times as many: each is then
probed (about 3 µs), where an index's row joined to them costs about 0.2 µs (measured: 3,505
rows and a name's 50,000, 43 ms of CPU a page driven by the rows, 32 ms by the name)."""


class Index:
    """One full-text question, read in spans of row ids.

    A question of whole terms is read lazily: FTS5 reads a span of its rows in one pass (asked
    row by row it seeks each time, up to a millisecond for the newest rows). A prefix query
    makes FTS5 merge every matching term's rows before giving one, so it is read once.
    """

    def __init__(
        self,
        store: MirrorStore,
        table: str,
        query: str,
        docs: int | None,
        typed: list[str],
        huge: bool = False,
        keys: list[tuple[str, list[Any]]] | None = None,
    ) -> None:
        self.store, self.table, self.query = store, table, query
        self.keys = keys or []
        """Conditions a group of rows meets when it may hold every word (:mod:`.presence`)."""
        self.typed = typed
        self.leads: list[str] | None = None
        """Of each word, its term with the most rows (None: a word's terms are not known)."""
        self.matches = matcher(typed)
        """Checks a value in Python (see :func:`probe`); None: its words are not all ASCII."""
        self.size = _UNKNOWN if docs is None else docs  # an estimate, for the plan
        self.huge = huge
        """Probed only (see :data:`HUGE`); the largest of all for the plan."""
        self._all: list[int] | None = None
        self._max: int | None = None
        if huge:
            self.size = 2 * _UNKNOWN
        elif docs is None:
            self.read_all()

    def read_all(self) -> None:
        """Reads its whole set (a prefix query's rows come all at once anyway)."""
        self._all = [r[0] for r in self.store.query(self._sql(" ORDER BY rowid"), [self.query])]
        self.size, self.huge = len(self._all), False

    def _sql(self, more: str) -> str:
        return f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH ?{more}"  # noqa: S608 - fixed names

    def within(self, low: int, high: int, ids: list[int]) -> set[int]:
        """Those of ``ids`` (from ``low`` to ``high``) it has.

        It reads the span, or, when the span holds far more of its rows than there are ids,
        probes the ids' rows (:func:`probe`).
        """
        if self._all is not None:
            every = self._all
            first, end = bisect.bisect_left(every, low), bisect.bisect_right(every, high)
            if end - first <= len(ids):
                return set(every[first:end])
            # a set of its whole span would be made in one call (holding the GIL): look up each
            return {i for i in ids if (at := bisect.bisect_left(every, i)) < end and every[at] == i}
        span = self.size * (high - low + 1) / max(1, self._top())
        cost = (PROBE_COST if self.matches is None else CHECK_COST)[self.table]
        if self.huge or span > len(ids) * cost:
            return probe(self.store, self.table, self.query, ids, self.matches)
        # the "+" keeps the ids from being asked one by one: the span is read, checked in C
        sql = self._sql(" AND rowid BETWEEN ? AND ? AND +rowid IN (SELECT value FROM json_each(?))")
        return {r[0] for r in self.store.query(sql, [self.query, low, high, ids_json(ids)])}

    def span(self, low: int, high: int, most: int) -> list[int] | None:
        """Its rows from ``low`` to ``high``, when at most ``most`` (else None), from SQLite."""
        if self._all is not None or self.huge:
            return None
        sql = self._sql(" AND rowid BETWEEN ? AND ? LIMIT ?")
        rows = [r[0] for r in self.store.query(sql, [self.query, low, high, most + 1])]
        return None if len(rows) > most else rows

    def _top(self) -> int:
        if self._max is None:
            self._max = int(self.store.query("SELECT IFNULL(MAX(id), 1) FROM logs")[0][0])
        return self._max

    def after(self, last: int, count: int, where: list[str], args: list[Any]) -> list[int]:
        """Its next ``count`` rows after ``last`` (ascending) that the other filters have.

        A set already read gives them from the next rows of it that any of them are in, up to
        :data:`_CHUNK` rows of it at a time (none left: none at all).
        """
        if self._all is not None:
            start = bisect.bisect_right(self._all, last)
            while start < len(self._all):
                ids = self._all[start : start + max(count, _CHUNK)]
                kept = keep(self.store, where, args, [], ids) if where else ids
                if kept:
                    return kept
                start += len(ids)
            return []
        if not where:  # its own rows, in order: no row of the log is read
            sql = self._sql(" AND rowid > ? ORDER BY rowid LIMIT ?")
            return [r[0] for r in self.store.query(sql, [self.query, last, count])]
        sql = (
            f"SELECT logs.id FROM {self.table} CROSS JOIN logs ON logs.id = {self.table}.rowid "  # noqa: S608 - fixed names
            f"WHERE {self.table} MATCH ? AND {self.table}.rowid > ?"
            + "".join(f" AND {c}" for c in where)
            + f" ORDER BY {self.table}.rowid LIMIT ?"
        )
        return [r[0] for r in self.store.query(sql, [self.query, last, *args, count])]

    def held_after(self, last: int, count: int) -> list[int]:
        """Its next ``count`` rows after ``last`` (ascending) among ``temp.logs_held``."""
        if self._all is not None:
            sql = "SELECT id FROM temp.logs_held WHERE id IN (SELECT value FROM json_each(?))"
            start = bisect.bisect_right(self._all, last)
            while start < len(self._all):
                ids = self._all[start : start + max(count, _CHUNK)]
                has = {r[0] for r in self.store.query(sql, [ids_json(ids)])}
                if kept := [i for i in ids if i in has]:
                    return kept
                start += len(ids)
            return []
        table = self.table
        sql = (
            f"SELECT {table}.rowid FROM {table} CROSS JOIN temp.logs_held AS held "  # noqa: S608 - fixed names
            f"ON held.id = {table}.rowid WHERE {table} MATCH ? AND {table}.rowid > ? "
            f"ORDER BY {table}.rowid LIMIT ?"
        )
        return [r[0] for r in self.store.query(sql, [self.query, last, count])]


def keep(
    store: MirrorStore, where: list[str], args: list[Any], texts: list[Index], ids: list[int]
) -> list[int]:
    """Those of ``ids`` that every index and the other filters have, in the order given.

    The smallest index checks first: the next checks only what it kept.
    """
    found = ids
    for index in sorted(texts, key=lambda i: i.size):
        if not found:
            return []
        has = index.within(min(found), max(found), found)
        found = [i for i in found if i in has]
    if where and found:
        within = "SELECT id FROM logs WHERE id IN (SELECT value FROM json_each(?)) AND "
        sql = within + " AND ".join(where)
        passed = {r[0] for r in store.query(sql, [ids_json(found), *args])}
        found = [i for i in found if i in passed]
    return found


def match_ids(
    store: MirrorStore, where: list[str], args: list[Any], texts: list[Index], cap: int
) -> list[int]:
    """The matches in row id order, up to one past ``cap``."""
    limit = cap + 1
    smallest = min(texts, key=lambda index: index.size)
    found: list[int] = []
    if where and smallest.size > _DRIVE:  # the other filters may be fewer
        where_sql = " WHERE " + " AND ".join(where)
        sql = f"SELECT id FROM logs{where_sql} LIMIT ?"  # noqa: S608 - fixed fragments
        others = store.query(f"SELECT COUNT(*) FROM ({sql})", [*args, limit])[0][0]  # noqa: S608
        if others <= cap and others < smallest.size:  # the other filters drive
            ids = sorted(r[0] for r in store.query(sql, [*args, limit]))
            for start in range(0, len(ids), _CHUNK):
                found += keep(store, [], [], texts, ids[start : start + _CHUNK])
            return found
    if smallest.huge:  # every index is probed only: the rows drive, walked in id order
        return _walk(store, where, args, texts, cap)
    rest = [index for index in texts if index is not smallest]
    part = cut(where, args) if where else None
    if part is not None:
        try:
            held = hold(store, part, int(COVER * smallest.size))
            if held is not None:  # its rows among those an index says meet some
                return _among_held(store, part, held, smallest, texts, limit)
        finally:  # the held ids (up to twice the word's rows) do not stay in memory
            store.query("DELETE FROM temp.logs_held")
    last = -(2**63)
    while len(found) < limit:
        # alone, an index is read in one go; with others, in chunks each checked by them
        ids = smallest.after(last, _CHUNK if rest else limit - len(found), where, args)
        if not ids:
            break
        last = ids[-1]
        found += keep(store, [], [], rest, ids)
    return found[:limit]


def _among_held(
    store: MirrorStore, part: Cut, held: int, smallest: Index, texts: list[Index], limit: int
) -> list[int]:
    found: list[int] = []
    if held * FEW < smallest.size:  # few: they drive, each checked by every index
        ids = [r[0] for r in store.query("SELECT id FROM temp.logs_held ORDER BY id")]
        for start in range(0, len(ids), _CHUNK):
            found += keep(store, part.rest, part.rest_args, texts, ids[start : start + _CHUNK])
            if len(found) >= limit:
                break
        return found[:limit]
    rest = [index for index in texts if index is not smallest]
    last = -(2**63)
    while len(found) < limit:
        ids = smallest.held_after(last, _CHUNK)
        if not ids:
            break
        last = ids[-1]
        # the rows' other filters first: a look-up each, where a question reads the value
        found += keep(store, [], [], rest, keep(store, part.rest, part.rest_args, [], ids))
    return found[:limit]


def _walk(
    store: MirrorStore, where: list[str], args: list[Any], texts: list[Index], cap: int
) -> list[int]:
    """:func:`match_ids` when every index is huge: the rows walked in id order and probed.

    The other filters' rows are read a chunk at a time, with the first question's values when
    they can be checked in Python (not read again by id); a first chunk with few matches reads
    the sets instead (the walk would be long).
    """
    lead = texts[0]
    column = f", {TEXT_TABLES[lead.table]}" if lead.matches is not None else ""
    sql = (
        f"SELECT id{column} FROM logs WHERE id > ?"  # noqa: S608 - fixed fragments
        + "".join(f" AND {c}" for c in where)
        + " ORDER BY id LIMIT ?"
    )
    found: list[int] = []
    last, first = -(2**63), True
    while len(found) <= cap:
        rows = store.query(sql, [last, *args, _CHUNK])
        if not rows:
            break
        ids = [r[0] for r in rows]
        if lead.matches is not None:
            has = checked(store, lead.table, lead.query, rows, lead.matches)
            kept = keep(store, [], [], texts[1:], [i for i in ids if i in has])
        else:
            kept = keep(store, [], [], texts, ids)
        if first and len(ids) == _CHUNK and len(kept) < _DENSE * len(ids):
            for index in texts:
                index.read_all()
            return match_ids(store, where, args, texts, cap)
        found += kept
        last, first = ids[-1], False
    return found[: cap + 1]


def questions(store: MirrorStore, local: LocalFilters) -> list[Index] | None:
    """The full-text questions; None when a word begins no term of its index (no match)."""
    asked = []
    if local.text and words(local.text):
        asked.append(("logs_text", local.text))
    if local.patient and local.patient_id() is None and words(local.patient):
        asked.append(("logs_names", local.patient))
    found = []
    for table, text in asked:
        parts, typed, keys = [], [], []
        leads: list[str] | None = []
        docs: int | None = _UNKNOWN
        for word in words(text):
            terms = expand(store, table, word)
            known = None if isinstance(terms, int) else [t for t, _ in terms]
            key = word_keys(known, word) if table == "logs_text" else None
            if isinstance(terms, int) and terms > HUGE:  # a question of its own, probed only
                found.append(Index(store, table, f'"{word}"*', None, [word], huge=True,
                                   keys=[key] if key else None))  # fmt: skip
                continue
            if isinstance(terms, int):  # too many terms: FTS5's prefix query
                parts.append(f'"{word}"*')
                docs, leads = None, None
            elif not terms:
                return None
            else:
                parts.append("(" + " OR ".join(f'"{t}"' for t, _ in terms) + ")")
                leads = None if leads is None else [*leads, max(terms, key=lambda t: t[1])[0]]
                if docs is not None:  # a row has every word: at most the rarest's rows
                    docs = min(docs, sum(n for _, n in terms))
            typed.append(word)
            keys += [key] if key else []
        if parts:  # the words together ("a AND b" has what has both)
            found.append(Index(store, table, " AND ".join(parts), docs, typed, keys=keys))
            found[-1].leads = leads
    return found


def expand(store: MirrorStore, table: str, word: str) -> Terms:
    """The terms of ``table``'s index that begin with ``word``, with their row counts.

    More than :data:`TERMS` terms: how many (up to one past :data:`HUGE`). Kept in the store
    across writes that bring no new term beginning with the word (:class:`.terms.TermsCache`).
    """
    found, terms = store.terms.get(table, word)
    if not found:
        sql = f"SELECT term, doc FROM temp.{table}_terms WHERE term >= ? AND term < ? LIMIT ?"  # noqa: S608 - fixed names
        rows = store.query(sql, [word, word + "\U0010ffff", TERMS + 1])
        terms = [(t, n) for t, n in rows if t.startswith(word)]
        if len(rows) > TERMS:  # each term's rows are read to count them: cheap, they are few
            count = f"SELECT COUNT(*) FROM ({sql})"  # noqa: S608 - fixed names
            rows = store.query(count, [word, word + "\U0010ffff", HUGE + 1])
            terms = int(rows[0][0])
        store.terms.put(table, word, terms)
    return terms
