"""The demo's child processes: ready line, stop, and no orphans when the app is killed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from impilo_desk.demo import ChildProcess, DemoFailed

SERVER = (
    "import json, sys, time, os\n"
    "print(json.dumps({'event': 'ready', 'url': 'http://127.0.0.1:1', 'pid': os.getpid()}),"
    " flush=True)\n"
    "time.sleep(120)\n"
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); look at its state
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def _wait_dead(pid: int, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_child_ready_line_and_stop(tmp_path):
    child = ChildProcess("server", ["-c", SERVER], tmp_path / "server.log")
    ready = asyncio.run(child.start())
    assert ready["url"] == "http://127.0.0.1:1"
    pid = child.pid
    assert pid is not None
    child.stop()
    assert _wait_dead(pid)


def test_child_without_ready_line_fails_in_one_sentence(tmp_path):
    child = ChildProcess("server", ["-c", "print('hello')"], tmp_path / "server.log")
    with pytest.raises(DemoFailed) as info:
        asyncio.run(child.start())
    assert "server.log" in info.value.user_message
    assert child.pid is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_children_die_when_the_app_is_killed(tmp_path):
    app = (
        "import asyncio, json, sys\n"
        "from pathlib import Path\n"
        "from impilo_desk.demo import ChildProcess\n"
        f"child = ChildProcess('server', ['-c', {SERVER!r}], Path({str(tmp_path)!r}) / 's.log')\n"
        "ready = asyncio.run(child.start())\n"
        "print(json.dumps({'child': ready['pid']}), flush=True)\n"
        "import time; time.sleep(120)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", app], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        child_pid = json.loads(proc.stdout.readline())["child"]
        assert _alive(child_pid)
        proc.send_signal(signal.SIGKILL)  # a crash: no clean-up code runs
        proc.wait(10)
        assert _wait_dead(child_pid), "the demo server outlived the app"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
