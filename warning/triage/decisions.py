"""The office's decisions on a proposal (待研判): issue, amend, merge, dismiss.

Each decision is one transaction (the caller commits) and one event on the proposal's
hash-chained trail. Issuing is when the department is told: its notice is queued and its
deadlines are counted from that moment, by the grade's days in the grading policy.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import reads_proposals, visible_warnings
from warning.db.models import Department, HandlingRecord, RiskPoint, RiskWarning
from warning.domain.calendar import DayKind, HolidayCalendar, due_at
from warning.domain.enums import Response
from warning.domain.grading import GradingPolicy
from warning.domain.lifecycle import Action, RoleNotAllowed, State, transition
from warning.handling.errors import Conflict, not_found
from warning.handling.events import append_event, last_link
from warning.handling.holidays import default_calendar
from warning.notify.messages import WarningFacts, render
from warning.notify.outbox import department_audience, enqueue, notice_row
from warning.triage.errors import NotAProposal, invalid, reason
from warning.triage.keys import take_issued_key


@dataclass(frozen=True)
class Decided:
    """A proposal after a decision: its state and record version."""

    warning_id: int
    state: str
    version: int


def require_office(principal: Principal, action: Action) -> None:
    """Refuse anyone but the office (and admin): only they judge proposals and signals."""
    if not reads_proposals(principal):
        raise RoleNotAllowed(f"角色“{principal.role.label}”不能执行“{action.label}”",
                             f"role {principal.role.value!r} may not {action.value!r}")


def load_proposal(
    session: Session, *, warning_id: int, principal: Principal, action: Action,
    version: int | None = None,
) -> tuple[RiskWarning, HandlingRecord]:
    """Return a proposal and its record, locked; refuse a non-proposal or a stale form."""
    require_office(principal, action)
    row = session.execute(visible_warnings(
        select(RiskWarning, HandlingRecord)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .where(RiskWarning.id == warning_id), principal).with_for_update()).first()
    if row is None:
        raise not_found(warning_id)
    warning, record = row
    if record.state != State.PROPOSED.value:
        raise NotAProposal(
            f"预警 #{warning_id} 不是待研判预警（当前状态“{State(record.state).label}”），未作更改",
            f"warning {warning_id} is not a proposal (state {record.state!r})",
            field="action", state=record.state)
    if version is not None and version != record.version:
        raise Conflict(record.state, record.version, seen=version)
    return warning, record


def issue(
    session: Session, *, warning_id: int, principal: Principal, grading: GradingPolicy,
    comment: str = "", version: int | None = None, now: datetime | None = None,
    calendar: HolidayCalendar | None = None,
) -> Decided:
    """Issue a proposal (下达): tell its department and start its deadlines now."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    warning, record = load_proposal(session, warning_id=warning_id, principal=principal,
                                    action=Action.ISSUE, version=version)
    comment = reason(comment, required=False, label="研判意见")
    if warning.department_id is None:
        raise invalid("department", "下达前请先指定责任部门（研判修改）",
                      "choose a department before issuing")
    transition(record.state, Action.ISSUE, principal.role, {"comment": comment})
    take_issued_key(session, warning)
    issue_record(session, warning, record, actor=principal.actor, comment=comment,
                 grading=grading, now=now, calendar=calendar, after_triage=True)
    return Decided(warning.id, record.state, record.version)


def issue_record(
    session: Session, warning: RiskWarning, record: HandlingRecord, *, actor: str,
    comment: str, grading: GradingPolicy, now: datetime, after_triage: bool,
    calendar: HolidayCalendar | None = None,
) -> None:
    """Move a proposal's record to issued: deadlines from now, the `issue` event, the
    department's notice. `after_triage` says whether the office decided it."""
    last = last_link(session, record.id)  # before any change: the read would flush it
    grade = grading.of(Response(warning.response))
    kind = DayKind(grade.day_kind)
    calendar = calendar or default_calendar()
    receive = due_at(now, grade.receive_days, kind, calendar)
    report = due_at(now, grade.report_days, kind, calendar)
    record.state, record.receive_due_at = State.ISSUED.value, receive
    record.report_due_at, record.triage_due_at, record.updated_at = report, None, now
    record.issued_at = now  # 下达: the review counts it from here (0010a)
    # where 研判 ended: departments count seq and version from here (warning.auth.numbering)
    record.triage_seq, record.triage_version = last[0], record.version
    warning.is_proposal = False
    session.flush()
    append_event(session, after=last, record_id=record.id, action=Action.ISSUE.value,
                 from_state=State.PROPOSED.value, to_state=State.ISSUED.value, actor=actor,
                 comment=comment, now=now, data={
                     "response": warning.response, "receive_days": grade.receive_days,
                     "report_days": grade.report_days, "day_kind": kind.value,
                     "receive_due_at": receive.isoformat(), "report_due_at": report.isoformat(),
                     "after_triage": after_triage})
    enqueue(session, [_issued_notice(session, warning, record, now)])


def _issued_notice(
    session: Session, warning: RiskWarning, record: HandlingRecord, now: datetime
) -> dict[str, Any]:
    point = session.scalar(select(RiskPoint.name).where(RiskPoint.id == warning.risk_point_id))
    department = session.scalar(select(Department.name)
                                .where(Department.id == warning.department_id))
    facts = WarningFacts(
        warning_id=warning.id, risk_point=point or "", department=department or "未指定部门",
        response=warning.response, state=State.ISSUED.value,
        receive_due_at=record.receive_due_at, report_due_at=record.report_due_at,
    )
    subject, body = render("issued", facts)
    return notice_row(record_id=record.id, kind="issued",
                      audience=department_audience(warning.department_id), subject=subject,
                      body=body, level=1, now=now)


def dismiss(
    session: Session, *, warning_id: int, principal: Principal, comment: str,
    version: int | None = None, now: datetime | None = None,
) -> Decided:
    """Dismiss a proposal (不予下达) with a reason; no department ever learns of it."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    warning, record = load_proposal(session, warning_id=warning_id, principal=principal,
                                    action=Action.DISMISS, version=version)
    comment = reason(comment, label="不予下达的理由")
    step = transition(record.state, Action.DISMISS, principal.role, {"comment": comment})
    close_proposal(record, warning, step.to, now)
    session.flush()
    append_event(session, record_id=record.id, action=Action.DISMISS.value,
                 from_state=State.PROPOSED.value, to_state=step.to.value,
                 actor=principal.actor, comment=comment, now=now)
    return Decided(warning.id, record.state, record.version)


def close_proposal(
    record: HandlingRecord, warning: RiskWarning, state: State, now: datetime
) -> None:
    """Put a proposal in a final state: its key is free again for a new warning."""
    record.state, record.closed_at, record.updated_at = state.value, now, now
    record.triage_due_at = None
    warning.is_open = False
