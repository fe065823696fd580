"""Remind before a deadline, escalate when it passes (下管一级、上究一级), each exactly once."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from psycopg.errors import IntegrityError as PgIntegrityError
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, aliased, sessionmaker

from warning.db.bulk import insert_many
from warning.db.engine import transaction
from warning.db.models import (
    Department,
    HandlingEvent,
    HandlingRecord,
    Notice,
    Person,
    RiskPoint,
    RiskWarning,
)
from warning.domain.calendar import HolidayCalendar, end_of_day, local_date
from warning.domain.lifecycle import Action, State
from warning.handling.events import event_fields
from warning.handling.holidays import default_calendar
from warning.handling.step_facts import earliest
from warning.notify.messages import WarningFacts, render
from warning.notify.outbox import OFFICE, department_audience, enqueue, notice_row, person_audience

log = logging.getLogger(__name__)
ACTOR = "system:overdue"
PENDING = (State.ISSUED.value, State.RECEIVED.value, State.IN_PROGRESS.value)
CHUNK = 1000
ATTEMPTS = 3  # a scan refused by a concurrent writer reads again at once


@dataclass(frozen=True)
class OverduePolicy:
    """When to remind, and how long overdue before escalating one level more."""

    remind_working_days: int = 1
    escalate_again_after_working_days: int = 3


@dataclass
class ScanResult:
    """How many reminders and escalations one scan wrote."""

    reminded: int = 0
    escalated: dict[int, int] = field(default_factory=dict)


def _due() -> ColumnElement[datetime]:
    return case(
        (HandlingRecord.state == State.ISSUED.value, HandlingRecord.receive_due_at),
        else_=HandlingRecord.report_due_at,
    )


def _stage() -> ColumnElement[str]:
    """Name the deadline a record waits on: each return starts a new report deadline with its
    own name ("report", "report2", ...), so it gets its own reminder and escalation notices."""
    return case(
        (HandlingRecord.state == State.ISSUED.value, "receive"),
        (HandlingRecord.report_round == 0, "report"),
        else_=literal("report") + cast(HandlingRecord.report_round + 1, String),
    )


def _candidates(condition: ColumnElement[bool]) -> Select[Any]:
    # Each candidate's last event through the (record_id, seq) index: a grouped subquery
    # over all events read the whole trail on every scan, however few records were due.
    newest = aliased(HandlingEvent)
    last_seq = (select(func.max(newest.seq)).where(newest.record_id == HandlingRecord.id)
                .scalar_subquery())
    leader = aliased(Person)
    upper = aliased(Department)
    return (
        select(
            HandlingRecord.id.label("record_id"), HandlingRecord.state,
            HandlingRecord.receive_due_at, HandlingRecord.report_due_at,
            _due().label("due"), _stage().label("stage"),
            RiskWarning.id.label("warning_id"), RiskWarning.department_id,
            RiskWarning.response, RiskPoint.name.label("point"),
            Department.name.label("department"), Department.leader_id,
            upper.leader_id.label("upper_leader_id"),
            HandlingEvent.seq, HandlingEvent.hash,
        )
        .join(RiskWarning, RiskWarning.id == HandlingRecord.warning_id)
        .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
        .outerjoin(Department, Department.id == RiskWarning.department_id)
        .outerjoin(leader, leader.id == Department.leader_id)
        .outerjoin(upper, upper.id == leader.department_id)
        .join(HandlingEvent, and_(HandlingEvent.record_id == HandlingRecord.id,
                                  HandlingEvent.seq == last_seq))
        .where(HandlingRecord.state.in_(PENDING), condition)
        .order_by(HandlingRecord.id)
    )


def scan_overdue(
    session: Session, now: datetime, *, policy: OverduePolicy | None = None,
    calendar: HolidayCalendar | None = None,
) -> ScanResult:
    """Write due reminders and escalations, set-based; a second run writes nothing new."""
    policy = policy or OverduePolicy()
    calendar = calendar or default_calendar()
    today = local_date(now)
    result = ScanResult()
    horizon = end_of_day(calendar.add_working_days(today, policy.remind_working_days))
    reminded = exists().where(
        Notice.record_id == HandlingRecord.id, Notice.kind == "reminder", Notice.stage == _stage()
    )
    rows = session.execute(_candidates(and_(
        HandlingRecord.overdue_level == 0, _due() > now, _due() <= horizon, ~reminded,
    ))).mappings().all()
    result.reminded = _write(session, rows, now, kind="reminder", level=0)
    rows = session.execute(_candidates(and_(
        HandlingRecord.overdue_level < 1, _due() < now,
    ))).mappings().all()
    result.escalated[1] = _write(session, rows, now, kind="escalation", level=1)
    again = end_of_day(calendar.add_working_days(today, -policy.escalate_again_after_working_days))
    rows = session.execute(_candidates(and_(
        HandlingRecord.overdue_level == 1, _due() < again,
    ))).mappings().all()
    result.escalated[2] = _write(session, rows, now, kind="escalation", level=2)
    return result


def _audiences(row: Any, kind: str, level: int) -> list[str]:
    if kind == "reminder":
        return [department_audience(row["department_id"])]
    people = [row["leader_id"]] if level == 1 else [row["leader_id"], row["upper_leader_id"]]
    audiences = [department_audience(row["department_id"])] if level == 1 else []
    audiences += [person_audience(p) for p in people if p is not None]
    return [*dict.fromkeys([*audiences, OFFICE])]


def _write(session: Session, rows: Any, now: datetime, *, kind: str, level: int) -> int:
    if not rows:
        return 0
    action = Action.REMIND if kind == "reminder" else Action.ESCALATE
    events: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    for row in rows:
        audiences = _audiences(row, kind, level)
        extra = _extra(row, kind, level)
        facts = WarningFacts(row["warning_id"], row["point"], row["department"] or "未指定部门",
                             row["response"], row["state"], row["receive_due_at"],
                             row["report_due_at"])
        subject, body = render(kind, facts, extra)
        data = {"kind": kind, "level": level, "stage": row["stage"],
                "due_at": row["due"].astimezone(UTC).isoformat(), "notified": audiences}
        events.append(event_fields(
            record_id=row["record_id"], seq=row["seq"] + 1, action=action.value,
            from_state=row["state"], to_state=row["state"], actor=ACTOR, comment=extra,
            data=data, created_at=now, prev_hash=row["hash"],
        ))
        notices += [
            notice_row(record_id=row["record_id"], kind=kind, stage=row["stage"], level=level,
                       audience=audience, subject=subject, body=body, now=now)
            for audience in audiences
        ]
    insert_many(session.connection(), HandlingEvent.__table__, events)
    enqueue(session, notices)
    ids = [row["record_id"] for row in rows]
    table = HandlingRecord.__table__
    values: dict[str, Any] = {"version": table.c.version + 1, "updated_at": now}
    if kind == "escalation":
        values["overdue_level"] = level
        values["escalated_at"] = earliest(table.c.escalated_at, now)
    for start in range(0, len(ids), CHUNK):
        session.execute(update(table).where(table.c.id.in_(ids[start:start + CHUNK]))
                        .values(**values))
    return len(rows)


def _extra(row: Any, kind: str, level: int) -> str:
    stage = "签收" if row["stage"] == "receive" else "整改情况上报"
    if row["stage"] not in ("receive", "report"):
        stage = f"退回后的{stage}"
    if kind == "reminder":
        return f"提醒：{stage}期限即将届满，请按时办理。"
    if level == 1:
        return f"已逾期：{stage}期限已过，升级至分管领导及防控办督办。"
    return f"逾期未改：{stage}期限已过多日，再升级一级追究责任（上究一级）。"


def run_scan(session_factory: sessionmaker[Session], **options: Any) -> ScanResult:
    """Run one scan in its own transaction, again at once if it collided; write each once.

    A scan writes the next event of every record it picks (unique (record, seq)) and the
    notices (unique key), so a scan that read a record before someone acted on it, or ran
    beside another instance's scan, is refused whole and rolls back. It then reads again:
    the record's new event, state and deadlines, or the other scan's work, which leaves it
    nothing to write. Without the retry a busy record would hold every escalation back to
    the next run. A scan still refused after ATTEMPTS tries gives way to the next run.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction(session_factory) as session:
                result = scan_overdue(session, datetime.now(UTC), **options)
        # COPY (warning.db.bulk) raises psycopg's own error, not wrapped by SQLAlchemy.
        except (IntegrityError, OperationalError, PgIntegrityError) as error:
            log.info("overdue scan collided with another writer (%s), try %d of %d",
                     type(error).__name__, attempt, ATTEMPTS)
            continue
        # the scheduler logs this in words when it did something (warning.ops.job_log)
        log.debug("overdue scan: %s reminders, escalations %s", result.reminded,
                  result.escalated)
        return result
    log.warning("overdue scan gave way after %d collisions; the next run writes what is due",
                ATTEMPTS)
    return ScanResult()


def register_jobs(
    scheduler: Any, session_factory: sessionmaker[Session], *, minutes: int = 5,
    deliver: Callable[[], object] | None = None, deliver_seconds: int = 30, **options: Any,
) -> None:
    """Add the overdue scan (and, if given, the outbox delivery) to an APScheduler scheduler."""
    scheduler.add_job(
        run_scan, "interval", args=[session_factory], kwargs=options, minutes=minutes,
        id="handling-scan-overdue", max_instances=1, coalesce=True, replace_existing=True,
    )
    if deliver is not None:
        scheduler.add_job(
            deliver, "interval", seconds=deliver_seconds, id="notify-deliver",
            max_instances=1, coalesce=True, replace_existing=True,
        )
