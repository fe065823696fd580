"""The office's 研判 panels: on a proposal's page, and on a signal's page.

Only what the office (and admin) may do is offered; for anyone else the panels are absent.
"""

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from warning.auth.numbering import ShownRecord
from warning.auth.principal import Principal
from warning.auth.visibility import reads_proposals, reads_signal_decisions
from warning.db.models import RiskWarning, Signal
from warning.domain.enums import Response
from warning.domain.lifecycle import DomainError, State
from warning.queries.departments import department_options, risk_point_options
from warning.queries.proposals import duplicate_of, merge_targets
from warning.triage.signal_decisions import DISPOSITION_LABELS

SUBJECT_KINDS = {"person": "个人", "post": "岗位", "department": "部门"}
DONE = {
    "issue": "已下达：责任部门已收到通知，签收和上报期限自现在起计算。",
    "amend": "已保存研判修改，预警仍待研判。",
    "merge": "已合并到所选预警，本条待研判预警已结束。",
    "dismiss": "已决定不予下达，理由已记入处置过程。",
    "warn": "已生成人工预警。",
    "dismiss_signal": "已将该信号标记为“不予处理”。",
    "duplicate": "已将该信号标记为重复信号。",
}
FIELD_LIMIT = 64  # codes and ids typed into a triage form; longer is refused, not looked up


@dataclass(frozen=True)
class TriageForm:
    """What the office typed into a 研判 form, shown again when it is refused."""

    decision: str = ""
    comment: str = ""
    response: str = ""
    department: str = ""
    subject_kind: str = ""
    subject_name: str = ""
    into: str = ""
    risk_point: str = ""
    duplicate_of: str = ""
    propose: str = ""
    version: str = ""

    @classmethod
    def read(cls, form: FormData | dict[str, Any]) -> "TriageForm":
        """Read the form's text fields, stripped; anything else (files) counts as empty."""
        values = {}
        for item in fields(cls):
            value = form.get(item.name)
            values[item.name] = value.strip() if isinstance(value, str) else ""
        return cls(**values)


@dataclass(frozen=True)
class Refusal:
    """Why a 研判 form was refused, and which field it is about."""

    message: str
    field: str

    @classmethod
    def of(cls, error: DomainError) -> "Refusal":
        return cls(f"未保存：{error.message}", str(error.details.get("field") or ""))


def proposal_panel(
    session: Session, principal: Principal, warning: RiskWarning, record: ShownRecord, *,
    done: str | None = None, refusal: Refusal | None = None, form: TriageForm | None = None,
) -> dict[str, Any]:
    """Return the proposal panel's context: forms while it awaits 研判, else nothing."""
    if not reads_proposals(principal):
        return {"triage": None}
    message = DONE.get(done or "", "")
    if record.state != State.PROPOSED.value:
        if not (message or refusal):
            return {"triage": None}
        return {"triage": {"open": False, "done": "" if refusal else message,
                           "refusal": refusal}}
    return {"triage": {
        "open": True, "done": "" if refusal else message, "refusal": refusal,
        "form": form or TriageForm(), "due": record.triage_due_at,
        "targets": merge_targets(session, principal, warning),
        "departments": department_options(session, principal),
        "responses": list(Response), "subject_kinds": SUBJECT_KINDS,
    }}


def signal_panel(
    session: Session, principal: Principal, signal: Signal, *, done: str | None = None,
    refusal: Refusal | None = None, form: TriageForm | None = None,
) -> dict[str, Any]:
    """Return the signal panel's context: hand-made warning, 不予处理, duplicate."""
    if not reads_signal_decisions(principal):
        return {"signal_triage": None}
    return {"signal_triage": {
        "done": "" if refusal else DONE.get(done or "", ""), "refusal": refusal,
        "form": form or TriageForm(), "disposition": DISPOSITION_LABELS.get(signal.disposition),
        "duplicate_of": duplicate_of(session, principal, signal),
        "points": risk_point_options(session),
        "departments": department_options(session, principal),
        "responses": list(Response), "subject_kinds": SUBJECT_KINDS,
    }}
