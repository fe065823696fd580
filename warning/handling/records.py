"""Act on a handling record, and read its events and the caller's inbox."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from warning.auth.numbering import (
    Numbering,
    ShownEvent,
    numbering,
    record_numbering,
    shown_events,
)
from warning.auth.principal import Principal
from warning.auth.visibility import (
    reads_proposals,
    scope_parameters,
    scope_template,
    visible_events,
    visible_warnings,
)
from warning.db.models import Department, HandlingEvent, HandlingRecord, RiskPoint, RiskWarning
from warning.domain.lifecycle import (
    WAITING_ON_DEPARTMENT,
    Action,
    Role,
    State,
    parse_action,
    transition,
)
from warning.handling.deadlines import renew_report_deadline
from warning.handling.errors import Conflict, not_found
from warning.handling.events import event_fields
from warning.handling.measures import applied_measure
from warning.handling.notices import change_notices
from warning.handling.step_facts import fact_change
from warning.notify.messages import WarningFacts
from warning.notify.outbox import enqueue

NOTICE_OF = {Action.RETURN: "returned", Action.ACCEPT: "closed", Action.WITHDRAW: "withdrawn",
             Action.URGE: "urged"}
# What each role's 待办 holds: what it can act on now. The office's is the proposals and
# reports to evaluate and, since an overdue record escalates to it as well (升级至分管领导及
# 防控办督办), the overdue records still waiting on their department; a leader's is the overdue
# records of the departments they supervise (to urge); a reviewer acts on none.
AWAITING = {
    Role.HANDLER: (State.ISSUED, State.RECEIVED, State.IN_PROGRESS),
    Role.OFFICE: (State.PROPOSED, State.REPORTED),
    Role.ADMIN: (State.PROPOSED, State.REPORTED),
    Role.LEADER: (),
    Role.REVIEWER: (),
}
AWAITING_WHEN_OVERDUE = {
    Role.OFFICE: WAITING_ON_DEPARTMENT, Role.ADMIN: WAITING_ON_DEPARTMENT,
    Role.LEADER: WAITING_ON_DEPARTMENT,
}
NEXT_DUE = case((HandlingRecord.state == State.ISSUED.value, HandlingRecord.receive_due_at),
                (HandlingRecord.state == State.PROPOSED.value, HandlingRecord.triage_due_at),
                else_=HandlingRecord.report_due_at)


def visible_record(
    session: Session, warning_id: int, principal: Principal | None
) -> tuple[RiskWarning, HandlingRecord]:
    """Return a warning and its record if `principal` may see them, else raise NotFound."""
    stmt = visible_warnings(
        select(RiskWarning, HandlingRecord)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .where(RiskWarning.id == warning_id),
        principal,
    )
    row = session.execute(stmt).first()
    if row is None:
        raise not_found(warning_id)
    return row[0], row[1]


@dataclass(frozen=True)
class Acted:
    """What an action did: the record's new state and version, and the event it wrote, as
    the actor reads them (warning.auth.numbering)."""

    warning_id: int
    record_id: int
    state: str
    version: int
    event: ShownEvent


RECORDS, EVENTS, WARNINGS = HandlingRecord.__table__, HandlingEvent.__table__, RiskWarning.__table__
# Built once: constructing a statement costs more than running it. The values are bound per call.
WRITE_RECORD = update(RECORDS).where(RECORDS.c.id == bindparam("b_record"),
                                     RECORDS.c.version == bindparam("b_seen"))
CLOSE_WARNING = update(WARNINGS).where(WARNINGS.c.id == bindparam("b_warning")).values(
    is_open=False)
INSERT_EVENT = insert(EVENTS)


@cache
def _acting_read(role: Role) -> Select[Any]:
    """Return the one read an action needs, scoped for `role`: the record, what its notices
    say (risk point and department names) and the last event's seq and hash."""
    last, newest = aliased(HandlingEvent), aliased(HandlingEvent)
    last_seq = (select(func.max(newest.seq)).where(newest.record_id == HandlingRecord.id)
                .scalar_subquery())
    stmt = (
        select(HandlingRecord.id, HandlingRecord.state, HandlingRecord.version,
               HandlingRecord.receive_due_at, HandlingRecord.report_due_at,
               HandlingRecord.report_round, RiskWarning.department_id, RiskWarning.response,
               RiskPoint.name, Department.name, last.seq, last.hash,
               HandlingRecord.received_at, HandlingRecord.reported_at,
               HandlingRecord.triage_seq, HandlingRecord.triage_version)
        .select_from(RiskWarning)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
        .outerjoin(Department, Department.id == RiskWarning.department_id)
        .outerjoin(last, (last.record_id == HandlingRecord.id) & (last.seq == last_seq))
        .where(RiskWarning.id == bindparam("b_warning"))
    )
    return visible_warnings(stmt, scope_template(role))


def act(
    session: Session, *, warning_id: int, principal: Principal, action: str | Action,
    version: int, comment: str = "", responsible_person: str = "",
    attachments: Sequence[dict[str, Any]] = (), now: datetime | None = None,
    measure: str = "",
) -> Acted:
    """Take `action` on a warning's record at the `version` the caller saw.

    `version`, and the version and event returned, are the caller's numbers: those who
    never see proposals count from 下达 (warning.auth.numbering); the check is on the
    stored version.

    Accepting records `measure`, the response the office applies on closing (default: the
    grade at issue), on the record and in the event beside the grade.

    One scoped read, then the record's version-checked UPDATE, its event and any notices,
    all with statements built once (Core, not the unit of work): this is the hot path of
    every department's daily work.
    """
    now = now or datetime.now(UTC)
    action = action if isinstance(action, Action) else parse_action(action)
    conn = session.connection()
    row = conn.execute(_acting_read(principal.role),
                       {"b_warning": warning_id, **scope_parameters(principal)}).first()
    if row is None:
        raise not_found(warning_id)
    (record_id, from_state, current, receive_due_at, report_due_at, report_round,
     department_id, response, point_name, department_name, last_seq, last_hash,
     received_at, reported_at, triage_seq, triage_version) = row
    rule = numbering(principal, triage_seq, triage_version)
    shown_version, version = version, rule.stored_version(version)
    if current != version:
        raise Conflict(from_state, rule.version(current), seen=shown_version)
    step = transition(from_state, action, principal.role,
                      {"comment": comment, "responsible_person": responsible_person})
    changes: dict[str, Any] = {"state": step.to.value, "updated_at": now, "version": version + 1}
    stored = {Action.RECEIVE: received_at, Action.REPORT: reported_at}.get(action)
    changes |= fact_change(action, now, stored)  # first 签收, last 上报 (see step_facts)
    data: dict[str, Any] = {}
    if action is Action.ASSIGN:
        changes["responsible_person"] = data["responsible_person"] = responsible_person.strip()
    if attachments:
        data["attachments"] = [dict(a) for a in attachments]
    if action is Action.RETURN:
        renewal = renew_report_deadline(session, record_id=record_id, previous=report_due_at,
                                        report_round=report_round, now=now)
        report_due_at = renewal.report_due_at
        changes |= {"report_due_at": report_due_at, "overdue_level": 0,
                    "report_round": renewal.report_round}
        data |= renewal.data
    if action is Action.ACCEPT:
        changes["measure_applied"] = data["measure"] = applied_measure(measure, response)
        data["graded"] = response
    if not step.to.is_open:
        changes["closed_at"] = now
    seq, prev_hash = (last_seq or 0) + 1, last_hash or ""
    fields = event_fields(record_id=record_id, seq=seq, action=action.value,
                          from_state=from_state, to_state=step.to.value, actor=principal.actor,
                          comment=comment.strip(), data=data, created_at=now,
                          prev_hash=prev_hash)
    try:
        done = conn.execute(WRITE_RECORD, {**changes, "b_record": record_id, "b_seen": version})
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise _conflict(session, record_id, shown_version, rule)
        if not step.to.is_open:
            conn.execute(CLOSE_WARNING, {"b_warning": warning_id})
        conn.execute(INSERT_EVENT, fields)
    except IntegrityError:  # another action took this seq first
        raise _conflict(session, record_id, shown_version, rule) from None
    kind = NOTICE_OF.get(action)
    if kind:
        facts = WarningFacts(warning_id=warning_id, risk_point=point_name or "",
                             department=department_name or "未指定部门", response=response,
                             state=step.to.value, receive_due_at=receive_due_at,
                             report_due_at=report_due_at)
        extra = {Action.RETURN: f"说明：{comment.strip()}",
                 Action.URGE: f"督办意见：{comment.strip()}"}.get(action, "")
        enqueue(session, change_notices(kind=kind, facts=facts, department_id=department_id,
                                        record_id=record_id, seq=seq - triage_seq, now=now,
                                        extra=extra))
    _expire_loaded(session, (HandlingRecord, record_id), (RiskWarning, warning_id))
    return Acted(warning_id=warning_id, record_id=record_id, state=step.to.value,
                 version=rule.version(version + 1),
                 event=_shown_event(session, principal, rule, HandlingEvent(**fields),
                                    warning_id))


def _shown_event(
    session: Session, principal: Principal, rule: Numbering, event: HandlingEvent,
    warning_id: int,
) -> ShownEvent:
    """Return the event an action wrote as its actor reads it; a reader of re-chained
    hashes (shown_events) reads it chained over the events before it, read again."""
    if reads_proposals(principal):
        return shown_events(principal, warning_id, rule, [event])[0]
    stmt = visible_events(select(HandlingEvent).where(HandlingEvent.record_id == event.record_id),
                          principal).order_by(HandlingEvent.seq)
    return shown_events(principal, warning_id, rule, session.scalars(stmt))[-1]


def _expire_loaded(session: Session, *keys: tuple[type[Any], int]) -> None:
    """Expire objects a caller loaded before the action, so that they are read again."""
    for model, row_id in keys:
        loaded = session.identity_map.get(session.identity_key(model, row_id))
        if loaded is not None:
            session.expire(loaded)


def _conflict(session: Session, record_id: int, seen: int, rule: Numbering) -> Conflict:
    """Roll back and return the conflict error, with the record's committed state, in the
    caller's numbers."""
    session.rollback()
    state, current = _current(session, record_id)
    return Conflict(state, rule.version(current), seen=seen)


def _current(session: Session, record_id: int) -> tuple[str, int]:
    """Read a record's committed state and version on a fresh connection."""
    with session.get_bind().connect() as conn:  # the session must be rolled back
        row = conn.execute(
            select(HandlingRecord.state, HandlingRecord.version)
            .where(HandlingRecord.id == record_id)
        ).one()
    return row[0], row[1]


def events_of(
    session: Session, *, warning_id: int, principal: Principal | None
) -> list[ShownEvent]:
    """Return a visible warning's events in order, as `principal` reads them."""
    _, record = visible_record(session, warning_id, principal)
    stmt = visible_events(select(HandlingEvent).where(HandlingEvent.record_id == record.id),
                          principal)
    return shown_events(principal, warning_id, record_numbering(principal, record),
                        session.scalars(stmt.order_by(HandlingEvent.seq)))


def _awaiting(principal: Principal) -> Select[tuple[RiskWarning, HandlingRecord]] | None:
    """The open records awaiting the caller (unordered), or None when the role awaits none."""
    states = AWAITING.get(principal.role, ())
    overdue = AWAITING_WHEN_OVERDUE.get(principal.role, ())
    if not states and not overdue:
        return None
    awaits = or_(HandlingRecord.state.in_([s.value for s in states]),
                 and_(HandlingRecord.state.in_([s.value for s in overdue]),
                      HandlingRecord.overdue_level > 0))
    return visible_warnings(
        select(RiskWarning, HandlingRecord)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id).where(awaits),
        principal,
    )


def inbox(
    session: Session, *, principal: Principal, limit: int = 500
) -> list[tuple[RiskWarning, HandlingRecord]]:
    """Return the open records awaiting the caller, the deadline due next first."""
    stmt = _awaiting(principal)
    if stmt is None:
        return []
    stmt = stmt.order_by(NEXT_DUE.is_(None), NEXT_DUE, HandlingRecord.id).limit(limit)
    return [(w, r) for w, r in session.execute(stmt)]


def inbox_overdue_count(session: Session, *, principal: Principal, now: datetime) -> int:
    """How many of the records awaiting the caller are past the deadline they wait on."""
    stmt = _awaiting(principal)
    if stmt is None:
        return 0
    counted = stmt.where(now > NEXT_DUE).with_only_columns(func.count(HandlingRecord.id))
    return int(session.scalar(counted.order_by(None)) or 0)
