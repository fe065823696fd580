"""首页: open warnings by state and response, recent signals, channels, departments."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.db.models import Channel, Department, HandlingRecord, RiskWarning, Signal
from warning.domain.enums import Response
from warning.domain.lifecycle import OPEN_STATES
from warning.web.api.catalog import channel_health
from warning.web.deps import RuntimeDep, SessionDep
from warning.web.pages.render import PagePrincipal, render, scoped

router = APIRouter()
RECENT_DAYS = 30


@dataclass
class DepartmentRow:
    """One department's line on the dashboard."""

    code: str
    name: str
    open: int = 0
    overdue: int = 0
    signals: int = 0


@dataclass
class Overview:
    """What the dashboard shows."""

    by_state: list[tuple[str, int]]
    by_response: list[tuple[str, int]]
    open_total: int
    overdue: int
    signals_today: int
    recent: list[tuple[Signal, str, str | None]]
    health: dict[str, int]
    troubled: list[tuple[Channel, str]]
    departments: list[DepartmentRow] = field(default_factory=list)


def _open_warnings(principal: Principal | None) -> Any:
    stmt = (
        select(RiskWarning.id, RiskWarning.response, RiskWarning.department_id,
               HandlingRecord.state, HandlingRecord.overdue_level)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .where(HandlingRecord.state.in_([s.value for s in OPEN_STATES]))
    )
    return scoped(stmt, principal, RiskWarning.department_id)


def overview(session: Session, principal: Principal | None, *, now: datetime) -> Overview:
    """Gather the dashboard's counts and lists as `principal` may see them."""
    rows = list(session.execute(_open_warnings(principal)).all())
    states = {s.value: 0 for s in OPEN_STATES}
    responses = {r.value: 0 for r in Response}
    for _, response, _, state, _ in rows:
        states[state] = states.get(state, 0) + 1
        responses[response] = responses.get(response, 0) + 1
    signals = scoped(select(Signal), principal, Signal.department_id)
    day_start = now.astimezone(UTC) - timedelta(hours=24)
    signals_today = session.scalar(
        select(func.count()).select_from(
            signals.where(Signal.received_at >= day_start).subquery()
        )
    ) or 0
    recent = list(session.execute(
        scoped(
            select(Signal, Channel.name, Department.name)
            .join(Channel, Channel.id == Signal.channel_id)
            .outerjoin(Department, Department.id == Signal.department_id),
            principal, Signal.department_id,
        ).order_by(Signal.id.desc()).limit(10)
    ).all())
    health: dict[str, int] = {}
    troubled: list[tuple[Channel, str]] = []
    for channel in session.scalars(select(Channel).order_by(Channel.code)):
        status = channel_health(channel)
        health[status] = health.get(status, 0) + 1
        if status in ("failing", "gone"):
            troubled.append((channel, status))
    return Overview(
        by_state=list(states.items()), by_response=list(responses.items()),
        open_total=len(rows), overdue=sum(1 for row in rows if row[4] > 0),
        signals_today=signals_today, recent=recent, health=health, troubled=troubled,
        departments=_departments(session, principal, rows, now),
    )


def _departments(
    session: Session, principal: Principal | None, rows: list[Any], now: datetime
) -> list[DepartmentRow]:
    by_id = {
        d.id: DepartmentRow(d.code, d.name)
        for d in session.scalars(scoped(select(Department), principal, Department.id)
                                 .order_by(Department.code))
    }
    for _, _, department_id, _, overdue in rows:
        if department_id in by_id:
            by_id[department_id].open += 1
            by_id[department_id].overdue += 1 if overdue > 0 else 0
    since = now - timedelta(days=RECENT_DAYS)
    counts = session.execute(
        select(Signal.department_id, func.count())
        .where(Signal.received_at >= since, Signal.department_id.is_not(None))
        .group_by(Signal.department_id)
    ).all()
    for department_id, count in counts:
        if department_id in by_id:
            by_id[department_id].signals = count
    return sorted(by_id.values(), key=lambda d: (-d.open, -d.signals, d.code))


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, session: SessionDep, runtime: RuntimeDep, principal: PagePrincipal
) -> HTMLResponse:
    """Show the dashboard."""
    data = overview(session, principal, now=datetime.now(UTC))
    return render(request, "dashboard/index.html", {
        "nav": "home", "o": data, "rules_in_force": len(runtime.rules.describe()),
        "recent_days": RECENT_DAYS,
    })
