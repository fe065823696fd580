"""How long records took in a quarter: issue to receipt, issue to closure, and returns.

Times run from the record's issue (下达: a proposal is issued after its 研判, later than
it was raised) in calendar hours. A record counts for
receipt in the quarter it was first signed for, and for closure in the quarter it was
closed (办结), so a record that crosses quarters counts where each step happened.
Percentiles use the nearest-rank method: the 90th percentile of ten values is the ninth.
"""

import math
import statistics
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from warning.auth.principal import Principal
from warning.db.models import HandlingEvent, HandlingRecord, RiskWarning
from warning.domain.lifecycle import Action, State
from warning.review.model import Timings
from warning.review.period import Period, scoped_records, warning_scope


def nearest_rank(values: list[float], share: float) -> float | None:
    """Return the nearest-rank percentile `share` (0–1] of `values`, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _first_receipts(principal: Principal | None, period: Period) -> Any:
    """Select (issued at, first signed for at) of records first signed for in the quarter:
    the record keeps its first receipt (0009e), read by index (received_at, warning_id)."""
    r = HandlingRecord
    return (
        select(r.issued_at, r.received_at)
        .join(RiskWarning, RiskWarning.id == r.warning_id)
        .where(period.holds(r.received_at), warning_scope(principal))
    )


def _records_with(session: Session, action: Action, principal: Principal | None,
                  period: Period, *, also: Action | None = None) -> int:
    """Count the records with an `action` event in the quarter (and, with `also`, an `also`
    event in it too), counted in the database rather than fetched as ids."""
    ev, other = HandlingEvent, aliased(HandlingEvent)
    stmt = select(func.count(ev.record_id.distinct())).where(
        ev.action == action.value, period.holds(ev.created_at))
    if also is not None:
        stmt = stmt.where(ev.record_id.in_(select(other.record_id).where(
            other.action == also.value, period.holds(other.created_at))))
    return int(session.scalar(scoped_records(stmt, principal, ev.record_id,
                                             through_record=True)) or 0)


def timings(session: Session, *, principal: Principal | None, period: Period) -> Timings:
    """Return the quarter's receipt and closure times and its return rate."""
    receipts = [_hours(issued, received) for issued, received in
                session.execute(_first_receipts(principal, period))]
    closures = [
        _hours(issued, closed) for issued, closed in session.execute(
            select(HandlingRecord.issued_at, HandlingRecord.closed_at)
            .join(RiskWarning, RiskWarning.id == HandlingRecord.warning_id)
            .where(HandlingRecord.state == State.CLOSED.value,
                   period.holds(HandlingRecord.closed_at),
                   warning_scope(principal))
        )
    ]
    reported = _records_with(session, Action.REPORT, principal, period)
    returned = _records_with(session, Action.RETURN, principal, period, also=Action.REPORT)
    return Timings(
        received=len(receipts),
        receipt_median_hours=_rounded(statistics.median(receipts) if receipts else None),
        receipt_p90_hours=_rounded(nearest_rank(receipts, 0.9)),
        closed=len(closures),
        closure_median_hours=_rounded(statistics.median(closures) if closures else None),
        closure_p90_hours=_rounded(nearest_rank(closures, 0.9)),
        reported=reported, returned=returned,
        return_rate=round(returned / reported, 3) if reported else None,
    )
