"""Petitions (信访举报): log one, reveal its reporter with a reason, look up a receipt code."""

import time
from typing import Annotated

from fastapi import Depends, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from warning.auth.principal import Principal
from warning.db.models import RiskPoint, RiskWarning, Signal, WarningSignal
from warning.domain.input_text import CheckedInput
from warning.domain.lifecycle import DomainError, Role
from warning.petitions.errors import ReporterKeyError, ReporterNotFound, RevealRefused
from warning.petitions.input import PetitionIn
from warning.petitions.keys import ReporterCipher
from warning.petitions.receipts import LOOKUP_FLOOR_SECONDS, ReceiptLimiter, StoredRateLimiter
from warning.petitions.service import (
    already_logged,
    receipt_status,
    reveal_reporter,
    store_petition,
)
from warning.web.app_state import get_reporter_cipher
from warning.web.deps import IdPath, RuntimeDep, SessionDep
from warning.web.error_docs import errors
from warning.web.errors import ApiError
from warning.web.routing import SessionRouter
from warning.web.security import require_roles

router = SessionRouter(prefix="/api/petitions", tags=["petitions"])

OfficeDep = Annotated[Principal, Depends(require_roles(Role.OFFICE, Role.ADMIN))]
NO_STORE = {"Cache-Control": "no-store"}


def get_receipt_limiter(request: Request) -> ReceiptLimiter:
    """Return the receipt-lookup rate limiter (5 per minute per client address, in the database)."""
    state = request.app.state
    if not hasattr(state, "receipt_limiter"):
        state.receipt_limiter = StoredRateLimiter(
            state.runtime.sessions, capacity=5, period=60.0,
            secret=state.runtime.settings.secret_key)
    limiter: ReceiptLimiter = state.receipt_limiter
    return limiter


CipherDep = Annotated[ReporterCipher | None, Depends(get_reporter_cipher)]
LimiterDep = Annotated[ReceiptLimiter, Depends(get_receipt_limiter)]


class PetitionWarningOut(BaseModel):
    id: int
    rule_id: str
    risk_point: str
    response: str


class PetitionOut(BaseModel):
    signal_id: int
    case_signal_id: int | None = Field(description="the earlier report this one repeats")
    status: str
    warnings: list[PetitionWarningOut]
    receipt_code: str | None = Field(
        description="anonymous reports only: shown once, never stored in clear"
    )


class RevealIn(CheckedInput):
    reason: str = Field(min_length=1, max_length=1000)


class RevealOut(BaseModel):
    signal_id: int
    anonymous: bool
    name: str | None
    contact: str | None
    id_number: str | None
    phone: str | None = None
    unit: str | None = None
    address: str | None = None
    revealed_at: str


class ReceiptIn(CheckedInput):
    code: str = Field(min_length=1, max_length=64)


class ReceiptOut(BaseModel):
    status: str = Field(description="received / handling / concluded")
    label: str
    received_on: str
    reply: str = Field(default="", description="the office's message to the reporter")


@router.post("", status_code=201, response_model=PetitionOut, responses=errors(503))
def post_petition(
    petition: PetitionIn, principal: OfficeDep, runtime: RuntimeDep, session: SessionDep,
    cipher: CipherDep, response: Response,
) -> PetitionOut:
    """Log a petition with its reporter kept apart and encrypted, then evaluate it."""
    try:
        stored = store_petition(session, petition=petition, cipher=cipher)
        session.commit()
    except DomainError as error:
        session.rollback()
        raise _api_error(error) from None
    except IntegrityError:  # the same external id logged by another request at this instant
        session.rollback()
        if petition.external_id is None:
            raise
        raise _api_error(already_logged(petition.external_id)) from None
    runtime.intake.evaluate([stored.signal_id])
    session.expire_all()
    status = session.scalar(select(Signal.status).where(Signal.id == stored.signal_id)) or ""
    response.headers.update(NO_STORE)
    return PetitionOut(
        signal_id=stored.signal_id,
        case_signal_id=None if stored.case_signal_id == stored.signal_id else stored.case_signal_id,
        status=status,
        warnings=_warnings(session, stored.signal_id),
        receipt_code=stored.receipt_code,
    )


@router.post("/receipt", response_model=ReceiptOut, responses=errors(429))
def look_up_receipt(
    body: ReceiptIn, request: Request, session: SessionDep, limiter: LimiterDep,
    response: Response,
) -> ReceiptOut:
    """Tell an anonymous reporter how their report stands, and nothing more."""
    client = request.client.host if request.client else "unknown"
    if not limiter.allow(client):
        wait = limiter.retry_after()
        raise ApiError(429, "rate_limited", "查询过于频繁，请稍后再试",
                       "too many receipt lookups, try again later",
                       headers={"Retry-After": str(wait)}, retry_after=wait)
    started = time.monotonic()
    try:
        found = receipt_status(session, body.code)
    except ReporterNotFound as error:
        raise _api_error(error) from None
    finally:  # found or not, as late as the page's answer: timing tells nothing
        time.sleep(max(0.0, LOOKUP_FLOOR_SECONDS - (time.monotonic() - started)))
    response.headers.update(NO_STORE)
    return ReceiptOut(status=found.status, label=found.label, received_on=found.received_on,
                      reply=found.reply)


@router.post("/{signal_id}/reveal", response_model=RevealOut, responses=errors(503))
def reveal(
    signal_id: IdPath, body: RevealIn, principal: OfficeDep, session: SessionDep,
    cipher: CipherDep, response: Response,
) -> RevealOut:
    """Show who reported a signal to the office; the reveal and its reason are recorded."""
    try:
        revealed = reveal_reporter(session, signal_id=signal_id, principal=principal,
                                   reason=body.reason, cipher=cipher)
        session.commit()
    except DomainError as error:
        session.rollback()
        raise _api_error(error) from None
    response.headers.update(NO_STORE)
    identity = revealed.identity
    return RevealOut(
        signal_id=signal_id, anonymous=revealed.anonymous,
        name=identity.name if identity else None,
        contact=identity.contact if identity else None,
        id_number=(identity.id_number or None) if identity else None,
        phone=(identity.phone or None) if identity else None,
        unit=(identity.unit or None) if identity else None,
        address=(identity.address or None) if identity else None,
        revealed_at=revealed.revealed_at.isoformat(),
    )


def _warnings(session: SessionDep, signal_id: int) -> list[PetitionWarningOut]:
    rows = session.execute(
        select(RiskWarning.id, WarningSignal.rule_id, RiskPoint.code, RiskWarning.response)
        .join(WarningSignal, WarningSignal.warning_id == RiskWarning.id)
        .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
        .where(WarningSignal.signal_id == signal_id)
        .order_by(WarningSignal.id)
    )
    return [PetitionWarningOut(id=i, rule_id=r, risk_point=c, response=p) for i, r, c, p in rows]


def _api_error(error: DomainError) -> ApiError:
    status = 422
    if isinstance(error, ReporterNotFound):
        status = 404
    elif isinstance(error, RevealRefused) and "field" not in error.details:
        status = 403
    elif isinstance(error, ReporterKeyError):
        status = 503
    return ApiError(status, error.code, error.message, error.message_en, **error.details)
