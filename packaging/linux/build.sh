#!/usr/bin/env bash
# packaging/linux/build.sh - freeze Impilo Desk with PyInstaller and wrap it in a .deb.
#
#   bash packaging/linux/build.sh          (or: make package)
#
# Output: build/impilo-desk_<version>-<revision>_<arch>.deb, zstd-compressed. Layout:
#   /opt/impilo-desk/                  the PyInstaller one-folder app
#   /usr/bin/impilo-desk               symlink to /opt/impilo-desk/impilo-desk
#   /usr/share/applications/impilo-desk.desktop
#   /usr/share/icons/hicolor/*/apps/impilo-desk.{png,svg}
#   /usr/share/metainfo/org.impilo.Desk.metainfo.xml
# Icon caches and the desktop database are refreshed by the dpkg triggers of hicolor-icon-theme
# and desktop-file-utils, so the package needs no maintainer scripts.
# Env: PY (python with the project and the `package` extra; default .venv/bin/python),
#      DEB_REVISION (default 1), REUSE_DIST=1 (skip PyInstaller and reuse build/dist: for
#      iterating on the .deb layout only).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PY="${PY:-.venv/bin/python}"
NAME=impilo-desk
METAINFO=org.impilo.Desk.metainfo.xml
# Debian packages the bundle needs from the system (toolchain.md §6, verified in a bare Debian 12
# chroot, plus the two Wayland libraries of Qt's Wayland plugin). The libc6 bound is computed from
# the built files, and check_deps.py re-checks the whole line against them on every build.
DEPENDS_REST="libgl1, libegl1, libxcb1, libfontconfig1, fonts-dejavu-core, libwayland-cursor0, libwayland-egl1"
VERSION="$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
REVISION="${DEB_REVISION:-1}"
ARCH="$(dpkg --print-architecture)"
DEB="build/${NAME}_${VERSION}-${REVISION}_${ARCH}.deb"
STAGE=build/deb/root

step() { printf '\n== %s\n' "$*"; }

step "tools"
"$PY" -c 'import PyInstaller' 2>/dev/null || "$PY" -m pip install -q -e ".[package]"
"$PY" -c 'import impilo_desk.__main__' || { echo "build.sh: impilo_desk.__main__ is missing (the desktop app has not landed)"; exit 1; }

step "desktop entry and AppStream metadata"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "resources/linux/$NAME.desktop"
else
  echo "desktop-file-validate not installed (apt-get install desktop-file-utils): skipped"
fi
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net "resources/linux/$METAINFO"
else
  echo "appstreamcli not installed (apt-get install appstream): metainfo NOT validated"
fi

step "icons"
QT_QPA_PLATFORM=offscreen "$PY" packaging/make_icons.py build/icons

if [ "${REUSE_DIST:-0}" = 1 ] && [ -x "build/dist/$NAME/$NAME" ]; then
  step "PyInstaller: skipped, reusing build/dist/$NAME (REUSE_DIST=1)"
else
  step "PyInstaller"
  start=$SECONDS
  QT_QPA_PLATFORM=offscreen "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath build/dist --workpath build/pyinstaller packaging/impilo-desk.spec
  echo "PyInstaller took $((SECONDS - start)) s"
fi
echo "bundle: $(du -sh "build/dist/$NAME" | cut -f1)"
leftovers="$(find "build/dist/$NAME" \( -name 'libgtk-3*' -o -name 'libgdk-3*' -o -name 'libqgtk3*' -o -name '*tcl*' -o -name '*tk8*' \) -print)"
if [ -n "$leftovers" ]; then
  echo "build.sh: build-host leftovers in the bundle:"; echo "$leftovers"; exit 1
fi

step "bundle contents"
# the modules the frozen app must carry (keyring backend and its D-Bus stack, the demo servers
# started with -m) and the ones it must not (Tk, test tools)
"$PY" -m PyInstaller.utils.cliutils.archive_viewer -l -r "build/dist/$NAME/$NAME" > build/bundle-modules.txt
for module in keyring.backends.SecretService secretstorage jeepney impilo_desk.__main__ \
    impilo_desk.sandbox.__main__ impilo_desk.relay.__main__; do
  grep -q "'$module'" build/bundle-modules.txt || { echo "build.sh: $module is not in the bundle"; exit 1; }
done
for module in tkinter _tkinter pytest mypy hypothesis; do
  if grep -q "'$module'" build/bundle-modules.txt; then echo "build.sh: $module must not be bundled"; exit 1; fi
done
echo "ok: keyring backend, demo servers present; tkinter and test tools absent"

step "staging tree"
rm -rf build/deb
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/metainfo" "$STAGE/usr/share/icons" "$STAGE/usr/share/doc/$NAME"
cp -a "build/dist/$NAME" "$STAGE/opt/$NAME"
ln -s "/opt/$NAME/$NAME" "$STAGE/usr/bin/$NAME"
install -m 0644 "resources/linux/$NAME.desktop" "$STAGE/usr/share/applications/"
install -m 0644 "resources/linux/$METAINFO" "$STAGE/usr/share/metainfo/"
cp -a build/icons/hicolor "$STAGE/usr/share/icons/"
cat > "$STAGE/usr/share/doc/$NAME/copyright" <<'EOF'
Impilo Desk. Copyright the Impilo Desk authors. Proprietary.
The bundled third-party components (Python, Qt for Python, and the Python packages under
/opt/impilo-desk/_internal) keep their own licences; see their metadata in that folder.
EOF
# files as root:root (--root-owner-group), readable by all, writable by the owner only
chmod -R u+rwX,go+rX,go-w "$STAGE"

step "dependency check against Depends"
DEPENDS="libc6 (>= $("$PY" packaging/linux/check_deps.py --min-glibc "$STAGE/opt")), $DEPENDS_REST"
echo "Depends: $DEPENDS"
"$PY" packaging/linux/check_deps.py "$STAGE/opt" "$DEPENDS"

installed_kb="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
cat > "$STAGE/DEBIAN/control" <<EOF
Package: $NAME
Version: $VERSION-$REVISION
Section: utils
Priority: optional
Architecture: $ARCH
Maintainer: Impilo Desk Team <impilo-desk@example.invalid>
Installed-Size: $installed_kb
Depends: $DEPENDS
Suggests: gnome-keyring
Description: Desktop console for Impilo webhooks, deliveries and readings
 Impilo Desk is a console for support staff who run integrations with the
 Impilo remote-patient-monitoring platform: webhooks, the webhook secret (kept
 in the system keyring), the delivery log, test events and patient readings.
 .
 The application is a self-contained PyInstaller build under /opt/impilo-desk.
EOF

step "dpkg-deb"
rm -f "$DEB"
start=$SECONDS
dpkg-deb -Zzstd --root-owner-group --build "$STAGE" "$DEB"
echo "dpkg-deb took $((SECONDS - start)) s"
dpkg-deb --info "$DEB" | sed -n '/Package:/,/Description:/p'
echo "built $DEB: $(du -h "$DEB" | cut -f1) ($(stat -c %s "$DEB") bytes), installed size ${installed_kb} KiB"
