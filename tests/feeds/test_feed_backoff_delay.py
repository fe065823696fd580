"""Backoff arithmetic: the wait doubles per failure in a row, within the interval and cap."""

from datetime import UTC, datetime, timedelta

from warning.feeds.backoff import backoff_delay, due_at

HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)
NOW = datetime(2025, 1, 6, 2, 0, tzinfo=UTC)


def test_one_failure_keeps_the_schedule_then_the_wait_doubles() -> None:
    waits = [backoff_delay(failures, HOUR) for failures in range(7)]
    assert waits == [HOUR, HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 16 * HOUR, DAY]


def test_the_wait_is_capped_and_never_shorter_than_the_interval() -> None:
    assert backoff_delay(10, HOUR, cap=3 * HOUR) == 3 * HOUR
    assert backoff_delay(10, 2 * DAY, cap=DAY) == 2 * DAY
    assert backoff_delay(10_000, timedelta(minutes=1)) == DAY  # no overflow


def test_due_time_counts_from_the_last_attempt_with_half_an_interval_of_slack() -> None:
    assert due_at(NOW, 1, HOUR) is None
    assert due_at(None, 5, HOUR) is None
    assert due_at(NOW, 2, HOUR) == NOW + 90 * timedelta(minutes=1)
    assert due_at(NOW, 9, HOUR, cap=4 * HOUR) == NOW + timedelta(hours=3, minutes=30)
