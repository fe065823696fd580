"""Signals as a principal may read them: the list (and its export), one signal, its warnings."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import (
    REDACTED_TEXT,
    reads_confidential_text,
    visible_signals,
    visible_warnings,
)
from warning.db.models import (
    Channel,
    Department,
    HandlingRecord,
    RiskPoint,
    RiskWarning,
    RuleHit,
    Signal,
    SignalLink,
    WarningSignal,
)
from warning.services.list_filters import SignalFilters


def signals_query(principal: Principal | None, filters: SignalFilters) -> Select[tuple[
    Signal, Channel, Department | None, int, int | None, int | None
]]:
    """Return the signals `principal` may see that match the filters, newest first."""
    warnings = visible_warnings(
        select(func.count(WarningSignal.id))
        .join(RiskWarning, RiskWarning.id == WarningSignal.warning_id)
        .where(WarningSignal.signal_id == Signal.id), principal,
    ).correlate(Signal).scalar_subquery()
    sizes = (
        select(SignalLink.case_signal_id.label("case_id"), func.count().label("size"))
        .group_by(SignalLink.case_signal_id).subquery()
    )
    stmt = (
        select(Signal, Channel, Department, warnings.label("warnings"),
               SignalLink.case_signal_id, sizes.c.size)
        .join(Channel, Channel.id == Signal.channel_id)
        .outerjoin(Department, Department.id == Signal.department_id)
        .outerjoin(SignalLink, SignalLink.signal_id == Signal.id)
        .outerjoin(sizes, sizes.c.case_id == SignalLink.case_signal_id)
    )
    stmt = visible_signals(stmt, principal)
    stmt = filters.apply(stmt)
    return stmt.order_by(Signal.id.desc())


def signals_counted(principal: Principal | None, filters: SignalFilters) -> Select[Any]:
    """Return as many rows as `signals_query` yields, without its joins (for the pager)."""
    return filters.apply(visible_signals(select(Signal.id), principal))


def signal_exists(session: Session, principal: Principal | None, signal_id: int) -> bool:
    """Return whether a signal exists that `principal` may see."""
    stmt = visible_signals(select(Signal.id).where(Signal.id == signal_id), principal)
    return session.scalar(stmt) is not None


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


def find_signal(session: Session, principal: Principal | None, signal_id: int) -> SignalView | None:
    """Return a signal `principal` may see with its warnings and rule hits, or None."""
    stmt = (
        select(Signal, Channel, Department)
        .join(Channel, Channel.id == Signal.channel_id)
        .outerjoin(Department, Department.id == Signal.department_id)
        .where(Signal.id == signal_id)
    )
    row = session.execute(visible_signals(stmt, principal)).first()
    if row is None:
        return None
    signal, channel, department = row
    warnings = session.execute(visible_warnings(
        select(RiskWarning, RiskPoint, HandlingRecord, Department, WarningSignal)
        .join(WarningSignal, WarningSignal.warning_id == RiskWarning.id)
        .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .outerjoin(Department, Department.id == RiskWarning.department_id)
        .where(WarningSignal.signal_id == signal_id), principal,
    ).order_by(WarningSignal.id)).all()
    hits = session.scalars(
        select(RuleHit).where(RuleHit.signal_id == signal_id).order_by(RuleHit.id)
    )
    redacted = channel.confidential and not reads_confidential_text(principal)
    return SignalView(signal, channel, department, list(warnings), list(hits), redacted)


def signals_since(principal: Principal | None, since: datetime) -> Select[Any]:
    """Return the signals `principal` may see received since `since`."""
    return visible_signals(select(Signal).where(Signal.received_at >= since), principal)


def recent_signals(session: Session, principal: Principal | None, limit: int = 10) -> list[Any]:
    """Return the newest signals `principal` may see, with channel and department names."""
    stmt = visible_signals(
        select(Signal, Channel.name, Department.name)
        .join(Channel, Channel.id == Signal.channel_id)
        .outerjoin(Department, Department.id == Signal.department_id), principal,
    )
    return list(session.execute(stmt.order_by(Signal.id.desc()).limit(limit)).all())


def signal_counts_by_department(
    session: Session, principal: Principal | None, since: datetime
) -> dict[int, int]:
    """Return how many signals `principal` may see each department received since `since`."""
    # `+ 0`: grouped by the bare column, SQLite walked the whole (department_id, id) index to
    # skip a sort instead of the month's range of received_at (590 ms, not 15, at 100k).
    department = (Signal.department_id + 0).label("department")
    stmt = visible_signals(
        select(department, func.count()).where(Signal.received_at >= since)
        .group_by(department), principal,
    )
    return {d: count for d, count in session.execute(stmt) if d is not None}


