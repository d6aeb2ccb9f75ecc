"""dmgbuild settings for the Impilo Desk disk image (used by packaging/macos/build.sh).

dmgbuild executes this file with a ``defines`` dict from its ``-D`` options: ``app`` (path to the
.app bundle) and ``icon`` (the .icns for the volume).
"""

import os.path

application = defines.get("app", "build/dist/Impilo Desk.app")  # type: ignore[name-defined]  # noqa: F821 - set by dmgbuild
appname = os.path.basename(application)

format = "UDZO"  # zlib-compressed, readable on every supported macOS
filesystem = "HFS+"
size = None  # computed from the contents
files = [application]
symlinks = {"Applications": "/Applications"}
icon = defines.get("icon")  # type: ignore[name-defined]  # noqa: F821 - set by dmgbuild
hide_extensions = [appname]

# window: the app on the left, the Applications link on the right ("drag to install")
window_rect = ((200, 120), (600, 340))
default_view = "icon-view"
show_icon_preview = False
icon_size = 128
text_size = 13
icon_locations = {appname: (150, 150), "Applications": (450, 150)}
