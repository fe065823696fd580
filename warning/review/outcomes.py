"""How the handling records fared in the quarter: closed on time or late, overdue, returned.

Each record the quarter touched is read with its step times aggregated from its events
(GROUP BY record). The rules of `warning.domain.review` (on time or late, overdue or not)
are written a second time as SQL conditions (`outcome_flags`), so a quarter's counts are one
GROUP BY department in the database rather than a Python loop over every record: with a
million records the loop cost seconds. `outcome_of` keeps the Python reading, and a test
checks that both agree on every record. A record may count in several columns: escalated,
then returned, then closed late.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.db.models import HandlingEvent, HandlingRecord, RiskWarning
from warning.domain.lifecycle import Action, State
from warning.domain.review import WAITING_ON_DEPARTMENT, RecordTimes, closed_on_time, is_overdue
from warning.review.period import Period, warning_scope

WAITING = [s.value for s in WAITING_ON_DEPARTMENT]


@dataclass
class Outcome:
    """Counts of records by what happened to them in the quarter."""

    closed: int = 0
    closed_on_time: int = 0
    closed_late: int = 0
    overdue: int = 0
    returned: int = 0
    withdrawn: int = 0

    def add(self, other: "Outcome") -> None:
        """Add `other`'s counts to these."""
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _event_times(period: Period, records: Any) -> Any:
    """Per record: first receive, last report, escalations ever and in the quarter, returns."""
    ev = HandlingEvent

    def when(action: Action, *also: Any) -> Any:
        return case((and_(ev.action == action.value, *also), ev.created_at))

    in_quarter = period.holds(ev.created_at)
    return (
        select(
            ev.record_id,
            func.min(when(Action.RECEIVE)).label("received_at"),
            func.max(when(Action.REPORT)).label("reported_at"),
            func.count(when(Action.ESCALATE)).label("escalations"),
            func.count(when(Action.ESCALATE, in_quarter)).label("escalated_now"),
            func.count(when(Action.RETURN, in_quarter)).label("returns"),
        )
        .where(ev.record_id.in_(records))
        .group_by(ev.record_id)
        .subquery()
    )


def _touched(principal: Principal | None, period: Period) -> Any:
    """Select the ids of records closed, withdrawn, returned or escalated in the quarter, or
    raised by its end and still waiting on their department."""
    ev = HandlingEvent
    marked = exists().where(
        ev.record_id == HandlingRecord.id, period.holds(ev.created_at),
        ev.action.in_([Action.RETURN.value, Action.ESCALATE.value]),
    )
    return (
        select(HandlingRecord.id)
        .join(RiskWarning, RiskWarning.id == HandlingRecord.warning_id)
        .where(
            warning_scope(principal),
            or_(
                period.holds(HandlingRecord.closed_at),
                marked,
                and_(HandlingRecord.state.in_(WAITING), RiskWarning.created_at < period.end),
            ),
        )
    )


def _after(moment: Any, due: Any) -> ColumnElement[bool]:
    """SQL for `warning.domain.review._after`: both known and the moment past the due time."""
    return and_(moment.is_not(None), due.is_not(None), moment > due)


def outcome_flags(period: Period, times: Any) -> dict[str, ColumnElement[bool]]:
    """Return, per Outcome field, the SQL condition that a record counts in it."""
    r = HandlingRecord
    closed_now = and_(r.closed_at.is_not(None), period.holds(r.closed_at))
    closed = and_(closed_now, r.state == State.CLOSED.value)
    late = or_(times.c.escalations > 0, _after(times.c.received_at, r.receive_due_at),
               _after(func.coalesce(times.c.reported_at, r.closed_at), r.report_due_at))
    waiting_due = case((r.state == State.ISSUED.value, r.receive_due_at),
                       else_=r.report_due_at)
    late_now = and_(r.state.in_(WAITING), waiting_due.is_not(None),
                    waiting_due < period.cutoff)
    return {
        "closed": closed,
        "closed_on_time": and_(closed, not_(late)),
        "closed_late": and_(closed, late),
        "overdue": or_(times.c.escalated_now > 0, late_now),
        "returned": times.c.returns > 0,
        "withdrawn": and_(closed_now, r.state == State.WITHDRAWN.value),
    }


def _classified(principal: Principal | None, period: Period) -> tuple[Any, Any]:
    times = _event_times(period, _touched(principal, period))
    stmt = (
        select()
        .select_from(HandlingRecord)
        .join(RiskWarning, RiskWarning.id == HandlingRecord.warning_id)
        .join(times, times.c.record_id == HandlingRecord.id)
    )
    return stmt, times


def records_counting_in(
    session: Session, *, principal: Principal | None, period: Period, outcome: str,
    department: ColumnElement[bool] | None = None,
) -> list[int]:
    """Return the ids of the records that count in one Outcome field, ordered by id."""
    stmt, times = _classified(principal, period)
    condition = outcome_flags(period, times)[outcome]
    stmt = stmt.add_columns(HandlingRecord.id).where(condition)
    if department is not None:
        stmt = stmt.where(department)
    return list(session.scalars(stmt.order_by(HandlingRecord.id)))


def record_outcomes(
    session: Session, *, principal: Principal | None, period: Period,
) -> list[tuple[int, int | None, Outcome]]:
    """Return (record id, department id, outcome) for each record the quarter touched, each
    classified in Python by `outcome_of` (the reference the SQL conditions are checked on)."""
    times = _event_times(period, _touched(principal, period))
    stmt = (
        select(
            HandlingRecord.id, RiskWarning.department_id, HandlingRecord.state,
            HandlingRecord.receive_due_at, HandlingRecord.report_due_at,
            HandlingRecord.closed_at, times.c.received_at, times.c.reported_at,
            times.c.escalations, times.c.escalated_now, times.c.returns,
        )
        .join(RiskWarning, RiskWarning.id == HandlingRecord.warning_id)
        .join(times, times.c.record_id == HandlingRecord.id)
    )
    return [(row.id, row.department_id, outcome_of(row, period))
            for row in session.execute(stmt)]


def outcomes_by_department(
    session: Session, *, principal: Principal | None, period: Period
) -> dict[int | None, Outcome]:
    """Return each department's record outcomes in the quarter (None: no department)."""
    stmt, times = _classified(principal, period)
    flags = outcome_flags(period, times)
    names = list(flags)
    stmt = stmt.add_columns(
        RiskWarning.department_id,
        *(func.sum(case((flags[name], 1), else_=0)) for name in names),
    ).group_by(RiskWarning.department_id)
    return {row[0]: Outcome(**{name: int(row[i + 1] or 0) for i, name in enumerate(names)})
            for row in session.execute(stmt)}


def outcome_of(row: Any, period: Period) -> Outcome:
    """Classify one record's row for the quarter."""
    outcome = Outcome(returned=1 if row.returns else 0)
    closed_now = row.closed_at is not None and _within(row.closed_at, period)
    if closed_now and row.state == State.CLOSED.value:
        outcome.closed = 1
        times = RecordTimes(row.receive_due_at, row.report_due_at, row.received_at,
                            row.reported_at, row.closed_at, escalated=row.escalations > 0)
        if closed_on_time(times):
            outcome.closed_on_time = 1
        else:
            outcome.closed_late = 1
    elif closed_now and row.state == State.WITHDRAWN.value:
        outcome.withdrawn = 1
    late_now = is_overdue(row.state, row.receive_due_at, row.report_due_at, period.cutoff)
    if row.escalated_now or late_now:
        outcome.overdue = 1
    return outcome


def _within(moment: datetime, period: Period) -> bool:
    return period.start <= moment < period.end
