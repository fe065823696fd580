"""人工预警: the office raises a warning by hand for a signal no rule caught.

It names the risk point, department, subject and (optionally) the grade; the warning
is issued at once or kept as a proposal, and holds the same one-open-warning-per-(risk
point, subject) rule as intake: a key already held is refused, naming the holder.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import visible_signals
from warning.db.models import Channel, RiskPoint, RiskWarning, Signal, WarningSignal
from warning.domain.enums import Level
from warning.domain.grading import GradingPolicy
from warning.domain.lifecycle import Action
from warning.handling.events import append_event
from warning.handling.opening import open_records, opening_of
from warning.triage.amend import (
    department_by_code,
    parse_response,
    subject_for,
)
from warning.triage.decisions import require_office
from warning.triage.errors import MAX_ID, OpenWarningExists, invalid, reason
from warning.triage.keys import refuse_taken_key, refuse_taken_subject
from warning.triage.policy import DEFAULT_TRIAGE_DAYS, keeps_apart, warning_key
from warning.triage.proposals import open_proposals
from warning.triage.signal_decisions import SignalNotFound

MANUAL_RULE = "manual"  # the rule id a hand-raised warning carries


@dataclass(frozen=True)
class ManualWarning:
    """The office's hand-made warning, as typed into the form."""

    risk_point: str
    department: str
    subject_kind: str
    subject_name: str = ""
    response: str = ""  # empty: the grading matrix's cell for the point's level, severity 1
    propose: bool = False  # keep as a proposal (待研判) instead of issuing at once
    comment: str = ""


def raise_by_hand(
    session: Session, *, signal_id: int, principal: Principal, form: ManualWarning,
    grading: GradingPolicy, now: datetime | None = None,
    triage_days: int = DEFAULT_TRIAGE_DAYS,
) -> int:
    """Raise a warning for a signal by hand; return its id."""
    require_office(principal, Action.ISSUE)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    signal = _signal(session, principal, signal_id)
    if not form.risk_point:
        raise invalid("risk_point", "请选择风险点", "risk_point is required")
    point = session.scalars(select(RiskPoint).where(RiskPoint.code == form.risk_point)).first()
    if point is None:
        raise invalid("risk_point", f"未知的风险点“{form.risk_point[:40]}”",
                      f"unknown risk point {form.risk_point[:40]!r}")
    if not form.department:
        raise invalid("department", "请选择责任部门", "department is required")
    department = department_by_code(session, form.department)
    subject = subject_for(form.subject_kind, form.subject_name, department.code)
    response = (parse_response(form.response) if form.response
                else grading.base(Level(point.level), 1))
    comment = reason(form.comment, required=False, label="研判意见")
    confidential = bool(session.scalar(select(Channel.confidential)
                                       .where(Channel.id == signal.channel_id)))
    key = warning_key(subject.key, form.propose, keeps_apart(confidential, subject.kind.value))
    refuse = refuse_taken_key if form.propose else refuse_taken_subject
    refuse(session, risk_point_id=point.id, key=key, point_name=point.name)
    warning = RiskWarning(
        risk_point_id=point.id, department_id=department.id, subject_kind=subject.kind.value,
        subject_key=key, subject_name=subject.name, rule_id=MANUAL_RULE,
        rule_version="", signal_id=signal.id, response=response.value,
        base_response=response.value, rule_ids=[MANUAL_RULE], severity=1, repeat_count=1,
        is_open=True, is_proposal=form.propose, created_at=now,
    )
    session.add(warning)
    try:
        session.flush()
    except IntegrityError:
        raise OpenWarningExists("该风险点和对象刚刚已有其他未办结预警，请刷新后重试",
                                "another open warning took this key", field="subject_name") \
            from None
    session.add(WarningSignal(warning_id=warning.id, signal_id=signal.id, rule_id=MANUAL_RULE,
                              attached_at=now))
    grade = grading.of(response)
    opening = opening_of(session, warning, receive_days=grade.receive_days,
                         report_days=grade.report_days, day_kind=grade.day_kind)
    if form.propose:
        open_proposals(session, [opening], actor=principal.actor, now=now, days=triage_days)
    else:
        open_records(session, [opening], actor=principal.actor, now=now)
    session.flush()
    if comment:
        append_event(session, record_id=warning.record.id, action=Action.NOTE.value,
                     from_state=warning.record.state, to_state=warning.record.state,
                     actor=principal.actor, comment=f"人工预警：{comment}", now=now)
    return warning.id


def _signal(session: Session, principal: Principal, signal_id: int) -> Signal:
    signal = None
    if 0 < signal_id <= MAX_ID:
        signal = session.scalars(visible_signals(select(Signal).where(Signal.id == signal_id),
                                                 principal)).first()
    if signal is None:
        raise SignalNotFound(f"信号 {signal_id} 不存在", f"signal {signal_id} not found")
    return signal
