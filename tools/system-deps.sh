#!/usr/bin/env bash
# Installs the Debian packages that Qt (offscreen and under Xvfb), fonts, a real Secret
# Service and the relay's multi-replica tests (PostgreSQL, HAProxy) need, only those that are
# missing. Used by `make` and `.ci/run`; see toolchain.md. The tests find PostgreSQL's binaries
# in /usr/lib/postgresql/*/bin and start throwaway servers of their own.
set -euo pipefail

PKGS=(
  libegl1 libgl1 libxkbcommon0 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 libx11-6
  fonts-dejavu-core ca-certificates
  libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 xvfb xauth
  dbus-daemon gnome-keyring
  postgresql haproxy
  curl  # the tests run the "Copy as curl" commands for real
)

# `system-deps.sh --bench` also installs what `make bench` needs: wrk (the load generator of the
# relay-against-smee.io run) and node/npm (the smee.io server it runs side by side).
# A program already on PATH (node from elsewhere, say) is not installed again.
if [ "${1:-}" = "--bench" ]; then
  PKGS=()
  command -v wrk >/dev/null 2>&1 || PKGS+=(wrk)
  command -v node >/dev/null 2>&1 || PKGS+=(nodejs)
  command -v npm >/dev/null 2>&1 || PKGS+=(npm)
  [ "${#PKGS[@]}" -eq 0 ] && exit 0
fi

command -v dpkg-query >/dev/null 2>&1 || { echo "system-deps: not a Debian system; install Qt's runtime libraries yourself"; exit 0; }

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "system-deps: need root (or sudo) to install: ${missing[*]}"; exit 1; }
  SUDO="sudo"
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
