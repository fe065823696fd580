"""研判修改: change a proposal's grade, department or subject before issuing it.

The subject key moves with the department and the subject, so the one-open-warning rule
is checked again: a key another open warning holds is refused, naming that warning.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.db.models import Department, RiskWarning
from warning.domain.enums import Response, SubjectKind
from warning.domain.lifecycle import Action, State, transition
from warning.handling.events import append_event
from warning.services.subjects import Subject, subject_of
from warning.triage.decisions import Decided, load_proposal
from warning.triage.errors import (
    MAX_SUBJECT,
    OpenWarningExists,
    TriageInvalid,
    invalid,
    reason,
    refuse_markup,
)
from warning.triage.keys import refuse_taken_key
from warning.triage.policy import warning_key


@dataclass(frozen=True)
class Amendment:
    """What the office typed: empty means unchanged."""

    response: str = ""
    department: str = ""  # a department code
    subject_kind: str = ""
    subject_name: str = ""


def parse_response(value: str) -> Response:
    """Return the response named `value`, or refuse the field."""
    try:
        return Response(value)
    except ValueError:
        raise invalid("response", f"未知的处置措施“{value[:20]}”",
                      f"unknown response {value[:20]!r}") from None


def department_by_code(session: Session, code: str) -> Department:
    """Return the department with this code, or refuse the field."""
    found = session.scalars(select(Department).where(Department.code == code)).first()
    if found is None:
        raise invalid("department", f"未知的部门“{code[:40]}”", f"unknown department {code[:40]!r}")
    return found


def subject_for(kind: str, name: str, department: str, signal_id: int | None = None) -> Subject:
    """Return the subject a form names: a person or post (named) in `department`, or it."""
    try:
        wanted = SubjectKind(kind)
    except ValueError:
        raise invalid("subject_kind", "请选择预警对象类型（个人、岗位或部门）",
                      f"unknown subject kind {kind[:20]!r}") from None
    name = name.strip()
    if len(name) > MAX_SUBJECT:
        raise invalid("subject_name", f"对象名称不能超过 {MAX_SUBJECT} 字", "subject too long")
    refuse_markup(name, "subject_name", "对象名称")
    if wanted is not SubjectKind.DEPARTMENT and not name:
        raise invalid("subject_name", "请填写被预警的个人或岗位名称", "subject name required")
    return subject_of(kind=wanted, department=department,
                      person=name if wanted is SubjectKind.PERSON else None,
                      post=name if wanted is SubjectKind.POST else None, signal_id=signal_id)


def amend(
    session: Session, *, warning_id: int, principal: Principal, amendment: Amendment,
    comment: str = "", version: int | None = None, now: datetime | None = None,
) -> Decided:
    """Change a proposal's grade, department or subject; record before and after."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    warning, record = load_proposal(session, warning_id=warning_id, principal=principal,
                                    action=Action.AMEND, version=version)
    comment = reason(comment, required=False, label="修改说明")
    transition(record.state, Action.AMEND, principal.role, {"comment": comment})
    before = _fields(session, warning)
    after = dict(before)
    if amendment.response:
        after["response"] = parse_response(amendment.response).value
    if amendment.department:
        department = department_by_code(session, amendment.department)
        after["department"], department_id = department.code, department.id
    else:
        department_id = warning.department_id
    kind = amendment.subject_kind or warning.subject_kind
    name = amendment.subject_name.strip() or (
        warning.subject_name if kind == warning.subject_kind else "")
    department_code = after["department"] or ""
    subject = subject_for(kind, name, department_code, warning.signal_id)
    after["subject_kind"], after["subject_name"] = subject.kind.value, subject.name
    if after == before:
        raise invalid("response", "未作任何修改：请改变处置措施、责任部门或预警对象",
                      "nothing changed")
    point_name = warning.risk_point.name
    key = warning_key(subject.key, proposal=True)  # amended, it is still a proposal
    refuse_taken_key(session, risk_point_id=warning.risk_point_id, key=key,
                     point_name=point_name, except_id=warning.id)
    warning.response = after["response"]
    warning.department_id = department_id
    warning.subject_kind, warning.subject_name = subject.kind.value, subject.name
    warning.subject_key = key
    record.updated_at = now
    try:
        session.flush()
    except IntegrityError:  # another writer took the key meanwhile
        raise OpenWarningExists("该风险点和对象刚刚已有其他未办结预警，请刷新后重试",
                                "another open warning took this key", field="subject_name") \
            from None
    append_event(session, record_id=record.id, action=Action.AMEND.value,
                 from_state=State.PROPOSED.value, to_state=State.PROPOSED.value,
                 actor=principal.actor, comment=comment, now=now,
                 data={"before": before, "after": after})
    return Decided(warning.id, record.state, record.version)


def _fields(session: Session, warning: RiskWarning) -> dict[str, Any]:
    code = None
    if warning.department_id is not None:
        code = session.scalar(select(Department.code)
                              .where(Department.id == warning.department_id))
    return {"response": warning.response, "department": code,
            "subject_kind": warning.subject_kind, "subject_name": warning.subject_name}


__all__ = ["Amendment", "TriageInvalid", "amend", "subject_for"]
