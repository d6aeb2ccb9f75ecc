"""Packaging metadata agrees with itself: desktop entry, AppStream, PyInstaller spec, icon.

Cheap checks only; building the installers is `make package` / `make package-test`.
"""

import ast
import configparser
import importlib.util
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "resources" / "linux" / "impilo-desk.desktop"
METAINFO = ROOT / "resources" / "linux" / "org.impilo.Desk.metainfo.xml"
SPEC = ROOT / "packaging" / "impilo-desk.spec"
SVG = ROOT / "resources" / "icons" / "impilo-desk.svg"


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def metainfo() -> ET.Element:
    return ET.parse(METAINFO).getroot()  # noqa: S314 - our own file


def spec_literals() -> dict[str, object]:
    """Top-level NAME = <literal> assignments of the PyInstaller spec."""
    found: dict[str, object] = {}
    for node in ast.parse(SPEC.read_text("utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    found[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return found


def test_desktop_entry_launches_the_installed_binary_with_our_icon() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert shlex.split(entry["Exec"])[0] == "impilo-desk"
    assert entry["Icon"] == "impilo-desk"
    assert entry["Terminal"] == "false"
    assert entry["Name"] == "Impilo Desk"


def test_metainfo_names_the_same_binary_icon_and_desktop_file() -> None:
    root = metainfo()
    entry = desktop_entry()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == METAINFO.name.removesuffix(".metainfo.xml")
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert root.findtext("provides/binary") == shlex.split(entry["Exec"])[0]
    assert root.findtext("icon[@type='stock']") == entry["Icon"]
    assert root.findtext("name") == entry["Name"]
    assert root.find("description") is not None
    assert root.findtext("metadata_license") == "CC0-1.0"


def test_spec_uses_the_same_names_as_the_metadata() -> None:
    literals = spec_literals()
    assert literals["NAME"] == desktop_entry()["Icon"] == "impilo-desk"
    assert literals["BUNDLE_ID"] == metainfo().findtext("id")
    assert literals["APP_NAME"] == desktop_entry()["Name"]
    assert "tkinter" in literals["EXCLUDES"]  # type: ignore[operator]


def test_spec_has_a_keyring_backend_for_each_os() -> None:
    backends = spec_literals()["KEYRING_BACKENDS"]
    assert isinstance(backends, dict)
    assert set(backends) == {"linux", "darwin", "win32"}
    assert "keyring.backends.SecretService" in backends["linux"]
    assert "keyring.backends.macOS" in backends["darwin"]
    assert "keyring.backends.Windows" in backends["win32"]


@pytest.mark.parametrize(
    "module",
    sorted({m for mods in spec_literals()["KEYRING_BACKENDS"].values() for m in mods}),  # type: ignore[attr-defined]
)
def test_spec_hidden_import_exists(module: str) -> None:
    assert importlib.util.find_spec(module) is not None, module


def test_icon_svg_is_square_and_self_contained() -> None:
    root = ET.parse(SVG).getroot()  # noqa: S314 - our own file
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    _x, _y, width, height = (float(v) for v in root.get("viewBox", "").split())
    assert width == height
    hrefs = [v for el in root.iter() for k, v in el.attrib.items() if k.endswith("href")]
    assert all(h.startswith("#") for h in hrefs), "the icon must not reference external files"


def test_build_scripts_exist_for_every_os() -> None:
    for path in (
        "packaging/linux/build.sh",
        "packaging/linux/package-test.sh",
        "packaging/windows/build.ps1",
        "packaging/windows/impilo-desk.iss",
        "packaging/macos/build.sh",
        "packaging/macos/dmg_settings.py",
        "packaging/relay/impilo-relay.service",
        ".github/workflows/build.yml",
    ):
        assert (ROOT / path).is_file(), path


def test_launcher_runs_only_our_modules_with_dash_m() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "launcher.py"), "-m", "http.server"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "-m supports only" in done.stderr


@pytest.mark.skipif(
    importlib.util.find_spec("impilo_desk.sandbox") is None, reason="the sandbox has not landed"
)
def test_launcher_runs_the_sandbox_like_python_dash_m() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "packaging" / "launcher.py"),
            "-m",
            "impilo_desk.sandbox",
            "--help",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--time-scale" in done.stdout
