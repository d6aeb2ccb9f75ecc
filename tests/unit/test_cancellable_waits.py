"""No loop of the app waits for an event with ``asyncio.wait_for``.

On Python 3.11, ``wait_for`` returns normally when its task is cancelled in the same turn as
the awaited event is set: the cancel is lost and the loop runs on (a profile switch then waited
for the old profile's log sync, and the new profile never opened). ``asyncio.timeout`` keeps
the cancel. ``tests/integration/test_log_mirror.py`` shows the failure itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import impilo_desk

ROOT = Path(impilo_desk.__file__).parent


def _event_waits_under_wait_for(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "wait_for" or not node.args:
            continue
        first = node.args[0]
        if (
            isinstance(first, ast.Call)
            and isinstance(first.func, ast.Attribute)
            and first.func.attr == "wait"
        ):
            lines.append(node.lineno)
    return lines


def test_no_event_is_awaited_through_wait_for() -> None:
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in ROOT.rglob("*.py")
        for line in _event_waits_under_wait_for(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert not found, f"use asyncio.timeout instead of wait_for(event.wait()) at {sorted(found)}"


def test_the_check_finds_the_pattern() -> None:
    sample = "async def f(e):\n    await asyncio.wait_for(e.wait(), 5)\n"
    assert _event_waits_under_wait_for(ast.parse(sample)) == [2]
