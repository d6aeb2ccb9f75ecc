"""``python -m impilo_desk --smoke-test PNG`` as a real process, on a machine with no profile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SMOKE_TIMEOUT_S = 120.0  # bounded: the app exits by itself once the screenshot is saved
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_smoke_test_starts_the_demo_without_a_profile_and_saves_a_png(tmp_path: Path) -> None:
    home = tmp_path / "home"
    desk_home = tmp_path / "desk-home"
    for folder in (home, desk_home):
        folder.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "IMPILO_DESK_HOME": str(desk_home),  # no saved profile here
        "QT_QPA_PLATFORM": "offscreen",
    }
    png = tmp_path / "out.png"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "impilo_desk", "--smoke-test", str(png)],
            env=env,
            capture_output=True,
            text=True,
            timeout=SMOKE_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:  # the welcome dialog would wait here forever
        pytest.fail(f"--smoke-test did not finish: {exc.stderr!r}")
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(next(line for line in done.stdout.splitlines() if "smoke-test" in line))
    assert report["ok"] is True
    data = png.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 10_000  # a painted window, not an empty image
    # The run used a throwaway home: nothing was written into the given one, or the user's.
    assert not (desk_home / "config" / "profiles.json").exists()
    assert not any(home.rglob("profiles.json"))
