"""Telling that a payload word and a patient's name have more matches than the count's cap.

The count stops at the cap, and past it any matches tell it, not the first in id order. Two
dense full-text sets (a word in most payloads and a common name: "reading" and "amara", 52,000
rows in a million) are otherwise intersected a chunk of the name's rows at a time, each row's
payload read and checked: 13,000 rows read for 10,001 matches, about 50 ms.

But a patient's name is in the payload too, so FTS5 can intersect in one index: the rows of
the payload index that have one term of each typed word and of each name's word (the term
with the most rows) are matches of the text (a term of each word), and are checked against
the names index (a span of it read: the name's rows are few) and nothing else. They are only
some of the matches (a row may hold another term of a word, or its name escaped in JSON), so
they can only tell that there are more than the cap; when they do not, the matches are
counted the complete way (:func:`.text_search.match_ids`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from impilo_desk.services.log_mirror.text_search import Index, expand, keep

if TYPE_CHECKING:
    from impilo_desk.services.log_mirror.store import MirrorStore

_CHUNK = 2000
_MOST = 8192  # ids in one Python call (it holds the GIL)
_LIKELY = 2
"""Only tried when the sets' expected overlap (the name's rows, times the share of all rows
the text has) is this many times the matches wanted."""
_FEW = 0.5
"""The first chunk's rows that must be matches to go on (else the complete way is cheaper)."""


def enough(
    store: MirrorStore, where: list[str], texts: list[Index], wanted: int
) -> list[int] | None:
    """``wanted`` matches of the questions, when found this way (not in id order); else None.

    Only for one text question and one name question, and no other filter.
    """
    text = [i for i in texts if i.table == "logs_text"]
    names = [i for i in texts if i.table == "logs_names"]
    if where or len(text) != 1 or len(names) != 1 or not text[0].leads:
        return None
    rows = int(store.query("SELECT IFNULL(MAX(id), 1) FROM logs")[0][0])
    if names[0].size * min(1.0, text[0].size / rows) < _LIKELY * wanted:
        return None
    terms = list(text[0].leads)
    for word in names[0].typed:  # the name's words as the payload index has them
        found = expand(store, "logs_text", word)
        if isinstance(found, int) or not found:
            return None
        terms.append(max(found, key=lambda term: term[1])[0])
    sql = "SELECT rowid FROM logs_text WHERE logs_text MATCH ? AND rowid > ? ORDER BY rowid LIMIT ?"
    query = " AND ".join(f'"{term}"' for term in terms)
    matches: list[int] = []
    last, first = -(2**63), True
    while len(matches) < wanted:
        # most are matches: no more than are wanted (their name's span: about as many again)
        chunk = min(_MOST // 2, max(_CHUNK, wanted - len(matches)))
        ids = [r[0] for r in store.query(sql, [query, last, chunk])]
        if not ids:
            return None  # too few this way: the complete way counts them
        span = names[0].span(ids[0], ids[-1], _MOST)
        if span is None:  # the name's rows there are many: checked in SQLite
            kept = keep(store, [], [], names, ids)
        else:  # as many as the ids, about: a set of them checks
            has = set(span)
            kept = [i for i in ids if i in has]
        if first and len(ids) == chunk and len(kept) < _FEW * len(ids):
            return None
        matches += kept
        last, first = ids[-1], False
    return matches[:wanted]
