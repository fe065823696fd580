"""A fresh report deadline when the office returns a report for more work."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.models import HandlingEvent, HandlingRecord
from warning.domain.calendar import DayKind, HolidayCalendar, due_at
from warning.domain.lifecycle import Action
from warning.handling.holidays import default_calendar

DEFAULT_REPORT_DAYS = 10


def renew_report_deadline(
    session: Session, record: HandlingRecord, now: datetime,
    calendar: HolidayCalendar | None = None,
) -> dict[str, Any]:
    """Give a returned record as many report days as its grade gave at issue, from `now`.

    The overdue level goes back to 0 so that reminders and escalation start again for the
    new deadline: the overdue scan names each deadline by `report_round`, so the new one
    gets its own reminder and escalation. Return what the `return` event records.
    """
    issued = session.scalar(
        select(HandlingEvent.data)
        .where(HandlingEvent.record_id == record.id, HandlingEvent.action == Action.ISSUE.value)
        .order_by(HandlingEvent.seq).limit(1)
    ) or {}
    days = int(issued.get("report_days", DEFAULT_REPORT_DAYS))
    kind = DayKind(issued.get("day_kind", DayKind.WORKING))
    previous = record.report_due_at
    record.report_due_at = due_at(now, days, kind, calendar or default_calendar())
    record.overdue_level = 0
    record.report_round += 1
    return {
        "report_due_at": record.report_due_at.astimezone(UTC).isoformat(),
        "previous_report_due_at": previous.astimezone(UTC).isoformat() if previous else None,
        "report_days": days, "day_kind": kind.value, "report_round": record.report_round,
    }
