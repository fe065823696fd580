"""Signal intake: POST /api/signals and GET /api/signals/{id}."""

import asyncio
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import readable_text
from warning.db.models import Channel, Department, Signal
from warning.domain.lifecycle import Role
from warning.runtime import Runtime
from warning.services.intake import IntakeOutcome
from warning.services.signal_input import SignalIn
from warning.services.stored_differences import LABELS, stored_differs
from warning.web.db_work import in_session
from warning.web.deps import IdPath, RuntimeDep, SessionDep
from warning.web.error_docs import ErrorBody
from warning.web.errors import ApiError
from warning.web.routing import SessionRouter
from warning.web.security import require_roles

router = SessionRouter(prefix="/api/signals", tags=["signals"])
# Signals are raw intake (petition text may identify a reporter): the office handles them;
# departments see the warnings addressed to them, not the signals behind.
_office = [Depends(require_roles(Role.OFFICE, Role.ADMIN))]
API_NAMES = {"department_id": "department"}  # a stored column's name in SignalIn
ReaderDep = Annotated[Principal, Depends(require_roles(Role.OFFICE, Role.ADMIN, Role.REVIEWER))]


class WarningOut(BaseModel):
    id: int
    rule_id: str
    risk_point: str
    response: str
    new: bool


class IntakeOut(BaseModel):
    signal_id: int
    created: bool
    status: str
    warnings: list[WarningOut]


class SignalOut(BaseModel):
    id: int
    channel: str
    external_id: str
    title: str
    text: str
    department: str | None
    person: str
    post: str
    amount: Decimal | None
    occurred_at: datetime | None
    received_at: datetime
    status: str
    last_error: str
    rule_book: str = ""  # the digest of the rule book that evaluated it ("" before 0010g_r17)


@router.post(
    "",
    status_code=201,
    response_model=IntakeOut,
    dependencies=_office,
    responses={
        200: {"model": IntakeOut, "description": "already received: the first result"},
        409: {"model": ErrorBody, "description": (
            "this external id is stored with other content: `error.differs` names the "
            "fields, `error.signal_id` the stored signal")},
    },
)
async def post_signal(item: SignalIn, runtime: RuntimeDep, response: Response) -> IntakeOut:
    """Store a signal, evaluate it and answer with the warnings it raised."""
    outcome: IntakeOutcome = await asyncio.wrap_future(runtime.submit_signal(item))
    if outcome.error is not None:
        raise ApiError(
            422,
            outcome.error.code,
            outcome.error.message,
            str(outcome.error),
            field=outcome.error.field,
        )
    assert outcome.signal_id is not None
    if not outcome.created:
        differs = await in_session(runtime, _differs, runtime, outcome.signal_id, item)
        if differs:
            shown = "、".join(LABELS[f] for f in differs)
            raise ApiError(
                409, "external_id_conflict",
                f"外部编号“{item.external_id}”已存在 (信号 #{outcome.signal_id})，但{shown}与已"
                "存储的不同: 已存储的信号不会被改写，新内容请用新的外部编号",
                "a signal with this external id is stored with other content; a stored "
                "signal is never rewritten", field="external_id",
                signal_id=outcome.signal_id,
                differs=[API_NAMES.get(f, f) for f in differs])
        response.status_code = 200
    return IntakeOut(
        signal_id=outcome.signal_id,
        created=outcome.created,
        status=outcome.status,
        warnings=[WarningOut(**w.__dict__) for w in outcome.warnings],
    )


def _differs(
    session: Session, runtime: Runtime, signal_id: int, item: SignalIn,
) -> tuple[str, ...]:
    return stored_differs(session, runtime.intake.directory(session), signal_id, item)


@router.get("/{signal_id:int}", response_model=SignalOut)
def get_signal(signal_id: IdPath, principal: ReaderDep, session: SessionDep) -> SignalOut:
    """Return one stored signal; a confidential channel's text only to the office."""
    row = session.execute(
        select(Signal, Channel.code, Channel.confidential, Department.code)
        .join(Channel, Channel.id == Signal.channel_id)
        .outerjoin(Department, Department.id == Signal.department_id)
        .where(Signal.id == signal_id)
    ).first()
    if row is None:
        raise ApiError(
            404, "not_found", f"信号 {signal_id} 不存在", f"signal {signal_id} not found"
        )
    signal, channel, confidential, department = row
    return SignalOut(
        id=signal.id,
        channel=channel,
        external_id=signal.external_id,
        title=signal.title,
        text=readable_text(principal, confidential=confidential, text=signal.text),
        department=department,
        person=signal.person,
        post=signal.post,
        amount=signal.amount,
        occurred_at=signal.occurred_at,
        received_at=signal.received_at,
        status=signal.status,
        last_error=signal.last_error,
        rule_book=signal.rule_book,
    )
