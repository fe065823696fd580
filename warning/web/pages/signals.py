"""信号: the list with filters and paging, and one signal with the warnings it raised."""

from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.scoping import REDACTED_TEXT, reads_confidential_text, visible_signals
from warning.db.models import (
    Channel,
    Department,
    HandlingRecord,
    RiskPoint,
    RiskWarning,
    RuleHit,
    Signal,
    WarningSignal,
)
from warning.services.list_filters import SignalFilters
from warning.web.deps import MAX_ID, SessionDep
from warning.web.pages.petition_panel import petition_context
from warning.web.pages.render import (
    SIGNAL_STATUS,
    PageNotFound,
    PagePrincipal,
    Pager,
    clean,
    page_number,
    paginate,
    render,
    scoped,
)

S = TypeVar("S", bound=Select[Any])

router = APIRouter()


def list_signals(
    session: Session, principal: Principal | None, filters: SignalFilters, page: int
) -> tuple[list[Any], Pager]:
    """Return one page of signals, newest first, with how many warnings each is on."""
    warnings = (
        select(func.count(WarningSignal.id))
        .where(WarningSignal.signal_id == Signal.id)
        .correlate(Signal)
        .scalar_subquery()
    )
    stmt = (
        select(Signal, Channel, Department, warnings.label("warnings"))
        .join(Channel, Channel.id == Signal.channel_id)
        .outerjoin(Department, Department.id == Signal.department_id)
    )
    stmt = filters.apply(stmt)
    stmt = signals_scope(stmt, principal).order_by(Signal.id.desc())
    return paginate(session, stmt, page)


@dataclass
class SignalView:
    """One signal with everything its page shows."""

    signal: Signal
    channel: Channel
    department: Department | None
    warnings: list[Any]
    hits: list[RuleHit]
    redacted: bool
    """Whether the text is kept from the caller: a confidential channel's is for the office."""

    @property
    def text(self) -> str:
        return REDACTED_TEXT if self.redacted else self.signal.text


def signals_scope(stmt: S, principal: Principal | None) -> S:
    """Limit signals to the caller's departments; confidential channels only to the office."""
    return stmt if principal is None else visible_signals(stmt, principal)


def signal_view(session: Session, principal: Principal | None, signal_id: int) -> SignalView:
    """Return a signal `principal` may see with its warnings and rule hits, or raise 404."""
    if signal_id > MAX_ID:
        raise PageNotFound(f"信号 {signal_id}")
    stmt = (
        select(Signal, Channel, Department)
        .join(Channel, Channel.id == Signal.channel_id)
        .outerjoin(Department, Department.id == Signal.department_id)
        .where(Signal.id == signal_id)
    )
    row = session.execute(signals_scope(stmt, principal)).first()
    if row is None:
        raise PageNotFound(f"信号 {signal_id}")
    signal, channel, department = row
    warnings = session.execute(
        scoped(
            select(RiskWarning, RiskPoint, HandlingRecord, Department, WarningSignal)
            .join(WarningSignal, WarningSignal.warning_id == RiskWarning.id)
            .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
            .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
            .outerjoin(Department, Department.id == RiskWarning.department_id)
            .where(WarningSignal.signal_id == signal_id),
            principal, RiskWarning.department_id,
        ).order_by(WarningSignal.id)
    ).all()
    hits = session.scalars(
        select(RuleHit).where(RuleHit.signal_id == signal_id).order_by(RuleHit.id)
    )
    redacted = channel.confidential and not reads_confidential_text(principal)
    return SignalView(signal, channel, department, list(warnings), list(hits), redacted)


def filter_options(session: Session, principal: Principal | None) -> dict[str, Any]:
    """Return the channels and departments the filters and the form offer."""
    return {
        "channels": list(session.scalars(select(Channel).order_by(Channel.code))),
        "departments": list(session.scalars(
            scoped(select(Department), principal, Department.id).order_by(Department.code)
        )),
    }


@router.get("/signals", response_class=HTMLResponse)
def signals_page(
    request: Request, session: SessionDep, principal: PagePrincipal,
    channel: str | None = None, department: str | None = None, status: str | None = None,
    q: str | None = None, page: str | None = None,
) -> HTMLResponse:
    """List signals with filters."""
    filters = SignalFilters(clean(channel), clean(department), clean(status), clean(q))
    rows, pager = list_signals(session, principal, filters, page_number(page))
    return render(request, "signals/list.html", {
        "nav": "signals", "rows": rows, "pager": pager, "f": filters,
        "statuses": SIGNAL_STATUS, **filter_options(session, principal),
    })


@router.get("/signals/{signal_id:int}", response_class=HTMLResponse)
def signal_page(
    signal_id: int, request: Request, session: SessionDep, principal: PagePrincipal,
    result: str | None = None,
) -> HTMLResponse:
    """Show one signal, the warnings it raised and, for petitions, its case."""
    return detail_page(request, session, principal, signal_id, result=clean(result))


def detail_page(
    request: Request, session: Session, principal: Principal, signal_id: int, *,
    result: str = "", status_code: int = 200, **petition: Any,
) -> HTMLResponse:
    """Render a signal's page; `petition` carries a reveal's outcome to the reporter panel."""
    view = signal_view(session, principal, signal_id)
    extra = petition_context(request, session, principal, signal_id=signal_id,
                             confidential=view.channel.confidential,
                             department_id=view.signal.department_id, **petition)
    return render(request, "signals/detail.html", {
        "nav": "signals", "v": view, "result": result, **extra,
    }, status_code=status_code)
