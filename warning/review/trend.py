"""The last eight quarters' headline counts, and this quarter against earlier ones.

Each figure is one grouped query over the eight quarters: a CASE gives each row the index
of the quarter it falls in, so the cost does not grow with the number of quarters.
"""

from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import visible_signals
from warning.db.models import HandlingEvent, HandlingRecord, RiskWarning, Signal
from warning.domain.calendar import SHANGHAI
from warning.domain.lifecycle import Action, State
from warning.domain.quarter import Quarter, recent_quarters
from warning.review.model import Change, TrendPoint
from warning.review.period import Period, warning_scope

TREND_QUARTERS = 8
CHANGE_LABELS = {"signals": "信号数", "warnings": "新下达预警数", "closed": "办结",
                 "returned": "退回整改"}


def _quarter_index(column: Any, quarters: list[Quarter], tz: Any) -> Any:
    """Return a CASE giving the index in `quarters` of the quarter a UTC time falls in."""
    return case(*[
        (and_(column >= q.starts_at(tz), column < q.ends_at(tz)), index)
        for index, q in enumerate(quarters)
    ], else_=None)


def _counts(session: Session, stmt: Any) -> dict[int, int]:
    return {index: count for index, count in session.execute(stmt) if index is not None}


def trend(
    session: Session, *, principal: Principal | None, period: Period, tz: Any = SHANGHAI,
    count: int = TREND_QUARTERS,
) -> list[TrendPoint]:
    """Return the `count` quarters up to the period's, oldest first, with their headline counts."""
    quarters = list(reversed(recent_quarters(period.quarter, count)))
    first, end = quarters[0].starts_at(tz), period.end

    def span(column: Any) -> Any:
        return and_(column >= first, column < end)

    at = _quarter_index(Signal.received_at, quarters, tz)
    signals_stmt = select(at, func.count()).where(span(Signal.received_at)).group_by(at)
    if principal is not None:
        signals_stmt = visible_signals(signals_stmt, principal)
    signals = _counts(session, signals_stmt)

    at = _quarter_index(RiskWarning.created_at, quarters, tz)
    warnings = _counts(session, select(at, func.count()).where(
        span(RiskWarning.created_at), warning_scope(principal),
    ).group_by(at))

    at = _quarter_index(HandlingRecord.closed_at, quarters, tz)
    closed = _counts(session, select(at, func.count())
                     .join(RiskWarning, RiskWarning.id == HandlingRecord.warning_id)
                     .where(span(HandlingRecord.closed_at),
                            HandlingRecord.state == State.CLOSED.value,
                            warning_scope(principal))
                     .group_by(at))

    at = _quarter_index(HandlingEvent.created_at, quarters, tz)
    returned = _counts(session, select(at, func.count(HandlingEvent.record_id.distinct()))
                       .join(HandlingRecord, HandlingRecord.id == HandlingEvent.record_id)
                       .join(RiskWarning, RiskWarning.id == HandlingRecord.warning_id)
                       .where(span(HandlingEvent.created_at),
                              HandlingEvent.action == Action.RETURN.value,
                              warning_scope(principal))
                       .group_by(at))
    return [
        TrendPoint(quarter=str(q), label=q.label, signals=signals.get(i, 0),
                   warnings=warnings.get(i, 0), closed=closed.get(i, 0),
                   returned=returned.get(i, 0))
        for i, q in enumerate(quarters)
    ]


def changes(points: list[TrendPoint]) -> list[Change]:
    """Compare the last point with the one before and with the one four quarters earlier."""
    now = points[-1]
    before = points[-2] if len(points) >= 2 else None
    year_ago = points[-5] if len(points) >= 5 else None
    return [
        Change(key=key, label=label, now=getattr(now, key),
               previous_quarter=getattr(before, key) if before else 0,
               same_quarter_last_year=getattr(year_ago, key) if year_ago else 0)
        for key, label in CHANGE_LABELS.items()
    ]
