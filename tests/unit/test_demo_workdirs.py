"""The demo's temporary folders: gone after a normal exit, and swept after a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from impilo_desk.demo_stack import WORKDIR_PREFIX, DemoStack, make_workdir, sweep_stale_workdirs
from tests.fixtures.processes import crash, first_json_line, needs_pdeathsig, python_child


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(10)
    return proc.pid


def test_sweep_removes_only_folders_of_dead_processes(tmp_path):
    mine = make_workdir(tmp_path)
    assert mine.name.startswith(f"{WORKDIR_PREFIX}{os.getpid()}-")
    parent = tmp_path / f"{WORKDIR_PREFIX}{os.getppid()}-abc"
    dead = tmp_path / f"{WORKDIR_PREFIX}{_dead_pid()}-xyz"
    odd = tmp_path / f"{WORKDIR_PREFIX}not-a-pid"
    for folder in (parent, dead, odd):
        folder.mkdir()
    (dead / "relay.sqlite3").write_bytes(b"x")
    assert sweep_stale_workdirs(tmp_path) == [dead]
    assert not dead.exists()
    assert mine.exists()
    assert parent.exists()
    assert odd.exists()


@pytest.mark.anyio
async def test_demo_keeps_both_databases_in_its_folder_and_removes_it_on_stop(tmp_path):
    demo = DemoStack(tmp_path / "log", temp_base=tmp_path)
    try:
        await demo.start()
        workdir = demo.workdir
        assert workdir is not None
        assert workdir.parent == tmp_path
        names = {p.name for p in workdir.iterdir()}
        assert {"sandbox.sqlite3", "relay.sqlite3"} <= names
    finally:
        demo.stop()
    assert not workdir.exists()
    assert demo.workdir is None


@needs_pdeathsig
def test_folder_of_a_crashed_app_is_swept_on_the_next_start(tmp_path):
    app = (
        "import asyncio, json\n"
        "from pathlib import Path\n"
        "from impilo_desk.demo_stack import DemoStack\n"
        f"base = Path({str(tmp_path)!r})\n"
        "demo = DemoStack(base / 'log', temp_base=base)\n"
        "asyncio.run(demo.start())\n"
        "print(json.dumps({'workdir': str(demo.workdir)}), flush=True)\n"
        "import time; time.sleep(120)\n"
    )
    with python_child("-c", app) as proc:
        workdir = Path(first_json_line(proc)["workdir"])
        assert workdir.is_dir()
        crash(proc)
        assert workdir.is_dir()
    assert workdir in sweep_stale_workdirs(tmp_path)
    assert not workdir.exists()
