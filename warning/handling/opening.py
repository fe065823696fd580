"""Open the handling records of new warnings: deadlines, the `issue` event, the notice.

Intake opens hundreds of records in one batch, so this writes each table with one
executemany (Core `insert`) instead of one ORM object per row: the ORM unit of work
cost about 1 ms a warning, five times the rest of the pipeline.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.bulk import insert_many, insert_returning
from warning.db.models import Department, HandlingEvent, HandlingRecord, RiskPoint, RiskWarning
from warning.domain.calendar import DayKind, HolidayCalendar, due_at
from warning.domain.lifecycle import Action, State
from warning.handling.events import first_events
from warning.handling.holidays import default_calendar
from warning.notify.messages import WarningFacts, render_for
from warning.notify.outbox import department_audience, enqueue, notice_row


@dataclass(frozen=True)
class Opening:
    """A new warning whose record is to be opened, with what its notice names."""

    warning_id: int
    department_id: int | None
    response: str
    risk_point: str
    department: str
    receive_days: int
    report_days: int
    day_kind: DayKind | str
    proposed: bool = False  # 待研判: opened by warning.triage.proposals, not open_records

    def for_warning(self, warning_id: int) -> "Opening":
        """Return this opening for the warning once inserted (dataclasses.replace is ~4x
        slower, and intake opens thousands a batch)."""
        return Opening(warning_id, self.department_id, self.response, self.risk_point,
                       self.department, self.receive_days, self.report_days, self.day_kind,
                       self.proposed)


@dataclass(frozen=True)
class Opened:
    """A record just opened: its id and the hash its next event chains to."""

    record_id: int
    last_hash: str


def open_records(
    session: Session, openings: Sequence[Opening], *, actor: str, now: datetime | None = None,
    calendar: HolidayCalendar | None = None,
) -> dict[int, Opened]:
    """Insert records (state issued, version 1), first events and notices; key by warning."""
    if not openings:
        return {}
    now = (now or datetime.now(UTC)).astimezone(UTC)
    deadline = _deadlines(now, calendar or default_calendar())
    dues = [
        (deadline(o.receive_days, o.day_kind), deadline(o.report_days, o.day_kind))
        for o in openings
    ]
    # RETURNING warning_id rather than sort_by_parameter_order, which SQLite can only
    # honour by inserting row by row.
    rows = insert_returning(
        session.connection(), HandlingRecord.__table__,
        [
            {"warning_id": o.warning_id, "state": State.ISSUED.value, "version": 1,
             "responsible_person": "", "receive_due_at": receive, "report_due_at": report,
             "overdue_level": 0, "closed_at": None, "updated_at": now, "issued_at": now}
            for o, (receive, report) in zip(openings, dues, strict=True)
        ],
        ("id", "warning_id"),
    )
    record_of = {warning_id: record_id for record_id, warning_id in rows}
    ids = [record_of[o.warning_id] for o in openings]
    # one data dict per distinct grade, shared: first_events encodes each object once
    data: dict[tuple[str, int, int, DayKind | str], dict[str, object]] = {}
    for o in openings:
        shape = (o.response, o.receive_days, o.report_days, o.day_kind)
        if shape not in data:
            data[shape] = {"response": o.response, "receive_days": o.receive_days,
                           "report_days": o.report_days, "day_kind": _day_kind(o.day_kind).value}
    events = first_events(
        [
            (record_id, data[(o.response, o.receive_days, o.report_days, o.day_kind)])
            for o, record_id in zip(openings, ids, strict=True)
        ],
        action=Action.ISSUE.value, to_state=State.ISSUED.value, actor=actor, created_at=now,
    )
    insert_many(session.connection(), HandlingEvent.__table__, events)
    enqueue(session, [
        _issued_notice(o, record_id, receive, report, now)
        for o, record_id, (receive, report) in zip(openings, ids, dues, strict=True)
    ])
    return {
        o.warning_id: Opened(record_id, event["hash"])
        for o, record_id, event in zip(openings, ids, events, strict=True)
    }


def open_record(
    session: Session, *, warning: RiskWarning, actor: str, receive_days: int = 1,
    report_days: int = 10, day_kind: DayKind | str = DayKind.WORKING,
    calendar: HolidayCalendar | None = None, now: datetime | None = None,
) -> int:
    """Open the record of one stored warning; return the record's id."""
    session.flush()
    opening = opening_of(session, warning, receive_days=receive_days, report_days=report_days,
                         day_kind=day_kind)
    opened = open_records(session, [opening], actor=actor, now=now, calendar=calendar)
    return opened[warning.id].record_id


def opening_of(
    session: Session, warning: RiskWarning, *, receive_days: int, report_days: int,
    day_kind: DayKind | str,
) -> Opening:
    """Describe a stored warning for `open_records`, reading the names its notice shows."""
    point = session.scalar(select(RiskPoint.name).where(RiskPoint.id == warning.risk_point_id))
    department = None
    if warning.department_id is not None:
        department = session.scalar(
            select(Department.name).where(Department.id == warning.department_id)
        )
    return Opening(warning.id, warning.department_id, warning.response, point or "",
                   department or "", receive_days, report_days, day_kind)


def _deadlines(
    now: datetime, calendar: HolidayCalendar
) -> Callable[[int, DayKind | str], datetime]:
    """Return a cached `due_at` for one moment: a batch asks for few distinct deadlines."""

    @lru_cache(maxsize=64)
    def deadline(days: int, kind: DayKind | str) -> datetime:
        return due_at(now, days, _day_kind(kind), calendar)

    return deadline


@lru_cache(maxsize=8)  # a DayKind hashes as its value: one entry per kind
def _day_kind(value: DayKind | str) -> DayKind:
    return DayKind(value)


def _issued_notice(
    opening: Opening, record_id: int, receive: datetime, report: datetime, now: datetime
) -> dict[str, object]:
    facts = WarningFacts(
        warning_id=opening.warning_id, risk_point=opening.risk_point,
        department=opening.department or "未指定部门", response=opening.response,
        state=State.ISSUED.value, receive_due_at=receive, report_due_at=report,
    )
    subject, body = render_for("issued", facts)
    return notice_row(record_id=record_id, kind="issued",
                      audience=department_audience(opening.department_id),
                      subject=subject, body=body, level=1, now=now)
