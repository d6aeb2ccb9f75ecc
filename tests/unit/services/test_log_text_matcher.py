"""The local search's Python check of a text filter gives FTS5's answer for ASCII values.

The ground truth is a real FTS5 table with the mirror's tokenizer, asked the question the
search asks of its own index: every typed word begins a word of the value (a prefix query).
"""

from __future__ import annotations

import random
import sqlite3

import pytest

from impilo_desk.services.log_mirror.probe import matcher
from impilo_desk.services.log_mirror.text_index import TOKENIZE, match_words, words

VALUES = [
    '{"id":1,"type":"reading.weight","payload":{"value":120,"patient":{"firstName":"Amara"}}}',
    '{"readingTimestamp":1764547200000,"value":72.5}',
    "not json at all: Amara_Nwosu said 503!",
    "{'id':1234, 'note':'OMRON BP7450'}",
    "x1y2 z_3 __4 -5 +6 7.8e9 \\u00e9t\\u00e9 tab\tnew\nline",
    "UPPER lower MiXeD CamelCase snake_case kebab-case dotted.name",
    "",
    "   ",
    "1",
    "a",
]
QUESTIONS = ["1", "12", "120", "a", "am", "amara", "amara nwosu", "nwosu amara", "503", "5",
             "reading", "readingt", "value 120", "omron bp", "bp7450", "7", "8e9", "e9", "u00e9",
             "t", "case", "snake", "kebab case", "camel", "mixed upper", "name", "zzz", "x1", "y2",
             "3", "4", "line new tab", "ja", "json said"]  # fmt: skip


def _fts(values: list[str]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(v, detail='none', tokenize='{TOKENIZE}')")
    conn.executemany("INSERT INTO t (rowid, v) VALUES (?, ?)", list(enumerate(values)))
    return conn


def _random_values(count: int) -> list[str]:
    rng = random.Random(15)
    alphabet = "aAbB1290_ -.:\"'{}[]/\\\t\n"
    lengths = [rng.randrange(0, 24) for _ in range(count)]
    return ["".join(rng.choice(alphabet) for _ in range(n)) for n in lengths]


@pytest.mark.parametrize("values", [VALUES, _random_values(400)], ids=["samples", "random"])
def test_the_python_check_gives_what_the_full_text_index_gives(values: list[str]) -> None:
    conn = _fts(values)
    questions = QUESTIONS + ["".join(v.split()[:1]) for v in values[:40] if v.split()]
    asked = 0
    for question in questions:
        query = match_words(question)
        if query is None:
            continue
        check = matcher(words(question))
        assert check is not None
        expected = {r[0] for r in conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,))}
        assert {n for n, v in enumerate(values) if check(v)} == expected, question
        asked += 1
    assert asked > 30
    conn.close()


def test_words_that_are_not_ascii_are_left_to_the_index() -> None:
    assert matcher(words("josé")) is None
    assert matcher(words("amara josé")) is None
    assert matcher([]) is None
