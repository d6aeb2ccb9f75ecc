#!/usr/bin/env bash
# packaging/macos/build.sh - build "Impilo Desk.app" and a .dmg on macOS, sign and notarise them
# when credentials are present, and smoke-test the app (frozen, and installed from the .dmg).
#
#   PY=python3 bash packaging/macos/build.sh
#
# Output: build/dist/Impilo Desk.app and build/Impilo-Desk-<version>.dmg
# Optional credentials (each step is skipped, with a message, when its variables are missing):
#   MACOS_SIGN_IDENTITY      "Developer ID Application: Name (TEAMID)" - codesign the app and .dmg
#   MACOS_CERT_P12_BASE64,   the identity as a base64 .p12 and its password: imported into a
#   MACOS_CERT_PASSWORD      temporary keychain (CI); leave unset when it is in your login keychain
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD - notarise with notarytool and staple the ticket
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PY="${PY:-python3}"
VERSION="$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
APP="build/dist/Impilo Desk.app"
DMG="build/Impilo-Desk-$VERSION.dmg"
SHOTS=build/package-test
mkdir -p "$SHOTS"

step() { printf '\n== %s\n' "$*"; }

smoke() {  # smoke LABEL EXECUTABLE [QT_QPA_PLATFORM]
  local label=$1 exe=$2 platform=${3:-} png="$SHOTS/smoke-$1.png" rc=0
  rm -f "$png"
  step "smoke test ($label)"
  if [ -n "$platform" ]; then
    QT_QPA_PLATFORM="$platform" "$exe" --demo --smoke-test "$(pwd)/$png" || rc=$?
  else
    (unset QT_QPA_PLATFORM; "$exe" --demo --smoke-test "$(pwd)/$png") || rc=$?
  fi
  [ "$rc" -eq 0 ] || { echo "smoke test ($label) exited with $rc"; exit 1; }
  if [ ! -f "$png" ] || [ "$(stat -f %z "$png")" -lt 8192 ]; then
    echo "smoke test ($label): no screenshot or a blank one"; exit 1
  fi
  echo "smoke test ($label) passed: $(stat -f %z "$png") bytes"
}

step "tools"
"$PY" -m pip install -q -e ".[package]" "dmgbuild>=1.6"

step "icons"
QT_QPA_PLATFORM=offscreen "$PY" packaging/make_icons.py build/icons

step "PyInstaller"
QT_QPA_PLATFORM=offscreen "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath build/dist --workpath build/pyinstaller packaging/impilo-desk.spec
echo "bundle: $(du -sh "$APP" | cut -f1)"

step "codesign"
KEYCHAIN=""
if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  if [ -n "${MACOS_CERT_P12_BASE64:-}" ]; then
    KEYCHAIN="$(mktemp -d)/signing.keychain-db"
    KEYCHAIN_PW="$(uuidgen)"
    security create-keychain -p "$KEYCHAIN_PW" "$KEYCHAIN"
    security set-keychain-settings -lut 3600 "$KEYCHAIN"
    security unlock-keychain -p "$KEYCHAIN_PW" "$KEYCHAIN"
    echo "$MACOS_CERT_P12_BASE64" | base64 --decode > "${KEYCHAIN%/*}/cert.p12"
    security import "${KEYCHAIN%/*}/cert.p12" -k "$KEYCHAIN" -P "${MACOS_CERT_PASSWORD:-}" -T /usr/bin/codesign
    rm -f "${KEYCHAIN%/*}/cert.p12"
    security set-key-partition-list -S apple-tool:,apple: -s -k "$KEYCHAIN_PW" "$KEYCHAIN" >/dev/null
    # keep the existing search list (paths without spaces) and put the temporary keychain first
    # shellcheck disable=SC2046
    security list-keychains -d user -s "$KEYCHAIN" $(security list-keychains -d user | tr -d '"')
    trap 'security delete-keychain "$KEYCHAIN" || true' EXIT
  fi
  # hardened runtime (required for notarisation); --deep signs every nested library and framework
  codesign --force --deep --options runtime --timestamp \
    --entitlements packaging/macos/entitlements.plist --sign "$MACOS_SIGN_IDENTITY" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
else
  echo "MACOS_SIGN_IDENTITY not set: the app is NOT signed (Gatekeeper will block it on other Macs)"
fi

smoke frozen-offscreen "$APP/Contents/MacOS/impilo-desk" offscreen
smoke frozen-cocoa "$APP/Contents/MacOS/impilo-desk"

step "dmg"
rm -f "$DMG"
"$PY" -m dmgbuild -s packaging/macos/dmg_settings.py -D app="$APP" -D icon=build/icons/impilo-desk.icns \
  "Impilo Desk" "$DMG"
if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$DMG"
fi

step "notarisation"
if [ -n "${MACOS_SIGN_IDENTITY:-}" ] && [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
  xcrun notarytool submit "$DMG" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
    --password "$APPLE_APP_PASSWORD" --wait --timeout 30m
  xcrun stapler staple "$DMG"
  xcrun stapler validate "$DMG"
  spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
else
  echo "notarisation skipped: needs MACOS_SIGN_IDENTITY, APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD"
fi

step "install from the dmg and smoke-test"
MOUNT="$(mktemp -d)"
hdiutil attach -nobrowse -readonly -mountpoint "$MOUNT" "$DMG" >/dev/null
INSTALL_DIR="$(mktemp -d)"
ditto "$MOUNT/Impilo Desk.app" "$INSTALL_DIR/Impilo Desk.app"
hdiutil detach "$MOUNT" >/dev/null
smoke installed "$INSTALL_DIR/Impilo Desk.app/Contents/MacOS/impilo-desk" offscreen
rm -rf "$INSTALL_DIR"
echo "built $DMG: $(du -h "$DMG" | cut -f1)"
