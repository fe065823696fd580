"""One entry per form: read the office's 研判 form and take the decision it names.

Pages and API share these, so both refuse the same input with the same field message.
"""

from typing import Protocol

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from warning.auth.principal import Principal
from warning.domain.grading import GradingPolicy
from warning.domain.input_text import parse_int
from warning.handling.errors import Conflict
from warning.triage.amend import Amendment, amend
from warning.triage.decisions import dismiss, issue
from warning.triage.errors import invalid
from warning.triage.manual import ManualWarning, raise_by_hand
from warning.triage.merge import merge
from warning.triage.policy import DEFAULT_TRIAGE_DAYS
from warning.triage.signal_decisions import dismiss_signal, mark_duplicate

CODE_LIMIT = 64
PROPOSAL_DECISIONS = ("issue", "amend", "merge", "dismiss")
SIGNAL_DECISIONS = ("warn", "dismiss", "duplicate")


class TriageFields(Protocol):
    """What a 研判 form or request body carries (every field text, empty when absent)."""

    decision: str
    comment: str
    response: str
    department: str
    subject_kind: str
    subject_name: str
    into: str
    risk_point: str
    duplicate_of: str
    propose: str
    version: str | int | None


def _codes(form: TriageFields) -> None:
    for name in ("response", "department", "subject_kind", "into", "risk_point",
                 "duplicate_of"):
        if len(getattr(form, name)) > CODE_LIMIT:
            raise invalid(name, f"该项不能超过 {CODE_LIMIT} 个字符", f"{name} is too long")


def _version(raw: str | int | None) -> int | None:
    if raw is None or isinstance(raw, int):
        return raw
    if not raw:
        return None
    version = parse_int(raw, low=0)
    if version is None:
        raise invalid("version", "表单版本号无效，请刷新页面后重试", "bad version")
    return version


def decide_proposal(
    session: Session, *, warning_id: int, principal: Principal, form: TriageFields,
    grading: GradingPolicy,
) -> str:
    """Take the decision `form` names on a proposal; return the new state.

    Two decisions on one proposal at once: on PostgreSQL the second waits for the row lock
    and finds no proposal; on SQLite (no row locks) both read it and the second's UPDATE
    finds the record's version moved (StaleDataError). Either way the second is told the
    proposal changed, and nothing of it is written.
    """
    _codes(form)
    version = _version(form.version)
    try:
        state = _decide(session, warning_id, principal, form, grading, version)
        session.flush()
    except (Conflict, StaleDataError) as error:
        raise invalid("version", "该预警已被他人先行研判或修改，请刷新页面查看后再操作",
                      "the proposal changed; reload") from error
    if state is None:
        raise invalid("decision", "请选择研判操作：下达、研判修改、合并或不予下达",
                      f"decision must be one of {', '.join(PROPOSAL_DECISIONS)}")
    return state


def _decide(
    session: Session, warning_id: int, principal: Principal, form: TriageFields,
    grading: GradingPolicy, version: int | None,
) -> str | None:
    common = {"warning_id": warning_id, "principal": principal, "version": version}
    if form.decision == "issue":
        return issue(session, grading=grading, comment=form.comment, **common).state
    if form.decision == "amend":
        change = Amendment(form.response, form.department, form.subject_kind,
                           form.subject_name)
        return amend(session, amendment=change, comment=form.comment, **common).state
    if form.decision == "merge":
        return merge(session, into=form.into, grading=grading, comment=form.comment,
                     **common).state
    if form.decision == "dismiss":
        return dismiss(session, comment=form.comment, **common).state
    return None


def decide_signal(
    session: Session, *, signal_id: int, principal: Principal, form: TriageFields,
    grading: GradingPolicy, triage_days: int = DEFAULT_TRIAGE_DAYS,
) -> int | None:
    """Take the decision `form` names on a signal; return a hand-made warning's id."""
    _codes(form)
    if form.decision == "warn":
        manual = ManualWarning(form.risk_point, form.department, form.subject_kind,
                               form.subject_name, form.response,
                               propose=form.propose in ("1", "on", "true", "yes"),
                               comment=form.comment)
        return raise_by_hand(session, signal_id=signal_id, principal=principal, form=manual,
                             grading=grading, triage_days=triage_days)
    if form.decision == "dismiss":
        dismiss_signal(session, signal_id=signal_id, principal=principal, comment=form.comment)
        return None
    if form.decision == "duplicate":
        mark_duplicate(session, signal_id=signal_id, principal=principal, of=form.duplicate_of,
                       comment=form.comment)
        return None
    raise invalid("decision", "请选择操作：人工预警、不予处理或标记重复",
                  f"decision must be one of {', '.join(SIGNAL_DECISIONS)}")
