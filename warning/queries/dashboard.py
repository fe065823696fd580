"""The dashboard's figures as a principal may see them: every count starts from a finder."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import proposals_only, reads_proposals, visible_warnings
from warning.channels.health import channel_health
from warning.db.models import Channel, HandlingRecord, RiskWarning, Signal
from warning.domain.enums import Response
from warning.domain.lifecycle import ISSUED_OPEN_STATES, State
from warning.queries.catalog import channels
from warning.queries.counting import count_of
from warning.queries.departments import department_options
from warning.queries.signals import recent_signals, signal_counts_by_department, signals_since

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
    proposals: int | None = None  # 待研判, for those who may see proposals; None: hidden
    proposals_overdue: int = 0


def _open_warnings(principal: Principal | None) -> Any:
    stmt = (
        select(RiskWarning.id, RiskWarning.response, RiskWarning.department_id,
               HandlingRecord.state, HandlingRecord.overdue_level)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .where(HandlingRecord.state.in_([s.value for s in ISSUED_OPEN_STATES]))
    )
    return visible_warnings(stmt, principal)


def _proposals(
    session: Session, principal: Principal | None, now: datetime
) -> tuple[int | None, int]:
    """Count the proposals awaiting 研判 and those past their 研判期限 (None: not shown)."""
    if not reads_proposals(principal):
        return None, 0
    dues = list(session.scalars(proposals_only(
        select(HandlingRecord.triage_due_at)
        .join(RiskWarning, RiskWarning.id == HandlingRecord.warning_id)
        .where(HandlingRecord.state == State.PROPOSED.value), principal)))
    return len(dues), sum(1 for due in dues if due is not None and due < now)


def overview(session: Session, principal: Principal | None, *, now: datetime) -> Overview:
    """Gather the dashboard's counts and lists as `principal` may see them."""
    rows = list(session.execute(_open_warnings(principal)).all())
    proposals, proposals_overdue = _proposals(session, principal, now)
    states = {s.value: 0 for s in ISSUED_OPEN_STATES}
    responses = {r.value: 0 for r in Response}
    for _, response, _, state, _ in rows:
        states[state] = states.get(state, 0) + 1
        responses[response] = responses.get(response, 0) + 1
    day_start = now.astimezone(UTC) - timedelta(hours=24)
    health: dict[str, int] = {}
    troubled: list[tuple[Channel, str]] = []
    for channel in channels(session):
        status = channel_health(channel)
        health[status] = health.get(status, 0) + 1
        if status in ("failing", "gone"):
            troubled.append((channel, status))
    return Overview(
        by_state=list(states.items()), by_response=list(responses.items()),
        open_total=len(rows), overdue=sum(1 for row in rows if row[4] > 0),
        signals_today=count_of(session, signals_since(principal, day_start)),
        recent=recent_signals(session, principal), health=health, troubled=troubled,
        departments=_departments(session, principal, rows, now),
        proposals=proposals, proposals_overdue=proposals_overdue,
    )


def _departments(
    session: Session, principal: Principal | None, rows: list[Any], now: datetime
) -> list[DepartmentRow]:
    by_id = {d.id: DepartmentRow(d.code, d.name) for d in department_options(session, principal)}
    for _, _, department_id, _, overdue in rows:
        if department_id in by_id:
            by_id[department_id].open += 1
            by_id[department_id].overdue += 1 if overdue > 0 else 0
    since = now - timedelta(days=RECENT_DAYS)
    for department_id, count in signal_counts_by_department(session, principal, since).items():
        if department_id in by_id:
            by_id[department_id].signals = count
    return sorted(by_id.values(), key=lambda d: (-d.open, -d.signals, d.code))
