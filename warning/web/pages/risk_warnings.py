"""预警: the list with filters, and one warning with its risk point, signals and events."""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.db.models import (
    Channel,
    Department,
    HandlingEvent,
    HandlingRecord,
    RiskPoint,
    RiskWarning,
    Signal,
    WarningSignal,
)
from warning.domain.enums import Response
from warning.domain.lifecycle import State
from warning.services.list_filters import WarningFilters
from warning.web.api.warnings import _query, _summary
from warning.web.deps import SessionDep
from warning.web.pages.action_forms import action_context
from warning.web.pages.render import (
    PageNotFound,
    PagePrincipal,
    Pager,
    clean,
    page_number,
    paginate,
    render,
    scoped,
)

router = APIRouter()


def list_warnings(
    session: Session, principal: Principal | None, filters: WarningFilters, page: int
) -> tuple[list[dict[str, Any]], Pager]:
    """Return one page of warnings `principal` may see, newest first."""
    stmt = _query().add_columns(Department.name)
    stmt = filters.apply(stmt)
    stmt = scoped(stmt, principal, RiskWarning.department_id).order_by(RiskWarning.id.desc())
    rows, pager = paginate(session, stmt, page)
    items = [
        _summary(w, p, d, r) | {"department_name": name, "overdue_level": r.overdue_level}
        for w, p, d, r, name in rows
    ]
    return items, pager


@dataclass
class WarningView:
    """One warning with everything its page shows."""

    summary: dict[str, Any]
    warning: RiskWarning
    point: RiskPoint
    department: Department | None
    record: HandlingRecord
    signals: list[Any]
    events: list[HandlingEvent]


def warning_view(session: Session, principal: Principal | None, warning_id: int) -> WarningView:
    """Return a warning `principal` may see with its timeline and events, or raise 404."""
    stmt = scoped(_query().where(RiskWarning.id == warning_id), principal,
                  RiskWarning.department_id)
    row = session.execute(stmt).first()
    if row is None:
        raise PageNotFound(f"预警 {warning_id}")
    warning, point, department, record = row
    signals = session.execute(
        select(WarningSignal, Signal, Channel)
        .join(Signal, Signal.id == WarningSignal.signal_id)
        .join(Channel, Channel.id == Signal.channel_id)
        .where(WarningSignal.warning_id == warning_id)
        .order_by(WarningSignal.id)
    ).all()
    events = session.scalars(
        select(HandlingEvent).where(HandlingEvent.record_id == record.id)
        .order_by(HandlingEvent.seq)
    )
    return WarningView(_summary(warning, point, department, record), warning, point,
                       department, record, list(signals), list(events))


@router.get("/warnings", response_class=HTMLResponse)
def warnings_page(
    request: Request, session: SessionDep, principal: PagePrincipal,
    department: str | None = None, state: str | None = None, response: str | None = None,
    risk_point: str | None = None, page: str | None = None,
) -> HTMLResponse:
    """List warnings with filters."""
    filters = WarningFilters(clean(department), clean(state), clean(response), clean(risk_point))
    items, pager = list_warnings(session, principal, filters, page_number(page))
    departments = scoped(select(Department), principal, Department.id).order_by(Department.code)
    return render(request, "warnings/list.html", {
        "nav": "warnings", "items": items, "pager": pager, "f": filters,
        "departments": list(session.scalars(departments)),
        "points": list(session.execute(select(RiskPoint.code, RiskPoint.name)
                                       .order_by(RiskPoint.code)).all()),
        "states": list(State), "responses": list(Response),
    })


@router.get("/warnings/{warning_id}", response_class=HTMLResponse)
def warning_page(
    warning_id: str, request: Request, session: SessionDep, principal: PagePrincipal
) -> HTMLResponse:
    """Show one warning: risk point and measures, signals timeline, handling events."""
    if not warning_id.isdigit():
        raise PageNotFound(f"预警 {warning_id}")
    view = warning_view(session, principal, int(warning_id))
    context = action_context(principal, view.record, done=request.query_params.get("done"))
    return render(request, "warnings/detail.html", {"nav": "warnings", "v": view, **context})
