#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a throwaway, unlocked gnome-keyring, so
# that keyring tests talk to a real Secret Service. Files go to temporary folders, not $HOME.
set -euo pipefail
XDG_RUNTIME_DIR="$(mktemp -d)"; chmod 700 "$XDG_RUNTIME_DIR"; export XDG_RUNTIME_DIR
XDG_DATA_HOME="$(mktemp -d)"; export XDG_DATA_HOME
trap 'rm -rf "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME"' EXIT
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  dbus-run-session -- bash -c '
    printf "throwaway-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$@"' _ "$@" 2> >(grep -v "Failed to set fd limit" >&2)
else
  "$@"
fi
