"""Old against new in one benchmark run: ``BENCH_RELAY_OLD=/path/to/a/checkout`` (e.g. one made
with ``git worktree add``) makes the relay benchmarks that use ``variants`` run that checkout's
relay and this one's in turn (A B A B A B), so both meet the same load on a shared machine;
``report`` prints each one's median and the ratio."""

from __future__ import annotations

import os
import statistics
from pathlib import Path

OLD = os.environ.get("BENCH_RELAY_OLD")


def variants() -> list[tuple[str, Path | None]]:
    """``(name, checkout)`` for each relay to run in a round; ``None`` is this checkout."""
    if OLD:
        return [("old", Path(OLD)), ("new", None)]
    return [("new", None)]


def load() -> str:
    """The machine's load averages (1, 5, 15 min), to print beside the figures."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(what: str, runs: dict[str, list[float]], unit: str = "ms") -> str:
    """One line per variant (median and runs), and new/old when both ran."""
    lines = []
    for name, values in runs.items():
        lines.append(
            f"  {name}: {what} median {statistics.median(values):.1f} {unit} "
            f"(runs: {', '.join(f'{v:.1f}' for v in values)})"
        )
    if "old" in runs and "new" in runs and statistics.median(runs["old"]) > 0:
        ratio = statistics.median(runs["new"]) / statistics.median(runs["old"])
        lines.append(f"  new/old {what}: {ratio:.2f}")
    return "\n".join(lines)
