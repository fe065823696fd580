"""A deadline is the whole due day in Shanghai: nothing is late or escalated before it ends.

The due time was 23:59:59 local, so the last second of the due day already counted as
past it: a scan at 23:59:59.5 escalated a record whose day was not over, and a receipt
signed then was reported late in the quarterly review.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import build_world, new_warning
from warning.db.engine import transaction
from warning.db.models import HandlingRecord
from warning.domain.calendar import SHANGHAI, DayKind, due_at, end_of_day, local_date
from warning.domain.review import RecordTimes, closed_on_time, is_overdue
from warning.exports.limits import local
from warning.handling.holidays import default_calendar
from warning.handling.overdue import scan_overdue

# Issued Mon 2026-03-02 10:00 +08 with one receive day: due the whole of Tue 2026-03-03.
DUE_DAY = date(2026, 3, 3)
LAST_MOMENTS = [datetime(2026, 3, 3, 15, 59, 59, tzinfo=UTC),
                datetime(2026, 3, 3, 15, 59, 59, 500_000, tzinfo=UTC),
                datetime(2026, 3, 3, 15, 59, 59, 999_999, tzinfo=UTC)]
NEXT_MIDNIGHT = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)


def test_the_scan_escalates_only_once_the_due_day_has_ended(
    session_factory: sessionmaker[Session],
) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world, receive_days=1, report_days=5)
    with session_factory() as session:
        due = session.scalars(select(HandlingRecord.receive_due_at)
                              .where(HandlingRecord.warning_id == wid)).one()
    assert local_date(due) == DUE_DAY
    for moment in LAST_MOMENTS:
        with transaction(session_factory) as session:
            assert scan_overdue(session, moment).escalated[1] == 0, moment
    with transaction(session_factory) as session:
        assert scan_overdue(session, NEXT_MIDNIGHT).escalated[1] == 1


def test_every_moment_of_the_due_day_is_on_time_and_the_next_day_is_late() -> None:
    calendar = default_calendar()
    for start in (datetime(2026, 2, 13, 12, tzinfo=UTC), datetime(2026, 3, 31, 16, 30,
                                                                    tzinfo=UTC)):
        for kind in DayKind:
            due = due_at(start, 3, kind, calendar)
            day = local_date(due)
            last = datetime.combine(day + timedelta(days=1), datetime.min.time(),
                                    tzinfo=SHANGHAI) - timedelta(microseconds=1)
            after = last + timedelta(microseconds=1)
            times = RecordTimes(due, due, last, last, last, escalated=False)
            assert closed_on_time(times), (start, kind)
            assert not is_overdue("issued", due, due, last), (start, kind)
            assert is_overdue("issued", due, due, after), (start, kind)
            assert not closed_on_time(RecordTimes(due, due, after, after, after, False))


def test_end_of_day_is_the_last_microsecond_before_the_next_local_midnight() -> None:
    for day in (date(2026, 3, 31), date(2026, 12, 31), date(2028, 2, 29)):
        midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(),
                                    tzinfo=SHANGHAI)
        assert end_of_day(day) == midnight.astimezone(UTC) - timedelta(microseconds=1)


def test_spreadsheets_show_the_due_day_not_the_next_midnight() -> None:
    due = due_at(datetime(2026, 3, 2, 2, tzinfo=UTC), 1, DayKind.WORKING, default_calendar())
    shown = local(due, SHANGHAI)
    assert shown == datetime(2026, 3, 3, 23, 59, 59)  # a spreadsheet rounds .999999 up
