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

from warning.db.bulk import insert_tuples, insert_tuples_returning
from warning.db.models import (
    Department,
    HandlingEvent,
    HandlingRecord,
    Notice,
    RiskPoint,
    RiskWarning,
)
from warning.domain.calendar import DayKind, HolidayCalendar, due_at
from warning.domain.lifecycle import Action, State
from warning.handling.events import first_event_rows
from warning.handling.holidays import default_calendar
from warning.notify.messages import Texts, renderer
from warning.notify.outbox import department_audience, notice_key


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


RECORD_KEYS = ("warning_id", "state", "version", "responsible_person", "receive_due_at",
               "report_due_at", "overdue_level", "closed_at", "updated_at", "issued_at")
NOTICE_KEYS = ("key", "kind", "record_id", "stage", "level", "audience", "subject", "body",
               "created_at")


@dataclass(frozen=True)
class _Grade:
    """What the records of one grade share: deadlines, first event data, notice texts."""

    receive: datetime
    report: datetime
    data: dict[str, object]
    texts: Texts


def open_records(
    session: Session, openings: Sequence[Opening], *, actor: str, now: datetime | None = None,
    calendar: HolidayCalendar | None = None,
) -> dict[int, Opened]:
    """Insert records (state issued, version 1), first events and notices; key by warning.

    Each table is one statement of tuples; what the records of one grade share (their
    deadlines, their event's data, their notice's texts) is worked out once per grade.
    """
    if not openings:
        return {}
    now = (now or datetime.now(UTC)).astimezone(UTC)
    deadline = _deadlines(now, calendar or default_calendar())
    grades: dict[tuple[str, int, int, DayKind | str], _Grade] = {}
    per: list[_Grade] = []
    for o in openings:
        shape = (o.response, o.receive_days, o.report_days, o.day_kind)
        grade = grades.get(shape)
        if grade is None:
            receive = deadline(o.receive_days, o.day_kind)
            report = deadline(o.report_days, o.day_kind)
            grade = grades[shape] = _Grade(
                receive, report,
                {"response": o.response, "receive_days": o.receive_days,
                 "report_days": o.report_days, "day_kind": _day_kind(o.day_kind).value},
                renderer("issued", o.response, State.ISSUED.value, receive, report),
            )
        per.append(grade)
    conn = session.connection()
    issued = State.ISSUED.value
    # RETURNING warning_id rather than sort_by_parameter_order, which SQLite can only
    # honour by inserting row by row.
    rows = insert_tuples_returning(
        conn, HandlingRecord.__table__, RECORD_KEYS,
        [(o.warning_id, issued, 1, "", g.receive, g.report, 0, None, now, now)
         for o, g in zip(openings, per, strict=True)],
        ("id", "warning_id"),
    )
    record_of = {warning_id: record_id for record_id, warning_id in rows}
    ids = [record_of[o.warning_id] for o in openings]
    keys, events = first_event_rows(
        [(record_id, g.data) for record_id, g in zip(ids, per, strict=True)],
        action=Action.ISSUE.value, to_state=issued, actor=actor, created_at=now,
    )
    insert_tuples(conn, HandlingEvent.__table__, keys, events)
    insert_tuples(conn, Notice.__table__, NOTICE_KEYS, _issued_notices(openings, ids, per, now))
    return {
        o.warning_id: Opened(record_id, event[-1])
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


def _issued_notices(
    openings: Sequence[Opening], record_ids: Sequence[int], grades: Sequence[_Grade],
    now: datetime,
) -> list[tuple[object, ...]]:
    """Return the `issued` notice of each record, as NOTICE_KEYS tuples."""
    audiences: dict[int | None, str] = {}
    rows: list[tuple[object, ...]] = []
    for opening, record_id, grade in zip(openings, record_ids, grades, strict=True):
        audience = audiences.get(opening.department_id)
        if audience is None:
            audience = audiences[opening.department_id] = department_audience(
                opening.department_id)
        subject, body = grade.texts(opening.warning_id, opening.risk_point,
                                    opening.department or "未指定部门")
        rows.append((notice_key(record_id, "issued", "", 1, audience), "issued", record_id,
                     "", 1, audience, subject, body, now))
    return rows
