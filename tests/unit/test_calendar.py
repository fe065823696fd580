"""Working days follow the holiday file (节假日, 调休); deadlines end the due day in Shanghai."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from warning.domain.calendar import CalendarError, DayKind, due_at, parse_calendar
from warning.handling.holidays import DEFAULT_FILE, load_calendar


@pytest.fixture(scope="module")
def cal():  # type: ignore[no-untyped-def]
    return load_calendar()


def test_bundled_file_covers_2025_to_2027(cal) -> None:  # type: ignore[no-untyped-def]
    assert cal.years == frozenset({2025, 2026, 2027})
    assert DEFAULT_FILE.name == "holidays-cn.yaml"


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 2, 16), False),  # 春节 Monday
    (date(2026, 2, 14), True),   # 调休 Saturday
    (date(2026, 2, 28), True),   # 调休 Saturday
    (date(2026, 1, 4), True),    # 元旦 调休 Sunday
    (date(2026, 10, 8), True),   # 2026 国庆 ends 10-07; Thursday 10-08 is worked
    (date(2025, 10, 8), False),  # 2025 国庆中秋 runs to 10-08
    (date(2025, 9, 28), True),   # 调休 Sunday
    (date(2026, 3, 7), False),   # ordinary Saturday
    (date(2026, 3, 9), True),    # ordinary Monday
])
def test_working_days(cal, day: date, working: bool) -> None:  # type: ignore[no-untyped-def]
    assert cal.is_working_day(day) is working


def test_adding_working_days_skips_spring_festival(cal) -> None:  # type: ignore[no-untyped-def]
    # Friday 2026-02-13: next working days are Sat 02-14 (调休), then Tue 02-24.
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert cal.add_working_days(date(2026, 2, 24), -1) == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 3, 9), 0) == date(2026, 3, 9)


def test_due_at_is_end_of_local_day_in_utc(cal) -> None:  # type: ignore[no-untyped-def]
    # 2026-02-13 20:00 Shanghai = 12:00 UTC; 2 working days -> the end of 2026-02-24 +08:00.
    start = datetime(2026, 2, 13, 12, 0, tzinfo=UTC)
    assert due_at(start, 2, DayKind.WORKING, cal) == datetime(2026, 2, 24, 15, 59, 59, 999_999, tzinfo=UTC)
    assert due_at(start, 2, "calendar", cal) == datetime(2026, 2, 15, 15, 59, 59, 999_999, tzinfo=UTC)
    # 17:00 UTC is already the next day in Shanghai.
    late = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)  # Sat 01:00 local
    assert due_at(late, 1, DayKind.WORKING, cal) == datetime(2026, 3, 9, 15, 59, 59, 999_999, tzinfo=UTC)


def test_bad_files_name_the_place(tmp_path: Path) -> None:
    with pytest.raises(CalendarError, match=r"years\.2026\.holidays"):
        parse_calendar({"years": {2026: {"holidays": ["2026-13-01"]}}})
    with pytest.raises(CalendarError, match="不在 2026"):
        parse_calendar({"years": {2026: {"holidays": ["2025-01-01"]}}})
    with pytest.raises(CalendarError, match="既是假日又是工作日"):
        parse_calendar({"years": {2026: {"holidays": ["2026-01-04"], "workdays": ["2026-01-04"]}}})
    bad = tmp_path / "h.yaml"
    bad.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(CalendarError, match=str(bad)):
        load_calendar(bad)
