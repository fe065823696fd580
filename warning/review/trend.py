"""The last eight quarters' headline counts, and this quarter against earlier ones.

Each figure is one statement of eight scalar counts, one per quarter, each over a range of
an indexed time column (migration 0008d makes the indexes cover what is counted). At a
million records this reads only index entries; the earlier form, one CASE over two years
grouped by quarter, sorted two years of rows per figure and took 4 s of a review's 11 s.
On PostgreSQL the scoped figures (closed, returned) are the exception: there each of the
eight counts hash-joined its rows to all the warnings, so they are one grouped statement
(6.3 s -> 1.4 s of the trend at 1M, session 6).
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import visible_signals
from warning.db.models import HandlingEvent, HandlingRecord, Signal
from warning.domain.calendar import SHANGHAI
from warning.domain.lifecycle import Action, State
from warning.domain.quarter import Quarter, recent_quarters
from warning.review.model import Change, TrendPoint
from warning.review.period import Period, scoped_records

TREND_QUARTERS = 8
CHANGE_LABELS = {"signals": "信号数", "warnings": "新下达预警数", "closed": "办结",
                 "returned": "退回整改"}
Span = tuple[Any, Any]


def _per_quarter(session: Session, spans: list[Span], count: Callable[[Span], Any]) -> list[int]:
    """Return one count per span, all read in one statement."""
    row = session.execute(select(*(count(span).scalar_subquery() for span in spans))).one()
    return [int(value or 0) for value in row]


def _bucketed(session: Session, spans: list[Span], column: Any, count: Any,
              stmt: Callable[[Any], Any]) -> list[int]:
    """Return one count per span from one grouped statement over all the spans: `stmt`
    (given the span condition) counted by which span `column` falls in."""
    bucket = case(*((column < span[1], i) for i, span in enumerate(spans[:-1])),
                  else_=len(spans) - 1).label("bucket")
    rows = session.execute(stmt(_within(column, (spans[0][0], spans[-1][1])))
                           .with_only_columns(bucket, count).group_by(bucket))
    counted = {index: value for index, value in rows}
    return [int(counted.get(i, 0)) for i in range(len(spans))]


def _within(column: Any, span: Span) -> Any:
    return and_(column >= span[0], column < span[1])


def trend(
    session: Session, *, principal: Principal | None, period: Period, tz: Any = SHANGHAI,
    count: int = TREND_QUARTERS,
) -> list[TrendPoint]:
    """Return the `count` quarters up to the period's, oldest first, with their headline counts."""
    quarters: list[Quarter] = list(reversed(recent_quarters(period.quarter, count)))
    spans = [(q.starts_at(tz), q.ends_at(tz)) for q in quarters]

    def signals(span: Span) -> Any:
        return visible_signals(select(func.count()).select_from(Signal)
                               .where(_within(Signal.received_at, span)), principal)

    def warnings(span: Span) -> Any:  # 新下达: by the record's issue time
        return scoped_records(select(func.count()).select_from(HandlingRecord)
                              .where(_within(HandlingRecord.issued_at, span)),
                              principal, HandlingRecord.warning_id, issued=True)

    def closed_when(when: Any) -> Any:
        return scoped_records(
            select(func.count()).select_from(HandlingRecord)
            .where(when, HandlingRecord.state == State.CLOSED.value),
            principal, HandlingRecord.warning_id, issued=True)

    ev = HandlingEvent

    def returned_when(when: Any) -> Any:
        return scoped_records(
            select(func.count(ev.record_id.distinct()))
            .where(ev.action == Action.RETURN.value, when),
            principal, ev.record_id, through_record=True, issued=True)

    def closed(span: Span) -> Any:
        return closed_when(_within(HandlingRecord.closed_at, span))

    def returned(span: Span) -> Any:
        return returned_when(_within(ev.created_at, span))

    # PostgreSQL joined each quarter's rows to a sequential scan of every warning (for the
    # scope), eight times per figure: 3.7 s and 2.8 s at 1M. Bucketed, it scans them once.
    # SQLite is faster with the eight index range counts (session 5: 4 s bucketed).
    bucketed = session.get_bind().dialect.name == "postgresql"
    figures = {name: _per_quarter(session, spans, fn) for name, fn in
               (("signals", signals), ("warnings", warnings))}
    if bucketed:
        figures["closed"] = _bucketed(session, spans, HandlingRecord.closed_at, func.count(),
                                      closed_when)
        figures["returned"] = _bucketed(session, spans, ev.created_at,
                                        func.count(ev.record_id.distinct()), returned_when)
    else:
        figures["closed"] = _per_quarter(session, spans, closed)
        figures["returned"] = _per_quarter(session, spans, returned)
    return [
        TrendPoint(quarter=str(q), label=q.label,
                   **{name: values[i] for name, values in figures.items()})
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
