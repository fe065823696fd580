"""How long records took in a quarter: issue to receipt, issue to closure, and returns.

Times run from the record's issue (下达: a proposal is issued after its 研判, later than
it was raised) in calendar hours. A record counts for
receipt in the quarter it was first signed for, and for closure in the quarter it was
closed (办结), so a record that crosses quarters counts where each step happened.
Percentiles use the nearest-rank method: the 90th percentile of ten values is the ninth.
"""

import math
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from warning.auth.principal import Principal
from warning.db.models import HandlingEvent, HandlingRecord
from warning.domain.lifecycle import Action, State
from warning.review.model import Timings
from warning.review.period import Period, scoped_records


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


def _duration(start: Any, end: Any, dialect: str) -> Any:
    """SQL for end - start that orders exactly as the Python timedelta does: an interval on
    PostgreSQL; whole microseconds from SQLite's stored text ('YYYY-MM-DD HH:MM:SS.ffffff')."""
    if dialect == "postgresql":
        return end - start

    def micros(column: Any) -> Any:
        return (cast(func.strftime("%s", column), Integer) * 1_000_000
                + cast(func.substr(column, 21, 6), Integer))

    return micros(end) - micros(start)


def _ranked(session: Session, pairs: Select[Any], dialect: str) -> tuple[int, dict[int, float]]:
    """Return how many (issued, done) pairs `pairs` selects and, by rank in time taken, the
    hours of the few ranks the median and the 90th percentile read.

    The database ranks the pairs and returns four of them, where fetching every pair (63,000
    receipts and as many closures a quarter at a million records) and sorting in Python
    cost a second. Ranks: the median's (n+1)//2 and n//2+1; nearest_rank's ceil(0.9 n),
    which in floating point is (9n+9)//10 or one more (0.9 is stored a little above 0.9),
    so both are fetched and `nearest_rank`'s own formula picks."""
    issued, done = pairs.selected_columns
    ranked = pairs.add_columns(
        func.row_number().over(order_by=_duration(issued, done, dialect)).label("rank"),
        func.count().over().label("n"),
    ).subquery()
    rank, n = ranked.c.rank, ranked.c.n
    wanted = or_(rank == (n + 1) // 2, rank == n // 2 + 1, rank == (9 * n + 9) // 10,
                 rank == (9 * n + 9) // 10 + 1)
    rows = session.execute(select(*ranked.c).where(wanted)).all()
    return (int(rows[0].n) if rows else 0,
            {int(row.rank): _hours(row[0], row[1]) for row in rows})


def _median(n: int, hours: dict[int, float]) -> float | None:
    """`statistics.median` of n sorted values, from the middle ranks (1-based)."""
    if not n:
        return None
    if n % 2:
        return hours[(n + 1) // 2]
    return (hours[n // 2] + hours[n // 2 + 1]) / 2


def _p90(n: int, hours: dict[int, float]) -> float | None:
    """`nearest_rank(values, 0.9)` from the ranks fetched."""
    return hours[max(1, math.ceil(0.9 * n))] if n else None


def _first_receipts(principal: Principal | None, period: Period) -> Any:
    """Select (issued at, first signed for at) of records first signed for in the quarter:
    the record keeps its first receipt (0009e), read by index (received_at, warning_id)."""
    r = HandlingRecord
    return scoped_records(select(r.issued_at, r.received_at).where(period.holds(r.received_at)),
                          principal, r.warning_id, issued=True)


def _closures(principal: Principal | None, period: Period) -> Any:
    """Select (issued at, closed at) of records closed (办结) in the quarter."""
    r = HandlingRecord
    return scoped_records(
        select(r.issued_at, r.closed_at)
        .where(r.state == State.CLOSED.value, period.holds(r.closed_at)),
        principal, r.warning_id, issued=True)


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
                                             through_record=True, issued=True)) or 0)


def timings(session: Session, *, principal: Principal | None, period: Period) -> Timings:
    """Return the quarter's receipt and closure times and its return rate."""
    dialect = session.get_bind().dialect.name
    received, receipts = _ranked(session, _first_receipts(principal, period), dialect)
    closed, closures = _ranked(session, _closures(principal, period), dialect)
    reported = _records_with(session, Action.REPORT, principal, period)
    returned = _records_with(session, Action.RETURN, principal, period, also=Action.REPORT)
    return Timings(
        received=received,
        receipt_median_hours=_rounded(_median(received, receipts)),
        receipt_p90_hours=_rounded(_p90(received, receipts)),
        closed=closed,
        closure_median_hours=_rounded(_median(closed, closures)),
        closure_p90_hours=_rounded(_p90(closed, closures)),
        reported=reported, returned=returned,
        return_rate=round(returned / reported, 3) if reported else None,
    )
