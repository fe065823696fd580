"""Poll a failing feed less often: the wait doubles with each failure in a row, capped.

A feed that failed once is polled again on its normal schedule (most failures are
transient). From the second failure in a row, the wait after the last attempt is
interval x 2^(failures - 1), capped (24 h unless the channel file says otherwise) and
never shorter than the interval. A success resets the count, and so the wait. Failures
go on being counted on the attempts that are made, so the office is still told once a
feed passes the failure threshold; a 410 stops polling altogether (see `scan`).
"""

from datetime import datetime, timedelta

DEFAULT_CAP = timedelta(hours=24)
MAX_DOUBLINGS = 32  # 2^32 intervals is past any cap; stops the power growing unbounded


def backoff_delay(failures: int, interval: timedelta, cap: timedelta = DEFAULT_CAP) -> timedelta:
    """Return the wait after the last attempt of a feed with `failures` in a row."""
    if failures <= 1:
        return interval
    grown = interval * 2 ** min(failures - 1, MAX_DOUBLINGS)
    return max(interval, min(cap, grown))


def due_at(
    last_attempt: datetime | None,
    failures: int,
    interval: timedelta,
    cap: timedelta = DEFAULT_CAP,
) -> datetime | None:
    """Return when a failing feed may be fetched again; None when backoff does not hold it.

    Half an interval of slack: the scheduler fires one interval after the previous run
    *started*, while the attempt is stamped when it *finished*, so a due time exactly one
    wait after the stamp would skip the run that should go ahead.
    """
    if failures <= 1 or last_attempt is None:
        return None
    return last_attempt + backoff_delay(failures, interval, cap) - interval / 2
