"""A process's resident memory by kind of mapping, from ``/proc/PID/smaps`` (Linux).

``python -m tests.benchmarks.smaps_groups PID``: the main heap (``[heap]``), Python's 1 MiB
arenas, other anonymous mappings (glibc's thread arenas, thread stacks, large arrays), SQLite's
files and the other files (libraries). Run it beside the soak (``bench_soak.py``) to see which
grows.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

_MAPPING = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$")


def _kind(size: int, path: str) -> str:
    if path == "[heap]":
        return "heap"
    if path.startswith("[stack"):
        return "stack"
    if not path:
        return "python-arenas" if size == 1 << 20 else "other-anon"
    if path.startswith("/"):
        return "sqlite-files" if ".sqlite3" in path else "other-files"
    return "kernel"


def groups(pid: str) -> dict[str, float]:
    """Resident MiB per kind of mapping."""
    found: defaultdict[str, int] = defaultdict(int)
    kind = "kernel"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        if mapping := _MAPPING.match(line):
            kind = _kind(int(mapping[2], 16) - int(mapping[1], 16), mapping[3].strip())
        elif line.startswith("Rss:"):
            found[kind] += int(line.split()[1])
    return {name: kb / 1024 for name, kb in sorted(found.items())}


if __name__ == "__main__":
    shown = groups(sys.argv[1])
    total = sum(shown.values())
    print(" ".join(f"{k}={v:.1f}" for k, v in shown.items()), f"total={total:.1f} MiB")
