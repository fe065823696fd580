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


def _end(year: int, month: int, day: int) -> datetime:
    """The last microsecond of a Shanghai day, in UTC."""
    return datetime(year, month, day, 15, 59, 59, 999_999, tzinfo=UTC)


def test_due_at_is_end_of_local_day_in_utc(cal) -> None:  # type: ignore[no-untyped-def]
    # 2026-02-13 20:00 Shanghai = 12:00 UTC; 2 working days -> the end of 2026-02-24 +08:00.
    start = datetime(2026, 2, 13, 12, 0, tzinfo=UTC)
    assert due_at(start, 2, DayKind.WORKING, cal) == _end(2026, 2, 24)
    assert due_at(start, 2, "calendar", cal) == _end(2026, 2, 15)
    # 17:00 UTC is already the next day in Shanghai.
    late = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)  # Sat 01:00 local
    assert due_at(late, 1, DayKind.WORKING, cal) == _end(2026, 3, 9)


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


def _calendar_file(tmp_path: Path, years: str) -> Path:
    path = tmp_path / "holidays.yaml"
    path.write_text("years:\n" + years, encoding="utf-8")
    return path


def test_a_deadline_into_a_year_the_file_lacks_is_logged_naming_file_and_year(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    path = _calendar_file(tmp_path, "  2026:\n    holidays: [2026-10-01]\n")
    cal = load_calendar(path)
    start = datetime(2026, 12, 24, 2, tzinfo=UTC)
    with caplog.at_level("WARNING"):
        # weekends only in 2027: 12-25 Fri, 12-28 .. 12-31, then 2027-01-01 counts (元旦 unknown)
        assert due_at(start, 6, DayKind.WORKING, cal).date() == date(2027, 1, 1)
        due_at(start, 9, DayKind.WORKING, cal)
    missing = [r.getMessage() for r in caplog.records if "2027" in r.getMessage()]
    assert len(missing) == 1, caplog.text  # once per year, not per day counted
    assert str(path) in missing[0] and "未收录" in missing[0]


def test_counting_inside_the_file_logs_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    cal = load_calendar(_calendar_file(tmp_path, "  2026:\n    holidays: [2026-10-01]\n"))
    with caplog.at_level("WARNING"):
        due_at(datetime(2026, 9, 28, 2, tzinfo=UTC), 5, DayKind.WORKING, cal)
    assert caplog.records == []


def test_a_provisional_year_is_logged_as_such(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    path = _calendar_file(tmp_path, "  2026:\n    holidays: []\n"
                          "  2027:\n    provisional: true\n    holidays: [2027-01-01]\n")
    cal = load_calendar(path)
    assert cal.provisional == frozenset({2027}) and cal.years == frozenset({2026, 2027})
    with caplog.at_level("WARNING"):
        assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert [r.getMessage() for r in caplog.records if "临时" in r.getMessage()], caplog.text


# Each malformed file: (body after "years:\n", line of the fault, words the error must hold).
# Before, 2026-02-30 raised a bare ValueError naming neither file nor line (at the first
# deadline counted), and a misspelt key or a repeated year dropped its days in silence.
MALFORMED = [
    ("  2026:\n    holidays:\n      - 2026-01-01\n      - 2026-02-30\n", 5, "2026-02-30"),
    ("  2026:\n    holidays:\n      - {from: 2026-05-05, to: 2026-05-01}\n", 4, "range reversed"),
    ("  2026:\n    holidays: [2026-01-01]\n    holiday: [2026-10-01]\n", 4, "holiday"),
    ("  2026:\n    holidays: [2026-01-01]\n  2026:\n    workdays: [2026-01-04]\n", 4,
     "duplicate key"),
    ("  2026:\n    holidays:\n      - {from: 2026-05-01, until: 2026-05-05}\n", 4, "from"),
    ("  2026:\n    holidays:\n      - 2025-12-31\n", 4, "不在 2026"),
    ("  twenty:\n    holidays: []\n", 2, "年份"),
    ("  2026:\n    provisional: maybe\n", 3, "provisional"),
    ("  2026:\n    holidays:\n      - 2026-01-01\n     - 2026-01-02\n", 5, "YAML"),
    ("  2026:\n    workdays: 2026-01-04\n", 3, "日期列表"),
]


@pytest.mark.parametrize(("body", "line", "words"), MALFORMED)
def test_a_malformed_file_is_refused_naming_file_and_line(
    tmp_path: Path, body: str, line: int, words: str,
) -> None:
    path = _calendar_file(tmp_path, body)
    with pytest.raises(CalendarError) as caught:
        load_calendar(path)
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert words in str(caught.value)
