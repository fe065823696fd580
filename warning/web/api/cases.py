"""Cases (重复信访): GET /api/signals/cases and GET /api/signals/{id}/case."""

from datetime import datetime

from fastapi import Query
from pydantic import BaseModel, Field

from warning.dedup.cases import CaseFilters, case_of, cases_query
from warning.queries.counting import count_of
from warning.queries.signals import signal_exists
from warning.web.deps import MAX_ID, IdPath, SessionDep
from warning.web.errors import ApiError
from warning.web.routing import SessionRouter
from warning.web.security import PrincipalDep

router = SessionRouter(prefix="/api/signals", tags=["signals"])


class CaseMemberOut(BaseModel):
    signal_id: int
    title: str
    channel: str
    department: str | None
    received_at: datetime
    similarity: float | None = Field(
        description="estimated Jaccard similarity to the first report; null for a caller "
                    "who may not read the reports' text")
    first: bool = Field(description="the first report of the case")


class CaseOut(BaseModel):
    case_signal_id: int = Field(description="the first report (lowest id) of the case")
    size: int = Field(description="reports in the case that the caller may see")
    repeats: int = Field(description="size - 1: how many times it was reported again")
    signal_ids: list[int]
    members: list[CaseMemberOut]


class CaseSummaryOut(BaseModel):
    case_signal_id: int
    title: str
    channel: str
    department: str | None
    first_received_at: datetime
    latest_received_at: datetime
    size: int
    repeats: int


class CasePage(BaseModel):
    total: int
    items: list[CaseSummaryOut]


@router.get("/cases", response_model=CasePage)
def list_cases(
    session: SessionDep, principal: PrincipalDep, channel: str | None = None,
    department: str | None = None, limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> CasePage:
    """List the cases with repeats that the caller may see, latest report first."""
    stmt = cases_query(principal, CaseFilters(channel or "", department or ""))
    total = count_of(session, stmt)
    items = [
        CaseSummaryOut(case_signal_id=s.id, title=s.title, channel=c.code,
                       department=d.code if d else None, first_received_at=s.received_at,
                       latest_received_at=latest, size=size, repeats=size - 1)
        for s, c, d, size, latest in session.execute(stmt.limit(limit).offset(offset))
    ]
    return CasePage(total=total, items=items)


@router.get("/{signal_id}/case", response_model=CaseOut)
def get_case(signal_id: IdPath, session: SessionDep, principal: PrincipalDep) -> CaseOut:
    """Return the case a signal belongs to: the first report and every repeat."""
    if not signal_exists(session, principal, signal_id):
        raise ApiError(404, "not_found", f"信号 {signal_id} 不存在",
                       f"signal {signal_id} not found")
    case = case_of(session, principal, signal_id)
    if case is None:
        raise ApiError(404, "not_linked",
                       f"信号 {signal_id} 未参与重复信访比对（仅保密渠道的信号参与）",
                       f"signal {signal_id} is not linked to a case")
    return CaseOut(
        case_signal_id=case.case_signal_id, size=case.size, repeats=case.repeats,
        signal_ids=case.member_ids,
        members=[CaseMemberOut(**m.__dict__) for m in case.members],
    )
