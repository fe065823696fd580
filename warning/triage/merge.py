"""合并: fold a proposal into an open warning of the same risk point.

The proposal's signals join the target's timeline (counted in its repeat count, as a
signal joining through intake is) and the proposal ends as `merged`. The target is graded
again as intake grades a joining signal, the proposal's response (as the office left it)
standing for its rules: if that is heavier, the target is regraded and its open deadlines
are counted anew from the merge (a `regrade` event, as rules/README.md says). The target's trail
gets an `absorb` event that says how many signals came, not from which proposal: a
department reading the target never learns that a proposal existed.
"""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import visible_warnings
from warning.db.models import HandlingRecord, RiskPoint, RiskWarning, WarningSignal
from warning.domain.enums import Response
from warning.domain.grading import Grade, GradingPolicy, RuleGrade
from warning.domain.input_text import parse_int
from warning.domain.lifecycle import Action, State, transition
from warning.handling.events import append_event
from warning.handling.regrades import regrade_record
from warning.triage.decisions import Decided, close_proposal, load_proposal
from warning.triage.errors import invalid, reason


def merge(
    session: Session, *, warning_id: int, principal: Principal, into: str,
    grading: GradingPolicy, comment: str = "", version: int | None = None,
    now: datetime | None = None,
) -> Decided:
    """Merge a proposal into open warning `into` of the same risk point."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    warning, record = load_proposal(session, warning_id=warning_id, principal=principal,
                                    action=Action.MERGE, version=version)
    comment = reason(comment, required=False, label="合并说明")
    target, target_record = _target(session, principal, warning, into.strip())
    step = transition(record.state, Action.MERGE, principal.role, {"comment": comment})
    linked = set(session.scalars(select(WarningSignal.signal_id)
                                 .where(WarningSignal.warning_id == target.id)))
    moving = [link for link in session.scalars(
        select(WarningSignal).where(WarningSignal.warning_id == warning.id)
        .order_by(WarningSignal.id)) if link.signal_id not in linked]
    for link in moving:
        session.add(WarningSignal(warning_id=target.id, signal_id=link.signal_id,
                                  rule_id=link.rule_id, attached_at=now))
    target.repeat_count += len(moving)
    target.rule_ids = list(dict.fromkeys([*(target.rule_ids or [target.rule_id]),
                                          *(warning.rule_ids or [warning.rule_id])]))
    previous = target.response
    regraded = _grade_again(session, grading, target, warning)
    close_proposal(record, warning, step.to, now)
    session.flush()
    append_event(session, record_id=record.id, action=Action.MERGE.value,
                 from_state=State.PROPOSED.value, to_state=step.to.value,
                 actor=principal.actor, comment=comment, now=now,
                 data={"into": target.id, "signals": [link.signal_id for link in moving]})
    append_event(session, record_id=target_record.id, action=Action.ABSORB.value,
                 from_state=target_record.state, to_state=target_record.state,
                 actor=principal.actor, now=now, data={"signals": len(moving)},
                 comment=f"并入同一风险点的信号 {len(moving)} 条")
    if regraded is not None:
        session.flush()
        regrade_record(session, warning_id=target.id, repeat_count=target.repeat_count,
                       previous=previous, grade=regraded, now=now, actor=principal.actor)
    return Decided(warning.id, record.state, record.version)


def _grade_again(
    session: Session, grading: GradingPolicy, target: RiskWarning, proposal: RiskWarning,
) -> Grade | None:
    """Grade `target` with the proposal joined; set and return its new grade if heavier."""
    level = session.scalars(select(RiskPoint.level)
                            .where(RiskPoint.id == target.risk_point_id)).one()
    present = Response(target.response)
    base = Response(target.base_response or target.response)
    joining = [RuleGrade(proposal.rule_id, proposal.severity, Response(proposal.response))]
    grade = grading.regraded(level, present=present, base=base, rules=joining,
                             count=target.repeat_count)
    target.base_response = max((base, Response(proposal.response)),
                               key=lambda response: response.rank).value
    target.severity = max(target.severity, proposal.severity)
    if grade is None:
        return None
    target.response = grade.response.value
    return grade


def _target(
    session: Session, principal: Principal, warning: RiskWarning, into: str
) -> tuple[RiskWarning, HandlingRecord]:
    """Return the open warning to merge into, or refuse the `into` field."""
    number = parse_int(into)
    if number is None:
        raise invalid("into", "请填写要合并到的预警编号（数字）", "into must be a warning id")
    row = session.execute(visible_warnings(
        select(RiskWarning, HandlingRecord)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .where(RiskWarning.id == number), principal).with_for_update()).first()
    if row is None:
        raise invalid("into", f"预警 #{into} 不存在", f"warning {into} not found")
    target, record = row
    if target.id == warning.id:
        raise invalid("into", "不能合并到该预警自身", "cannot merge into itself")
    if not target.is_open:
        state = State(record.state).label
        raise invalid("into", f"预警 #{target.id} 当前为“{state}”，只能合并到未办结的预警",
                      f"warning {target.id} is not open")
    if target.risk_point_id != warning.risk_point_id:
        raise invalid("into", f"预警 #{target.id} 属于其他风险点，只能合并到同一风险点的预警",
                      f"warning {target.id} is on another risk point")
    return target, record
