"""The app icon renders from its SVG into PNGs, a multi-size .ico and a .icns (Qt offscreen)."""

import importlib.util
import struct
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_make_icons() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_icons", ROOT / "packaging" / "make_icons.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def icons(tmp_path_factory: pytest.TempPathFactory, qapp: object) -> Path:
    # qapp first: make_icons would otherwise create a QGuiApplication, and widget tests that
    # run later in the session need a QApplication.
    out = tmp_path_factory.mktemp("icons")
    assert load_make_icons().main([str(out)]) == 0
    return out


@pytest.mark.parametrize("size", [16, 32, 48, 256, 512])
def test_png_sizes(icons: Path, size: int) -> None:
    data = (icons / "hicolor" / f"{size}x{size}" / "apps" / "impilo-desk.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (size, size)


def test_ico_holds_every_size(icons: Path) -> None:
    data = (icons / "impilo-desk.ico").read_bytes()
    _reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (kind, count) == (1, 7)
    sides = []
    for i in range(count):
        width, _h, _c, _r, _planes, bits, size, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i
        )
        assert bits == 32
        assert offset + size <= len(data)
        sides.append(width or 256)
    assert sides == [16, 24, 32, 48, 64, 128, 256]


def test_icns_entries_are_pngs(icons: Path) -> None:
    data = (icons / "impilo-desk.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    codes, offset = [], 8
    while offset < len(data):
        code = data[offset : offset + 4]
        (length,) = struct.unpack(">I", data[offset + 4 : offset + 8])
        assert data[offset + 8 : offset + 16] == b"\x89PNG\r\n\x1a\n"
        codes.append(code)
        offset += length
    assert offset == len(data)
    assert {b"ic07", b"ic08", b"ic09", b"ic10"} <= set(codes)
