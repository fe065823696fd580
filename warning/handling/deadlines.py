"""A fresh report deadline when the office returns a report for more work."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.models import HandlingEvent
from warning.domain.calendar import DayKind, HolidayCalendar, due_at
from warning.domain.lifecycle import Action
from warning.handling.holidays import default_calendar

DEFAULT_REPORT_DAYS = 10


@dataclass(frozen=True)
class Renewal:
    """A returned record's new report deadline, and what the `return` event records of it."""

    report_due_at: datetime
    report_round: int
    data: dict[str, Any]


def renew_report_deadline(
    session: Session, *, record_id: int, previous: datetime | None, report_round: int,
    now: datetime, calendar: HolidayCalendar | None = None,
) -> Renewal:
    """Give a returned record as many report days as its grade gave at issue, from `now`.

    The overdue level goes back to 0 so that reminders and escalation start again for the
    new deadline: the overdue scan names each deadline by `report_round`, so the new one
    gets its own reminder and escalation.
    """
    # the grade in force: the latest regrade's that names its days, else the issue event's
    graded = session.scalars(
        select(HandlingEvent.data)
        .where(HandlingEvent.record_id == record_id,
               HandlingEvent.action.in_([Action.ISSUE.value, Action.REGRADE.value]))
        .order_by(HandlingEvent.seq.desc())
    )
    issued = next((data for data in graded if data and "report_days" in data), {})
    days = int(issued.get("report_days", DEFAULT_REPORT_DAYS))
    kind = DayKind(issued.get("day_kind", DayKind.WORKING))
    due = due_at(now, days, kind, calendar or default_calendar())
    data = {
        "report_due_at": due.astimezone(UTC).isoformat(),
        "previous_report_due_at": previous.astimezone(UTC).isoformat() if previous else None,
        "report_days": days, "day_kind": kind.value, "report_round": report_round + 1,
    }
    return Renewal(report_due_at=due, report_round=report_round + 1, data=data)
