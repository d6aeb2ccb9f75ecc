"""The demo's child processes: ready line, stop, and no orphans when the app is killed."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from impilo_desk.demo_stack import ChildProcess, DemoFailed
from tests.fixtures.processes import crash, first_json_line, needs_pdeathsig, python_child
from tests.fixtures.waiting import wait_until

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


def _wait_dead(pid: int) -> None:
    """Waits (bounded) for ``pid`` to end; ``TimeoutError`` when it outlives the wait."""
    wait_until(lambda: not _alive(pid), timeout=10.0, interval=0.05)


def test_child_ready_line_and_stop(tmp_path):
    child = ChildProcess("server", ["-c", SERVER], tmp_path / "server.log")
    ready = asyncio.run(child.start())
    assert ready["url"] == "http://127.0.0.1:1"
    pid = child.pid
    assert pid is not None
    child.stop()
    _wait_dead(pid)


def test_child_without_ready_line_fails_in_one_sentence(tmp_path):
    child = ChildProcess("server", ["-c", "print('hello')"], tmp_path / "server.log")
    with pytest.raises(DemoFailed) as info:
        asyncio.run(child.start())
    assert "server.log" in info.value.user_message
    assert child.pid is None


@needs_pdeathsig
def test_children_die_when_the_app_is_killed(tmp_path):
    app = (
        "import asyncio, json, sys\n"
        "from pathlib import Path\n"
        "from impilo_desk.demo_stack import ChildProcess\n"
        f"child = ChildProcess('server', ['-c', {SERVER!r}], Path({str(tmp_path)!r}) / 's.log')\n"
        "ready = asyncio.run(child.start())\n"
        "print(json.dumps({'child': ready['pid']}), flush=True)\n"
        "import time; time.sleep(120)\n"
    )
    with python_child("-c", app) as proc:
        child_pid = first_json_line(proc)["child"]
        assert _alive(child_pid)
        crash(proc)
        _wait_dead(child_pid)  # else the demo server outlived the app
