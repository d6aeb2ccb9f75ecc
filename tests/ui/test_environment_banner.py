"""No environment is announced before a profile exists (issue 13: no SANDBOX banner behind the
welcome dialog)."""

from __future__ import annotations

from tests.fixtures.desk import ProfileStub


def test_the_environment_banner_waits_for_a_profile(qtbot, make_desk):
    desk = make_desk()
    banner = desk.window.environment_banner
    assert not banner.isVisible()
    assert "SANDBOX" not in banner.text()
    with qtbot.waitSignal(desk.webhooks.loaded, timeout=5000):
        desk.sessions.switch_to(ProfileStub(environment="staging"))
    assert banner.isVisible()
    assert banner.text().startswith("STAGING")


def test_message_signs_are_drawn_by_the_banner_font_not_as_boxes(qtbot):
    """The sign before a sentence (⚠ error, ℹ notice) exists in the font the banner uses.

    ⓘ was used before: DejaVu Sans, the default face on Debian, has no glyph for it, so every
    notice began with an empty box.
    """
    from PySide6.QtGui import QRawFont
    from PySide6.QtWidgets import QLabel

    from impilo_desk.ui.kit.banners import MessageBanner

    banner = MessageBanner()
    qtbot.addWidget(banner)
    label = banner.findChild(QLabel)
    assert label is not None
    for show in (banner.show_error, banner.show_info):
        show("Something happened.")
        sign = label.text()[0]
        raw = QRawFont.fromFont(label.font())
        assert raw.supportsCharacter(ord(sign)), (sign, raw.familyName())
