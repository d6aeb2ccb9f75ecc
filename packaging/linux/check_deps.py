"""Check that a .deb staging tree runs on a machine that has only its Depends installed.

A PyInstaller bundle carries most libraries itself; the rest must come from the Depends line.
Installing the .deb on the build host proves little, because the host has everything. This
check reads the ELF files in the tree instead:

1. every ``DT_NEEDED`` library that is not bundled is looked up on the host (``ldconfig -p``)
   and mapped to its Debian package (``dpkg -S``); that package must be in the recursive
   dependency closure of the Depends line (``apt-cache depends --recurse``);
2. the highest ``GLIBC_x.y`` symbol version any file needs must not exceed the
   ``libc6 (>= x.y)`` bound in Depends.

A library that is missing on the host too is reported as a warning: it belongs to a Qt plugin
that then does not load (for example a database driver), and PyInstaller warned about it.

Usage: ``python packaging/linux/check_deps.py STAGING_ROOT "DEPENDS LINE"``. Exit 1 on errors.
``python packaging/linux/check_deps.py --min-glibc STAGING_ROOT`` prints the glibc version that
the files need (the build script writes it into ``libc6 (>= ...)``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

NEEDED = re.compile(r"\(NEEDED\)\s+Shared library: \[(?P<name>[^\]]+)\]")
GLIBC = re.compile(r"GLIBC_(?P<ver>\d+\.\d+(?:\.\d+)?)")
ALWAYS_THERE = ("libc6", "libgcc-s1", "libstdc++6")  # essential or pulled by libc6 users


def run(*cmd: str) -> str:
    """Run a command and return its stdout ('' when it fails)."""
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
    return done.stdout if done.returncode == 0 else ""


def elf_files(root: Path) -> list[Path]:
    """All regular ELF files under ``root`` (symlinks are skipped)."""
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def version_key(version: str) -> tuple[int, ...]:
    """Sort key for dotted versions."""
    return tuple(int(part) for part in version.split("."))


def host_libraries() -> dict[str, str]:
    """Map each soname to its path, from the host's linker cache (first entry wins)."""
    libs: dict[str, str] = {}
    for line in run("ldconfig", "-p").splitlines()[1:]:
        name, _, path = line.strip().partition(" => ")
        soname = name.split(" ", 1)[0]
        libs.setdefault(soname, path.strip())
    return libs


def owning_package(path: str) -> str | None:
    """The Debian package that ships ``path`` (tries the /usr-merged twin too)."""
    candidates = [path]
    if path.startswith("/lib"):
        candidates.append("/usr" + path)
    elif path.startswith("/usr/lib"):
        candidates.append(path[len("/usr") :])
    for candidate in candidates:
        out = run("dpkg", "-S", str(Path(candidate).resolve()))
        out = out or run("dpkg", "-S", candidate)
        if out:
            return out.split(":", 1)[0].strip()
    return None


def depends_closure(depends: str) -> set[str]:
    """Names of every package the Depends line pulls in, recursively (virtuals included)."""
    names = [re.split(r"[\s(]", alt.strip(), maxsplit=1)[0] for alt in re.split(r"[,|]", depends)]
    names = [n for n in names if n]
    out = run(
        "apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
        "--no-breaks", "--no-replaces", "--no-enhances", *names,
    )  # fmt: skip
    closure = set(names)
    for line in out.splitlines():
        if not line.startswith(" "):
            closure.add(line.strip().strip("<>").split(":", 1)[0])
    return closure


def min_glibc(files: list[Path]) -> str:
    """The highest GLIBC_x.y symbol version that any of ``files`` needs."""
    glibc = "0.0"
    for path in files:
        for match in GLIBC.finditer(run("readelf", "-V", "--wide", str(path))):
            glibc = max(glibc, match["ver"], key=version_key)
    return glibc


def main(argv: list[str]) -> int:
    """Run both checks; print a summary; return 1 when a dependency is not covered."""
    if argv[0] == "--min-glibc":
        print(min_glibc(elf_files(Path(argv[1]))))
        return 0
    root, depends = Path(argv[0]), argv[1]
    files = elf_files(root)
    bundled = {p.name for p in root.rglob("*")}
    host = host_libraries()
    needed_by: dict[str, set[str]] = {}
    for path in files:
        for match in NEEDED.finditer(run("readelf", "-d", "--wide", str(path))):
            if match["name"] not in bundled:
                needed_by.setdefault(match["name"], set()).add(str(path.relative_to(root)))
    glibc = min_glibc(files)
    closure = depends_closure(depends)
    errors, warnings, packages = [], [], set()
    for soname, users in sorted(needed_by.items()):
        where = host.get(soname)
        package = owning_package(where) if where else None
        if package is None:
            warnings.append(f"{soname} (not on this host either; needed by {sorted(users)[0]})")
            continue
        base = package.split(":", 1)[0]
        packages.add(base)
        if base not in closure and base not in ALWAYS_THERE:
            example = sorted(users)[0]
            errors.append(f"{soname} from {base} is not covered by Depends (needed by {example})")
    bound = re.search(r"libc6 \(>= (?P<ver>[\d.]+)\)", depends)
    if bound is None or version_key(glibc) > version_key(bound["ver"]):
        errors.append(f"files need GLIBC_{glibc}; Depends must say libc6 (>= {glibc})")
    print(f"check_deps: {len(files)} ELF files, {len(needed_by)} system libraries from "
          f"{len(packages)} packages, highest glibc symbol {glibc}")  # fmt: skip
    for line in warnings:
        print(f"check_deps: warning: {line}")
    for line in errors:
        print(f"check_deps: ERROR: {line}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
