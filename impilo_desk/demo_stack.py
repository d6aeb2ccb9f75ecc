"""The demo: the sandbox and the relay as child processes on free loopback ports.

The children die with the app. On exit the app terminates them; if the app crashes, Linux
sends them SIGTERM through ``prctl(PR_SET_PDEATHSIG)``. Other systems have no such call: there
only the normal exit path (window closed, ``atexit``, SIGTERM/SIGINT) stops them, so a hard
crash there can leave them running until the user ends them.

Their databases live in one temporary folder per app run, named ``impilo-desk-demo-<pid>-*``.
A normal exit removes it; after a crash, the next start removes every such folder whose
process is gone (:func:`sweep_stale_workdirs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0
PR_SET_PDEATHSIG = 1
WORKDIR_PREFIX = "impilo-desk-demo-"
SECRET_ENV = "IMPILO_RELAY_SECRET"  # noqa: S105 - names of variables, not secrets
TOKEN_ENV = "IMPILO_RELAY_TOKEN"  # noqa: S105


class DemoFailed(Exception):  # noqa: N818 - reads as what happened
    """A demo server did not start; ``user_message`` says which and where its log is."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class ChildProcess:
    """One server started with ``python -m``, announcing itself with a JSON ready line.

    Start it from the loop's (main) thread: on Linux the death signal follows the thread that
    forked, so a worker thread's exit would end the child.

    Args:
        name: For messages and the log file name.
        argv: Arguments after ``python``.
        log_path: Where the child's stderr goes.
        env: Extra environment variables (secrets reach the child this way, not via argv).
    """

    def __init__(
        self,
        name: str,
        argv: list[str],
        log_path: Path,
        env: dict[str, str] | None = None,
        port: int = 0,
    ) -> None:
        self.name = name
        self._argv = [sys.executable, *argv, "--host", "127.0.0.1", "--port", str(port)]
        self._log_path = log_path
        self._env = env or {}
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def __repr__(self) -> str:
        return f"ChildProcess({self.name!r}, pid={self.pid})"

    @property
    def pid(self) -> int | None:
        """The child's process id, while it runs."""
        return self._process.pid if self._process is not None else None

    def launch(self) -> IO[bytes]:
        """Starts the child (without waiting for it) and returns its stdout."""
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self._log_path.open("ab")
        linux = sys.platform.startswith("linux")
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            self._argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env={**os.environ, **self._env},
            preexec_fn=_die_with_parent if linux else None,
            start_new_session=not linux,  # elsewhere: keep Ctrl+C of a terminal for the app
        )
        assert self._process.stdout is not None
        return self._process.stdout

    async def start(self) -> dict[str, Any]:
        """Starts the child and returns its ready line."""
        stdout = self.launch()
        try:
            line = await asyncio.wait_for(asyncio.to_thread(stdout.readline), READY_TIMEOUT_S)
            ready = json.loads(line)
            if not isinstance(ready, dict) or ready.get("event") != "ready":
                raise ValueError("no ready line")
        except (TimeoutError, ValueError) as exc:
            self.stop()
            raise DemoFailed(
                f"The demo {self.name} did not start; its log is {self._log_path}."
            ) from exc
        except BaseException:
            self.stop()
            raise
        threading.Thread(target=_drain, args=(stdout,), daemon=True).start()
        return ready

    def stop(self) -> None:
        """Terminates the child (then kills it if it lingers) and closes its log."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_S)
        if process is not None and process.stdout is not None:
            process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None


def _drain(stream: IO[bytes]) -> None:
    """Reads the child's stdout until it ends, so the child never blocks on a full pipe."""
    with contextlib.suppress(OSError, ValueError):
        while stream.read(65536):
            pass


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists (a zombie counts as alive; its folder can wait)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process there
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _windows_pid_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    query_limited_information, still_active = 0x1000, 259
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return bool(ok) and code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def make_workdir(base: Path | None = None) -> Path:
    """A new temporary folder for the demo's databases, named after this process."""
    return Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-", dir=base))


def sweep_stale_workdirs(base: Path | None = None) -> list[Path]:
    """Removes the demo folders left by app runs that crashed (their process is gone).

    Args:
        base: The folder to look in (default: the system's temporary folder).

    Returns:
        The folders removed.
    """
    root = Path(base) if base is not None else Path(tempfile.gettempdir())
    removed: list[Path] = []
    try:
        candidates = list(root.glob(f"{WORKDIR_PREFIX}*"))
    except OSError:
        return removed
    for path in candidates:
        pid_text = path.name.removeprefix(WORKDIR_PREFIX).partition("-")[0]
        if not path.is_dir() or not pid_text.isdigit():
            continue
        pid = int(pid_text)
        if pid == os.getpid() or pid_alive(pid):
            continue
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            removed.append(path)
    return removed


@dataclass(frozen=True)
class DemoEndpoints:
    """What the running demo offers (the secrets live only in memory)."""

    api_base_url: str
    api_key: str
    relay_url: str
    relay_token: str
    webhook_secret: str

    def __repr__(self) -> str:
        return f"DemoEndpoints(api={self.api_base_url!r}, relay={self.relay_url!r})"


class DemoStack:
    """The sandbox (``--demo --time-scale 60``) and the relay, sharing one generated secret.

    Args:
        log_dir: Where the children's logs go.
        time_scale: The sandbox's time scale (60: the 15-minute retry comes after 15 s).
        temp_base: Where the run's temporary folder goes (default: the system's temporary folder).
    """

    def __init__(self, log_dir: Path, time_scale: int = 60, temp_base: Path | None = None) -> None:
        self._log_dir = log_dir
        self._time_scale = time_scale
        self._temp_base = temp_base
        self._children: list[ChildProcess] = []
        self._workdir: Path | None = None
        self._relay_secrets: tuple[str, ...] = ()  # in memory only; the newest first
        self._relay_token = ""
        self._relay_port = 0

    @property
    def workdir(self) -> Path | None:
        """The temporary folder of the running demo's databases."""
        return self._workdir

    @property
    def running(self) -> bool:
        """Whether any child was started and not stopped."""
        return bool(self._children)

    async def start(self) -> DemoEndpoints:
        """Starts both servers; on failure nothing is left running."""
        secret = secrets.token_urlsafe(32)
        token = secrets.token_urlsafe(32)
        await asyncio.to_thread(sweep_stale_workdirs, self._temp_base)
        self._workdir = make_workdir(self._temp_base)
        sandbox = ChildProcess(
            "sandbox",
            [
                "-m",
                "impilo_desk.sandbox",
                "--demo",
                "--time-scale",
                str(self._time_scale),
                "--db",
                str(self._workdir / "sandbox.sqlite3"),
            ],
            self._log_dir / "demo-sandbox.log",
        )
        self._relay_secrets, self._relay_token = (secret,), token
        try:
            self._children.append(sandbox)
            sandbox_ready = await sandbox.start()
            relay_ready = await self._start_relay(0)
        except BaseException:
            self.stop()
            raise
        self._relay_port = urlsplit(str(relay_ready["url"])).port or 0
        return DemoEndpoints(
            api_base_url=str(sandbox_ready["base_url"]),
            api_key=str(sandbox_ready["api_key"]),
            relay_url=str(relay_ready["url"]),
            relay_token=token,
            webhook_secret=secret,
        )

    def _relay_child(self, port: int) -> ChildProcess:
        assert self._workdir is not None  # start() made it
        return ChildProcess(
            "relay",
            ["-m", "impilo_desk.relay", "--db", str(self._workdir / "relay.sqlite3")],
            self._log_dir / "demo-relay.log",
            {SECRET_ENV: "\n".join(self._relay_secrets), TOKEN_ENV: self._relay_token},
            port=port,
        )

    async def _start_relay(self, port: int) -> dict[str, Any]:
        relay = self._relay_child(port)
        self._children.append(relay)
        return await relay.start()

    async def relay_takes_secret(self, secret: str) -> None:
        """Restarts the demo's relay on the same port and database, accepting ``secret`` too.

        The relay then accepts the new secret and the one before it (a rotation's overlap), so
        that deliveries signed either way succeed while the sandbox changes over. A delivery
        that arrives while the relay restarts (well under a second) is refused and retried by
        the sandbox on its schedule; the relay's events and sequence survive in its database.

        Raises:
            DemoFailed: The demo is not running, or the relay did not start again.
        """
        relays = [child for child in self._children if child.name == "relay"]
        if not relays or not self._relay_port:
            raise DemoFailed("The demo is not running, so its relay cannot take the secret.")
        self._relay_secrets = (secret, self._relay_secrets[0])
        for child in relays:
            await asyncio.to_thread(child.stop)
            self._children.remove(child)
        await self._start_relay(self._relay_port)

    def stop(self) -> None:
        """Stops both servers (idempotent; safe from ``atexit``)."""
        children, self._children = self._children, []
        self._relay_secrets, self._relay_token, self._relay_port = (), "", 0
        for child in reversed(children):
            child.stop()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
