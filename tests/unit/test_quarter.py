"""Quarters: parsing, and their bounds at local (Asia/Shanghai) midnight, stored as UTC."""

from datetime import UTC, date, datetime

import pytest

from warning.domain.quarter import InvalidQuarter, Quarter, recent_quarters


@pytest.mark.parametrize(("text", "year", "number"), [
    ("2026Q3", 2026, 3), ("2026q1", 2026, 1), (" 2027Q4 ", 2027, 4),
])
def test_a_quarter_is_read_from_year_q_number(text: str, year: int, number: int) -> None:
    assert Quarter.parse(text) == Quarter(year, number)
    assert str(Quarter.parse(text)) == f"{year}Q{number}"


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "2026", "Q3", "26Q3", "2026-Q3",
                                  "2026Q3x", "", "1969Q4", "二〇二六Q3"])
def test_a_malformed_quarter_is_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(InvalidQuarter) as caught:
        Quarter.parse(text)
    assert "2026Q3" in caught.value.message and "1–4" in caught.value.message
    assert caught.value.code == "invalid_quarter"


@pytest.mark.parametrize(("number", "first", "last"), [
    (1, date(2026, 1, 1), date(2026, 3, 31)), (2, date(2026, 4, 1), date(2026, 6, 30)),
    (3, date(2026, 7, 1), date(2026, 9, 30)), (4, date(2026, 10, 1), date(2026, 12, 31)),
])
def test_quarters_are_months_1_3_4_6_7_9_10_12(number: int, first: date, last: date) -> None:
    quarter = Quarter(2026, number)
    assert (quarter.first_day, quarter.last_day) == (first, last)


def test_q3_runs_from_shanghai_midnight_to_shanghai_midnight_in_utc() -> None:
    q3 = Quarter(2026, 3)
    assert q3.starts_at() == datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
    assert q3.ends_at() == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert q3.label == "2026年第三季度"


def test_a_record_closed_at_23_30_on_30_september_in_shanghai_is_in_q3() -> None:
    closed = datetime(2026, 9, 30, 15, 30, tzinfo=UTC)  # 23:30 +08:00
    assert Quarter(2026, 3).contains(closed)
    assert Quarter.containing(closed) == Quarter(2026, 3)
    after_midnight = datetime(2026, 9, 30, 16, 30, tzinfo=UTC)  # 1 October 00:30 +08:00
    assert not Quarter(2026, 3).contains(after_midnight)
    assert Quarter.containing(after_midnight) == Quarter(2026, 4)
    early_july = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)  # 1 July 00:00 +08:00
    assert Quarter.containing(early_july) == Quarter(2026, 3)
    assert Quarter.containing(datetime(2026, 6, 30, 15, 59, 59, tzinfo=UTC)) == Quarter(2026, 2)


def test_quarters_step_over_the_year_end() -> None:
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2026, 4).ends_at() == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert recent_quarters(Quarter(2026, 2), 3) == [Quarter(2026, 2), Quarter(2026, 1),
                                                     Quarter(2025, 4)]
