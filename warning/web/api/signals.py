"""Signal intake: POST /api/signals and GET /api/signals/{id}."""

import asyncio
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy import select

from warning.auth.principal import Principal
from warning.auth.scoping import readable_text
from warning.auth.users import principal_for_token
from warning.db.models import Channel, Department, Signal
from warning.domain.lifecycle import Role
from warning.runtime import Runtime
from warning.services.intake import IntakeOutcome
from warning.services.signal_input import SignalIn
from warning.web.deps import IdPath, RuntimeDep, SessionDep
from warning.web.errors import ApiError
from warning.web.security import presented_token, require_roles

router = APIRouter(prefix="/api/signals", tags=["signals"])
# Signals are raw intake (petition text may identify a reporter): the office handles them;
# departments see the warnings addressed to them, not the signals behind.
async def _office_caller(request: Request) -> None:
    """Let the office (and admins) in; a token seen in the last seconds needs no lookup.

    A lookup runs in a short session of its own on a worker thread: the request then waits
    on the intake writer and must not hold a pooled connection the writer needs.
    """
    runtime = request.app.state.runtime
    token = presented_token(request)
    principal = runtime.principals.cached(token)
    if principal is None and token:
        principal = await run_in_threadpool(runtime.principals.lookup, token,
                                            partial(_lookup, runtime))
    if principal is None:
        raise ApiError(401, "unauthenticated", "需要登录或有效的令牌", "authentication required")
    if principal.role not in (Role.OFFICE, Role.ADMIN):
        raise ApiError(403, "forbidden", "无权执行此操作", "not allowed for your role")


def _lookup(runtime: Runtime, token: str) -> Principal | None:
    with runtime.sessions() as session:
        return principal_for_token(session, token)


_office = [Depends(_office_caller)]
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


@router.post(
    "",
    status_code=201,
    response_model=IntakeOut,
    dependencies=_office,
    responses={
        200: {"description": "already received: the first result"},
        422: {"description": "invalid signal"},
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
        response.status_code = 200
    return IntakeOut(
        signal_id=outcome.signal_id,
        created=outcome.created,
        status=outcome.status,
        warnings=[WarningOut(**w.__dict__) for w in outcome.warnings],
    )


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
    )
