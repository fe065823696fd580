"""Review arithmetic: on time or late, overdue, stale registers, recurring risk points."""

from datetime import UTC, date, datetime, timedelta

import pytest

from warning.domain.review import (
    Advice,
    RecordTimes,
    advice_for,
    closed_on_time,
    is_overdue,
    is_stale,
    months_before,
)

RECEIVE_DUE = datetime(2026, 8, 3, 15, 59, 59, tzinfo=UTC)
REPORT_DUE = datetime(2026, 8, 14, 15, 59, 59, tzinfo=UTC)
BEFORE = timedelta(hours=-1)
AFTER = timedelta(hours=1)


def _times(*, received: timedelta = BEFORE, reported: timedelta | None = BEFORE,
           closed: timedelta = AFTER * 48, escalated: bool = False) -> RecordTimes:
    return RecordTimes(
        receive_due_at=RECEIVE_DUE, report_due_at=REPORT_DUE,
        received_at=RECEIVE_DUE + received,
        reported_at=None if reported is None else REPORT_DUE + reported,
        closed_at=REPORT_DUE + closed, escalated=escalated,
    )


def test_a_record_reported_by_its_deadline_is_on_time_even_if_the_office_accepts_later() -> None:
    assert closed_on_time(_times())


def test_reporting_at_the_last_second_is_on_time() -> None:
    assert closed_on_time(_times(reported=timedelta(0)))


@pytest.mark.parametrize("times", [
    _times(reported=AFTER),
    _times(received=AFTER),
    _times(escalated=True),
    _times(reported=None, closed=AFTER),
])
def test_late_reports_late_receipts_and_escalated_records_are_late(times: RecordTimes) -> None:
    assert not closed_on_time(times)


def test_a_record_without_deadlines_is_on_time() -> None:
    times = RecordTimes(None, None, None, None, REPORT_DUE, escalated=False)
    assert closed_on_time(times)


@pytest.mark.parametrize(("state", "at", "overdue"), [
    ("issued", RECEIVE_DUE + AFTER, True),
    ("issued", RECEIVE_DUE + BEFORE, False),
    ("received", RECEIVE_DUE + AFTER, False),  # signed for: waits on the report deadline
    ("in_progress", REPORT_DUE + AFTER, True),
    ("in_progress", REPORT_DUE, False),
    ("reported", REPORT_DUE + AFTER, False),  # waits on the office, not the department
    ("closed", REPORT_DUE + AFTER, False),
    ("withdrawn", REPORT_DUE + AFTER, False),
])
def test_only_records_waiting_on_their_department_are_overdue(
    state: str, at: datetime, overdue: bool,
) -> None:
    assert is_overdue(state, RECEIVE_DUE, REPORT_DUE, at) is overdue


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 9, 30), 12, date(2025, 9, 30)),
    (date(2026, 3, 31), 1, date(2026, 2, 28)),
    (date(2024, 2, 29), 12, date(2023, 2, 28)),
    (date(2026, 1, 15), 13, date(2024, 12, 15)),
    (date(2026, 5, 31), 6, date(2025, 11, 30)),
])
def test_months_before_clamps_to_the_month_end(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


def test_a_point_reviewed_over_twelve_months_ago_or_never_is_stale() -> None:
    as_of = date(2026, 9, 30)
    assert is_stale(None, as_of)
    assert is_stale(date(2025, 9, 29), as_of)
    assert not is_stale(date(2025, 9, 30), as_of)
    assert not is_stale(date(2026, 3, 1), as_of)
    assert is_stale(date(2026, 3, 1), as_of, months=6)


@pytest.mark.parametrize(("level", "now", "before", "advice"), [
    ("medium", 1, 1, Advice.RAISE_LEVEL),  # hit two quarters running
    ("low", 3, 0, Advice.RAISE_LEVEL),  # hit often in one quarter
    ("high", 1, 2, Advice.NEW_MEASURES),  # already high: the measures must change
    ("high", 2, 0, None),
    ("medium", 0, 5, None),  # not hit this quarter
])
def test_recurring_points_get_advice(
    level: str, now: int, before: int, advice: Advice | None,
) -> None:
    assert advice_for(level, now, before) is advice
    if advice is not None:
        assert advice.label.startswith("建议")


def test_the_ranks_the_database_returns_give_the_python_median_and_percentile() -> None:
    import random
    import statistics

    from warning.review.timings import _median, _p90, nearest_rank

    rng = random.Random(12)
    for n in [*range(1, 301), 700, 7000, 63162]:
        values = sorted(rng.choice((rng.random() * 500, float(rng.randrange(400))))
                        for _ in range(n))
        fetched = {(n + 1) // 2, n // 2 + 1, (9 * n + 9) // 10, (9 * n + 9) // 10 + 1}
        hours = {rank: values[rank - 1] for rank in fetched if rank <= n}
        assert _median(n, hours) == statistics.median(values), n
        assert _p90(n, hours) == nearest_rank(values, 0.9), n
    assert _median(0, {}) is None and _p90(0, {}) is None
