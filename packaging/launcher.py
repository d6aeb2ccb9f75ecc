"""Entry point that PyInstaller freezes into the ``impilo-desk`` executable.

It runs ``impilo_desk.__main__.main()``. Two extras that only matter in a frozen build:

* ``impilo-desk -m impilo_desk.sandbox ...`` (or ``impilo_desk.relay``) runs that module as a
  script, like ``python -m``. In a frozen app ``sys.executable`` is this program, so code that
  starts the embedded sandbox with ``[sys.executable, "-m", "impilo_desk.sandbox", ...]`` works
  unchanged from source and from the installer.
* A windowed build on Windows has no console: ``sys.stdout``/``sys.stderr`` are ``None``. When
  the parent handed us pipes (a child server printing its JSON ready line to the app), those
  inherited handles are used; otherwise output goes to the file named by
  ``IMPILO_DESK_CONSOLE_LOG`` (the build scripts set it for the smoke test so that a failure's
  reason is kept) or else to the null device.
"""

from __future__ import annotations

import multiprocessing
import os
import runpy
import sys
from typing import TextIO

RUNNABLE_MODULES = ("impilo_desk.sandbox", "impilo_desk.relay", "impilo_desk")


STD_OUTPUT_HANDLE = -11
STD_ERROR_HANDLE = -12


def _inherited_windows_stream(std_handle: int) -> TextIO | None:
    """The pipe or file that the parent process gave us as a standard handle, if any."""
    if sys.platform != "win32":
        return None
    import ctypes  # Windows only, imported here
    import msvcrt

    get_std_handle = ctypes.windll.kernel32.GetStdHandle
    get_std_handle.restype = ctypes.c_void_p
    handle = get_std_handle(std_handle)
    if not handle or handle == ctypes.c_void_p(-1).value:
        return None
    try:
        fd = msvcrt.open_osfhandle(handle, os.O_WRONLY)
        return open(fd, "w", encoding="utf-8", buffering=1)
    except OSError:
        return None


def _fix_missing_streams() -> None:
    """Give a windowed build real stdout/stderr so that print and logging never fail."""
    if sys.stdout is None:
        sys.stdout = _inherited_windows_stream(STD_OUTPUT_HANDLE)  # type: ignore[assignment]
    if sys.stderr is None:
        sys.stderr = _inherited_windows_stream(STD_ERROR_HANDLE)  # type: ignore[assignment]
    if sys.stdout is not None and sys.stderr is not None:
        return
    target = os.environ.get("IMPILO_DESK_CONSOLE_LOG") or os.devnull
    stream = open(target, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - process lifetime
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream


def run() -> int:
    """Dispatch ``-m MODULE`` or start the desktop app; return the exit code."""
    multiprocessing.freeze_support()
    _fix_missing_streams()
    if len(sys.argv) >= 3 and sys.argv[1] == "-m":
        module = sys.argv[2]
        if module not in RUNNABLE_MODULES:
            print(f"impilo-desk: -m supports only {', '.join(RUNNABLE_MODULES)}", file=sys.stderr)
            return 2
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from impilo_desk.__main__ import main

    result = main()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(run())
