"""The cap on glibc's malloc arenas: threads started after it share at most that many."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")

_CHILD = textwrap.dedent(
    """
    import sys, threading
    from impilo_desk.native_memory import limit_arenas
    from tests.fixtures.malloc_heaps import heap_count
    if sys.argv[1] == "capped":
        assert limit_arenas(2)
    started = threading.Barrier(8)
    def work():
        started.wait()  # all alive at once: none can take over another's arena
        kept = [bytes(4096 + n) for n in range(200)]  # past pymalloc: from the thread's arena
        started.wait()
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(heap_count())
    """
)


def _heaps(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, mode], capture_output=True, text=True, timeout=60, check=True
    )
    return int(done.stdout.split()[-1])


def test_threads_share_at_most_two_arenas_once_capped() -> None:
    assert _heaps("free") > 2  # each of 8 threads gets its own, uncapped
    assert _heaps("capped") <= 2
