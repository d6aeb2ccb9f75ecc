"""Old against new for the local Logs benchmark, in one run on the same machine.

``python -m tests.benchmarks.logs_local_ab /path/to/old/checkout`` (one made with
``git worktree add``, its ``build/bench`` linked to this one's so both read the same mirror
file) runs ``bench_logs_local.py`` once in each checkout in turn, three times (A B A B A B),
each run one pass over the combinations (``LOGS_LOCAL_RUNS=1``; ``LOGS_LOCAL_ONLY`` is passed
on; this checkout's benchmark file is copied into the old one first), and prints each
combination's median p50 of the three runs for both, and new/old.

``--same`` instead checks that both give the same pages: for every combination of the bench,
pages 1-4 of 15 rows (ids, total, capped) from each checkout, compared.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
BENCH = "tests/benchmarks/bench_logs_local.py"
_LINE = re.compile(r"^  (.+?)\s+p50\s+([\d.]+) ms")
_DUMP = """
import importlib.util, json, sys
from pathlib import Path
from impilo_desk.services.log_mirror.search import search
from impilo_desk.services.log_mirror.store import MirrorStore
spec = importlib.util.spec_from_file_location("combos", sys.argv[1])
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
store = MirrorStore(Path(sys.argv[2]))
out = {}
for name, combo in bench._combos(store).items():
    pages = []
    for page in range(1, 5):
        found = search(store, *combo, page, 15)
        pages.append([[r.id for r in found.rows], found.total, found.capped])
    out[name] = pages
store.close()
print(json.dumps(out))
"""


def _run(checkout: Path) -> dict[str, float]:
    env = {**os.environ, "LOGS_LOCAL_RUNS": "1", "QT_QPA_PLATFORM": "offscreen"}
    args = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:randomly", "-p",
            "no:cacheprovider", "-o", "python_files=bench_*.py", "-o", "timeout=3600",
            BENCH]  # fmt: skip
    done = subprocess.run(args, cwd=checkout, env=env, capture_output=True, text=True, check=False)
    found = {m[1]: float(m[2]) for m in map(_LINE.match, done.stdout.splitlines()) if m}
    if not found:
        raise SystemExit(f"no figures from {checkout}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return found


def _times(old: Path) -> None:
    # the old checkout runs this one's benchmark (its combinations), with its own search
    shutil.copyfile(HERE / BENCH, old / BENCH)
    runs: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    loads = []
    for _ in range(3):
        for name, checkout in (("old", old), ("new", HERE)):
            loads.append(os.getloadavg()[0])
            for combo, p50 in _run(checkout).items():
                runs[name].setdefault(combo, []).append(p50)
    print(f"local Logs page p50, medians of 3 interleaved runs (old {old}, new {HERE}); "
          f"load (1 min) at each run's start: {' '.join(f'{x:.2f}' for x in loads)}")  # fmt: skip
    print(f"  {'combination':34s} {'old':>8s} {'new':>8s} {'new/old':>8s}   new runs")
    for combo, values in runs["new"].items():
        new = statistics.median(values)
        before = runs["old"].get(combo)
        old_p50 = statistics.median(before) if before else float("nan")
        print(f"  {combo:34s} {old_p50:8.1f} {new:8.1f} {new / old_p50:8.2f}   "
              f"{', '.join(f'{v:.1f}' for v in values)}")  # fmt: skip


def _same(old: Path) -> None:
    mirror = HERE / "build" / "bench" / "logs-local-1000000.sqlite3"
    pages = {}
    for name, checkout in (("old", old), ("new", HERE)):
        args = [sys.executable, "-c", _DUMP, str(HERE / BENCH), str(mirror)]
        done = subprocess.run(args, cwd=checkout, capture_output=True, text=True, check=True)
        pages[name] = json.loads(done.stdout)
    differ = [c for c in pages["new"] if pages["old"].get(c) != pages["new"][c]]
    for combo in pages["new"]:
        first = pages["new"][combo][0]
        print(f"  {combo:34s} total {first[1]:6d}{'+' if first[2] else ' '} "
              f"{'differs' if combo in differ else 'same'}")  # fmt: skip
    print(f"{len(pages['new']) - len(differ)} of {len(pages['new'])} combinations give the same "
          "4 pages (ids, total, capped) in both")  # fmt: skip
    if differ:
        raise SystemExit(f"differ: {differ}")


if __name__ == "__main__":
    checkout = Path(sys.argv[1]).resolve()
    _same(checkout) if "--same" in sys.argv[2:] else _times(checkout)
