"""Open the records of proposals (待研判): no deadline for a department, no notice; a 研判期限.

A proposal's record carries its trail from the start (the `propose` event), so every
decision the office takes on it is hash-chained like the rest of the handling.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from warning.db.bulk import insert_many
from warning.db.models import HandlingEvent, HandlingRecord
from warning.domain.calendar import DayKind, HolidayCalendar, due_at
from warning.domain.lifecycle import Action, State
from warning.handling.events import event_fields
from warning.handling.holidays import default_calendar
from warning.handling.opening import Opening
from warning.triage.policy import DEFAULT_TRIAGE_DAYS


def triage_due(now: datetime, days: int, calendar: HolidayCalendar | None = None) -> datetime:
    """Return the 研判期限 of a proposal made at `now`: `days` working days."""
    return due_at(now, days, DayKind.WORKING, calendar or default_calendar())


def open_proposals(
    session: Session, openings: Sequence[Opening], *, actor: str, now: datetime | None = None,
    days: int = DEFAULT_TRIAGE_DAYS, calendar: HolidayCalendar | None = None,
) -> dict[int, int]:
    """Insert proposal records (state proposed) and their `propose` events; key by warning."""
    if not openings:
        return {}
    now = (now or datetime.now(UTC)).astimezone(UTC)
    due = triage_due(now, days, calendar)
    rows = session.connection().execute(
        insert(HandlingRecord.__table__).returning(HandlingRecord.id, HandlingRecord.warning_id),
        [{"warning_id": o.warning_id, "state": State.PROPOSED.value, "version": 1,
          "responsible_person": "", "receive_due_at": None, "report_due_at": None,
          "triage_due_at": due, "overdue_level": 0, "closed_at": None, "updated_at": now}
         for o in openings],
    )
    record_of = {warning_id: record_id for record_id, warning_id in rows}
    insert_many(session.connection(), HandlingEvent.__table__, [
        event_fields(
            record_id=record_of[o.warning_id], seq=1, action=Action.PROPOSE.value,
            from_state="", to_state=State.PROPOSED.value, actor=actor, created_at=now,
            prev_hash="",
            data={"response": o.response, "triage_due_at": due.isoformat(),
                  "triage_days": days},
        )
        for o in openings
    ])
    return record_of
