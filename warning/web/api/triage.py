"""研判 over the API: the office's decisions on a proposal and on a signal."""

from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.domain.grading import GradingPolicy
from warning.domain.input_text import CheckedInput
from warning.domain.lifecycle import DomainError, Role
from warning.triage.commands import decide_proposal, decide_signal
from warning.triage.errors import TRIAGE_STATUS
from warning.triage.signal_decisions import DISPOSITION_LABELS
from warning.web.db_work import in_session
from warning.web.deps import MAX_ID, IdPath, RuntimeDep
from warning.web.error_docs import errors
from warning.web.errors import DOMAIN_STATUS, ApiError
from warning.web.routing import SessionRouter
from warning.web.security import require_roles

router = SessionRouter(prefix="/api", tags=["triage"])
# 研判 is the office's: anyone else is refused before the body is read.
OfficeDep = Annotated[Principal, Depends(require_roles(Role.OFFICE, Role.ADMIN))]
STATUS_OF = {**DOMAIN_STATUS, **TRIAGE_STATUS}


class TriageIn(CheckedInput):
    """One 研判 decision; the fields it does not use stay empty."""

    model_config = ConfigDict(extra="ignore")
    decision: str = Field(default="", max_length=64, description=(
        "on a proposal: issue | amend | merge | dismiss; on a signal: warn | dismiss | "
        "duplicate"))
    comment: str = Field(default="", max_length=10_000, description="reason or opinion")
    response: str = Field(default="", max_length=64)
    department: str = Field(default="", max_length=64, description="department code")
    subject_kind: str = Field(default="", max_length=64, description="person | post | department")
    subject_name: str = Field(default="", max_length=1000)
    into: str = Field(default="", max_length=64, description="merge: the open warning's id")
    risk_point: str = Field(default="", max_length=64, description="warn: risk point code")
    duplicate_of: str = Field(default="", max_length=64, description="duplicate: signal id")
    propose: str = Field(default="", max_length=8, description="warn: '1' keeps a proposal")
    version: int | None = Field(default=None, ge=0, le=MAX_ID,
                                description="the record version seen (optional)")


class ProposalOut(BaseModel):
    warning_id: int
    state: str


class SignalDecisionOut(BaseModel):
    signal_id: int
    decision: str
    warning_id: int | None = None
    disposition_label: str | None = None


def _error(error: DomainError) -> ApiError:
    return ApiError(STATUS_OF.get(error.code, 400), error.code, error.message,
                    error.message_en, **error.details)


def _on_proposal(session: Session, warning_id: int, principal: Principal, body: TriageIn,
                 grading: GradingPolicy) -> str:
    try:
        state = decide_proposal(session, warning_id=warning_id, principal=principal,
                                form=body, grading=grading)
        session.commit()
        return state
    except BaseException:
        session.rollback()
        raise


@router.post("/warnings/{warning_id}/triage", response_model=ProposalOut,
             responses=errors(403, 404, 409))
async def post_proposal(
    warning_id: IdPath, body: TriageIn, runtime: RuntimeDep, principal: OfficeDep,
) -> ProposalOut:
    """Take the office's 研判 decision on a proposal (下达, 研判修改, 合并, 不予下达)."""
    try:
        state = await in_session(runtime, _on_proposal, warning_id, principal, body,
                                 runtime.rules.current().grading)
    except DomainError as error:
        raise _error(error) from None
    return ProposalOut(warning_id=warning_id, state=state)


def _on_signal(session: Session, signal_id: int, principal: Principal, body: TriageIn,
               grading: GradingPolicy, triage_days: int) -> int | None:
    try:
        raised = decide_signal(session, signal_id=signal_id, principal=principal, form=body,
                               grading=grading, triage_days=triage_days)
        session.commit()
        return raised
    except BaseException:
        session.rollback()
        raise


@router.post("/signals/{signal_id}/triage", response_model=SignalDecisionOut,
             responses=errors(403, 404, 409))
async def post_signal(
    signal_id: IdPath, body: TriageIn, runtime: RuntimeDep, principal: OfficeDep,
) -> SignalDecisionOut:
    """Raise a warning by hand for a signal (warn), dismiss it (不予处理) or mark it a
    duplicate of another signal."""
    try:
        raised = await in_session(runtime, _on_signal, signal_id, principal, body,
                                  runtime.rules.current().grading, runtime.settings.triage_days)
    except DomainError as error:
        raise _error(error) from None
    label = {"dismiss": DISPOSITION_LABELS["dismissed"],
             "duplicate": DISPOSITION_LABELS["duplicate"]}.get(body.decision)
    return SignalDecisionOut(signal_id=signal_id, decision=body.decision, warning_id=raised,
                             disposition_label=label)
