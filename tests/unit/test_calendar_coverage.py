"""The calendar says when it cannot count a deadline right: a year it lacks or only guesses.

A deadline counted into a year the holiday file did not list silently took weekends only
(no 春节, no 调休), and nothing told the office the bundled file needed its yearly update.
"""

from datetime import date

import pytest

from warning.domain.calendar import CalendarError, parse_calendar

CALENDAR = parse_calendar({"years": {
    2026: {"holidays": ["2026-10-01"], "workdays": []},
    2027: {"holidays": ["2027-01-01"], "workdays": [], "provisional": True},
}})


def test_a_day_inside_a_listed_year_far_from_its_end_needs_nothing_more() -> None:
    assert CALENDAR.coverage_problems(date(2026, 6, 1)) == []


def test_near_the_year_end_the_next_year_is_needed_and_a_provisional_one_is_named() -> None:
    problems = CALENDAR.coverage_problems(date(2026, 12, 3))
    assert len(problems) == 1 and "2027 年为暂定" in problems[0]


@pytest.mark.parametrize("today", [date(2027, 11, 20), date(2028, 3, 1)])
def test_a_year_the_calendar_lacks_is_named(today: date) -> None:
    problems = CALENDAR.coverage_problems(today)
    assert any("缺少 2028 年" in p for p in problems), problems
    assert all("QINGFENG_HOLIDAYS_FILE" in p for p in problems)


def test_provisional_must_be_a_boolean() -> None:
    with pytest.raises(CalendarError, match=r"years\.2027\.provisional"):
        parse_calendar({"years": {2027: {"holidays": [], "provisional": "yes"}}})
