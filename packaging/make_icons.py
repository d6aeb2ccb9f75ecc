"""Render the app icon from its SVG source into PNG sizes, a Windows .ico and a macOS .icns.

Uses Qt's own SVG renderer (PySide6 ships QtSvg), so building icons needs no new dependency.
The .ico and .icns containers are assembled here because Qt's writers store a single image:

* .ico: one entry per size; sizes under 256 px are BMP entries (as Qt's ICO writer encodes
  them, which every Windows version and Inno Setup read), 256 px is a PNG entry (Vista+).
* .icns: PNG entries with the modern type codes (macOS 10.7+).

Usage: ``python packaging/make_icons.py [OUT_DIR]`` (default ``build/icons``). Writes
``OUT_DIR/hicolor/NxN/apps/impilo-desk.png``, ``OUT_DIR/hicolor/scalable/apps/impilo-desk.svg``,
``OUT_DIR/impilo-desk.ico`` and ``OUT_DIR/impilo-desk.icns``.
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "impilo-desk.svg"
NAME = "impilo-desk"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# icns type code -> pixel size (the @2x codes hold the doubled size).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """Render the SVG into a transparent square image of ``size`` pixels."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def encode(image: QImage, fmt: str) -> bytes:
    """Encode ``image`` with Qt's writer for ``fmt`` (``png`` or ``ico``) and return the bytes."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, fmt.encode())
    if not writer.write(image):
        raise RuntimeError(f"Qt could not encode {fmt}: {writer.errorString()}")
    buffer.close()
    return bytes(data.data())


def bmp_entry(image: QImage) -> bytes:
    """Return the BMP payload of a single-image .ico that Qt wrote for ``image``."""
    ico = encode(image, "ico")
    _reserved, kind, count = struct.unpack_from("<HHH", ico, 0)
    if kind != 1 or count != 1:
        raise RuntimeError("unexpected ICO header from Qt")
    size, offset = struct.unpack_from("<II", ico, 6 + 8)
    return ico[offset : offset + size]


def build_ico(images: dict[int, QImage]) -> bytes:
    """Assemble a multi-size .ico from ``images`` (size -> image)."""
    payloads = [
        (size, encode(images[size], "png") if size >= 256 else bmp_entry(images[size]))
        for size in ICO_SIZES
    ]
    header = struct.pack("<HHH", 0, 1, len(payloads))
    offset = len(header) + 16 * len(payloads)
    directory = b""
    for size, payload in payloads:
        side = 0 if size >= 256 else size  # 0 means 256 in the ICO directory
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(payload), offset)
        offset += len(payload)
    return header + directory + b"".join(payload for _, payload in payloads)


def build_icns(renderer: QSvgRenderer) -> bytes:
    """Assemble a .icns with PNG entries for every type in ``ICNS_TYPES``."""
    body = b""
    for code, size in ICNS_TYPES:
        png = encode(render(renderer, size), "png")
        body += code + struct.pack(">I", 8 + len(png)) + png
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(argv: list[str] | None = None) -> int:
    """Write every icon file into the output folder; return the process exit code."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else ROOT / "build" / "icons"
    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"make_icons: cannot parse {SVG}", file=sys.stderr)
        return 1
    images: dict[int, QImage] = {}
    for size in sorted(set(PNG_SIZES) | set(ICO_SIZES)):
        images[size] = render(renderer, size)
        if size in PNG_SIZES:
            target = out / "hicolor" / f"{size}x{size}" / "apps" / f"{NAME}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(encode(images[size], "png"))
    scalable = out / "hicolor" / "scalable" / "apps" / f"{NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SVG, scalable)
    (out / f"{NAME}.ico").write_bytes(build_ico(images))
    (out / f"{NAME}.icns").write_bytes(build_icns(renderer))
    print(f"make_icons: wrote {len(PNG_SIZES)} PNG sizes, .ico and .icns to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
