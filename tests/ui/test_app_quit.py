"""Quitting ``impilo-desk --demo`` (a real process) leaves its files whole and says so in its log.

SIGTERM (``kill``, a logout) and SIGINT (Ctrl+C in the terminal that ran ``make run``) quit as
File › Quit does: the session's event store is checkpointed and closed (no ``-wal``/``-shm``
left beside it), the demo's children stop, and the log ends with a line for a clean shutdown.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.waiting import wait_until

START_TIMEOUT_S = 90.0  # the demo starts a sandbox and a relay first; a loaded machine is slow
QUIT_TIMEOUT_S = 60.0


def _env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "IMPILO_DESK_HOME": str(tmp_path / "desk"),
        "QT_QPA_PLATFORM": "offscreen",
    }


def _stored(db: Path) -> int:
    """How many events the store holds (0 while it is not there yet)."""
    if not db.exists():
        return 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    except sqlite3.OperationalError:  # created, its tables not yet
        return 0
    finally:
        conn.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.timeout(START_TIMEOUT_S + QUIT_TIMEOUT_S + 30)
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_quits_cleanly_while_events_stream_in(
    tmp_path: Path, number: signal.Signals
) -> None:
    data = tmp_path / "desk" / "data"
    store, wal, shm = (data / f"events-demo.sqlite3{end}" for end in ("", "-wal", "-shm"))
    log_file = tmp_path / "desk" / "log" / "impilo-desk.log"
    stderr = (tmp_path / "stderr.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "impilo_desk", "--demo"],
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,  # a signal for the app alone, as ``kill PID`` sends it
    )
    try:
        # The demo's relay feeds the session's store: it is open and being written.
        wait_until(lambda: _stored(store) > 0, timeout=START_TIMEOUT_S, interval=0.2)
        assert wal.exists()
        proc.send_signal(number)
        code = proc.wait(timeout=QUIT_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        stderr.close()
    told = (tmp_path / "stderr.log").read_text(errors="replace")[-3000:]
    assert code == 0, told
    assert store.exists()
    assert not wal.exists()
    assert not shm.exists()
    assert _stored(store) > 0  # what was received is in the file itself
    log = log_file.read_text(encoding="utf-8")
    assert f"{number.name} received: quitting" in log
    assert "event store events-demo.sqlite3 closed" in log
    assert log.rstrip().splitlines()[-1].endswith("shut down cleanly (exit code 0)")
