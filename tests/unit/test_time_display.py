"""The one rule for times and durations people read (and ISO 8601 with offset for files)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from impilo_desk.services.number_display import format_number
from impilo_desk.services.time_display import TimeDisplay, duration, file_time

CET = timezone(timedelta(hours=1), "CET")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_local_time_with_its_zone_and_a_date_when_not_today():
    times = TimeDisplay(local_zone=CET)
    assert times.moment(datetime(2026, 12, 1, 9, 30, 5, tzinfo=UTC), NOW) == "10:30:05 CET"
    assert times.moment(datetime(2026, 11, 30, 9, 30, tzinfo=UTC), NOW) == (
        "2026-11-30 10:30:00 CET"
    )
    # 23:30 UTC on the 30th is already the 1st in CET: today there, no date
    assert times.moment(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), NOW) == "00:30:00 CET"
    assert times.column_title() == "Time (CET)"
    today = datetime(2026, 12, 1, 9, 30, 5, tzinfo=UTC)
    assert times.moment(today, NOW, always_date=True) == "2026-12-01 10:30:05 CET"  # lists of days


def test_the_utc_setting_changes_every_listener():
    times = TimeDisplay(local_zone=CET)
    told: list[bool] = []
    times.listen(lambda: told.append(times.utc))
    times.set_utc(True)
    times.set_utc(True)  # no change: nobody is told again
    assert told == [True]
    assert times.moment(NOW.timestamp(), NOW) == "12:00:00 UTC"
    assert times.moment(NOW + timedelta(milliseconds=412), NOW, milliseconds=True) == (
        "12:00:00.412 UTC"
    )


def test_files_keep_iso_8601_with_the_offset():
    assert file_time(datetime(2026, 12, 1, 10, 30, tzinfo=CET)) == "2026-12-01T09:30:00+00:00"
    assert file_time(0) == "1970-01-01T00:00:00+00:00"


def test_one_duration_style():
    assert [duration(s) for s in (0.085, 2.5, 5, 12, 125, 3600, 3840)] == [
        "85 ms", "2.5 s", "5 s", "12 s", "2 min 5 s", "1 h", "1 h 4 min",
    ]  # fmt: skip


def test_one_format_per_unit():
    assert [format_number(v, "lbs") for v in (72.5, 1000, 194)] == ["72.5", "1000.0", "194.0"]
    assert format_number(120.0, "mmHg") == "120"
    assert format_number(float("nan"), "lbs") == ""
