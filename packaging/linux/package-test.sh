#!/usr/bin/env bash
# packaging/linux/package-test.sh - install the built .deb the way a user would, run the installed
# app's smoke test offscreen and in a real X server (Xvfb), then remove the package again.
#
#   bash packaging/linux/package-test.sh [path/to/impilo-desk_*.deb]     (or: make package-test)
#
# Needs root (or sudo) for apt-get. Screenshots are kept in build/package-test/ for a look.
# KEEP_INSTALLED=1 leaves the package installed afterwards.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

NAME=impilo-desk
# --demo: the smoke test runs against the demo sandbox and relay, which the frozen app starts as
# its own child processes (`impilo-desk -m impilo_desk.sandbox`), so that path is tested too.
read -r -a SMOKE_ARGS <<< "${SMOKE_ARGS:---demo --smoke-test}"
DEB="${1:-$(find build -maxdepth 1 -name "${NAME}_*.deb" -printf '%T@ %p\n' 2>/dev/null | sort -rn | head -n1 | cut -d' ' -f2-)}"
if [ -z "$DEB" ] || [ ! -f "$DEB" ]; then
  echo "package-test: no .deb in build/; run 'make package' first"; exit 1
fi
case "$DEB" in /*|./*) ;; *) DEB="./$DEB" ;; esac   # apt-get needs a path, not a bare name

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "package-test: needs root or sudo for apt-get"; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
OUT=build/package-test
rm -rf "$OUT"; mkdir -p "$OUT"
SANDBOX_HOME="$(mktemp -d)"   # the app's config, data and cache go here, not into ~
cleanup() {
  rm -rf "$SANDBOX_HOME"
  if [ "${KEEP_INSTALLED:-0}" != 1 ]; then
    $SUDO apt-get remove -y -qq --purge "$NAME" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

echo "== apt-get install $DEB"
$SUDO apt-get install -y -qq --reinstall "$DEB"
dpkg-query -W -f='installed ${Package} ${Version}, Installed-Size ${Installed-Size} KiB\n' "$NAME"
echo "on disk: $(du -sh /opt/$NAME | cut -f1) in /opt/$NAME"
for f in /usr/bin/$NAME /usr/share/applications/$NAME.desktop \
         /usr/share/metainfo/org.impilo.Desk.metainfo.xml \
         /usr/share/icons/hicolor/48x48/apps/$NAME.png /usr/share/icons/hicolor/scalable/apps/$NAME.svg; do
  [ -e "$f" ] || { echo "package-test: $f is missing after install"; exit 1; }
done

# A PNG is non-trivial when it decodes as PNG, is at least 320x240 and is not a flat image
# (a flat or near-empty window compresses to a few KiB).
check_png() {
  python3 - "$1" <<'PY'
import struct, sys
path = sys.argv[1]
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert width >= 320 and height >= 240, f"{path}: only {width}x{height}"
assert len(data) >= 8 * 1024, f"{path}: {len(data)} bytes, looks blank"
print(f"{path}: {width}x{height}, {len(data)} bytes")
PY
}

smoke() {  # smoke LABEL PLATFORM [wrapper...]
  local label=$1 platform=$2; shift 2
  local png="$OUT/smoke-$label.png" start=$SECONDS rc=0
  echo "== smoke test ($label)"
  env HOME="$SANDBOX_HOME" XDG_CONFIG_HOME="$SANDBOX_HOME/config" XDG_DATA_HOME="$SANDBOX_HOME/data" \
      XDG_CACHE_HOME="$SANDBOX_HOME/cache" IMPILO_DESK_HOME="$SANDBOX_HOME/impilo-desk" \
      QT_QPA_PLATFORM="$platform" \
      "$@" timeout -k 10 180 /usr/bin/$NAME "${SMOKE_ARGS[@]}" "$(pwd)/$png" || rc=$?
  echo "exit $rc after $((SECONDS - start)) s"
  [ "$rc" -eq 0 ] || { echo "package-test: smoke test ($label) failed"; exit 1; }
  check_png "$png"
}

smoke offscreen offscreen
if command -v xvfb-run >/dev/null; then
  smoke xvfb xcb xvfb-run -a -s "-screen 0 1280x900x24"
else
  echo "xvfb-run not installed: the real-window smoke test is skipped"
fi

echo "== apt-get remove"
$SUDO apt-get remove -y -qq --purge "$NAME" >/dev/null
if [ -e /opt/$NAME ] || [ -e /usr/bin/$NAME ]; then
  echo "package-test: files left after removal"; exit 1
fi
echo "package-test: passed ($DEB)"
