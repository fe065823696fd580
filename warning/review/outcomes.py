"""How the handling records fared in the quarter: closed on time or late, overdue, returned.

Each record the quarter touched is read with the step facts it keeps (first receipt, last
report, first escalation), and whether it was returned or escalated in the quarter. The
rules of `warning.domain.review` (on time or late, overdue or not) are written a second time
as SQL conditions (`outcome_flags`), so a quarter's counts are one GROUP BY department in the
database rather than a Python loop over every record: with a million records the loop cost
seconds. `outcome_of` keeps the Python reading, and a test checks that both agree on every
record. A record may count in several columns: escalated, then returned, then closed late.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select, union
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


def _in_quarter(action: Action, period: Period) -> Any:
    """Select the ids of records with an `action` event in the quarter (an index range)."""
    ev = HandlingEvent
    return select(ev.record_id).where(ev.action == action.value, period.holds(ev.created_at))


def _stepped(period: Period) -> list[Any]:
    """Select the ids of records closed or withdrawn, and those returned or escalated, in the
    quarter: the records whose events decide how they count."""
    r, ev = HandlingRecord, HandlingEvent
    return [
        select(r.id.label("id")).where(r.closed_at.is_not(None), period.holds(r.closed_at)),
        select(ev.record_id).where(
            ev.action.in_([Action.RETURN.value, Action.ESCALATE.value]),
            period.holds(ev.created_at)),
    ]


def _issued_before_end(period: Period) -> ColumnElement[bool]:
    """The condition that a record was issued (下达) before the quarter's end: a proposal
    waits on the office, not its department, until issued."""
    return HandlingRecord.issued_at < period.end


def touched_ids(period: Period, *, issued: bool = False) -> Any:
    """Select the ids of records closed, withdrawn, returned or escalated in the quarter, or
    issued by its end and still waiting on their department (with `issued`: also those
    issued in the quarter). Unscoped: the caller joins the warning and scopes.

    A UNION of one index range per reason: an OR of the reasons made the database read every
    record and every warning (1,000,000 of each in the bench) to keep a tenth of them.
    """
    r = HandlingRecord
    parts = [*_stepped(period),
             select(r.id).where(r.state.in_(WAITING), _issued_before_end(period))]
    if issued:
        parts.append(select(r.id).where(period.holds(r.issued_at)))
    return union(*parts)


def touched(period: Period, *, issued: bool = False) -> ColumnElement[bool]:
    """The condition that a record is one `touched_ids` selects, as one OR over the record.

    For a statement that reads the touched records once with their warnings (`tally`): on
    PostgreSQL at a million records one scan of the records with this OR took 1.2 s where
    the UNION of index ranges joined back to the records took 3.1 s (load 6, session 7).
    """
    r, ev = HandlingRecord, HandlingEvent
    reasons = [
        period.holds(r.closed_at),
        r.id.in_(select(ev.record_id).where(
            ev.action.in_([Action.RETURN.value, Action.ESCALATE.value]),
            period.holds(ev.created_at))),
        and_(r.state.in_(WAITING), _issued_before_end(period)),
    ]
    if issued:
        reasons.append(period.holds(r.issued_at))
    return or_(*reasons)


def _after(moment: Any, due: Any) -> ColumnElement[bool]:
    """SQL for `warning.domain.review._after`: both known and the moment past the due time."""
    return and_(moment.is_not(None), due.is_not(None), moment > due)


def _late_now(period: Period) -> ColumnElement[bool]:
    """SQL for `is_overdue`: still waiting on the department, past what it waits on."""
    r = HandlingRecord
    waiting_due = case((r.state == State.ISSUED.value, r.receive_due_at),
                       else_=r.report_due_at)
    return and_(r.state.in_(WAITING), waiting_due.is_not(None), waiting_due < period.cutoff)


def outcome_flags(period: Period) -> dict[str, ColumnElement[bool]]:
    """Return, per Outcome field, the SQL condition that a record counts in it."""
    r = HandlingRecord
    closed_now = and_(r.closed_at.is_not(None), period.holds(r.closed_at))
    closed = and_(closed_now, r.state == State.CLOSED.value)
    late = or_(r.escalated_at.is_not(None), _after(r.received_at, r.receive_due_at),
               _after(func.coalesce(r.reported_at, r.closed_at), r.report_due_at))
    return {
        "closed": closed,
        "closed_on_time": and_(closed, not_(late)),
        "closed_late": and_(closed, late),
        "overdue": or_(r.id.in_(_in_quarter(Action.ESCALATE, period)), _late_now(period)),
        "returned": r.id.in_(_in_quarter(Action.RETURN, period)),
        "withdrawn": and_(closed_now, r.state == State.WITHDRAWN.value),
    }


def _classified(principal: Principal | None, period: Period) -> Any:
    """Select from each record the quarter touched, with its warning (scoped).

    The record's own step facts (first receipt, last report, first escalation: 0009e) decide
    on time or late; only "returned" and "escalated in the quarter" read events, as index
    ranges. At a million records, aggregating the touched records' events was most of the
    figures' time."""
    return (
        select()
        .select_from(HandlingRecord)
        .join(RiskWarning, RiskWarning.id == HandlingRecord.warning_id)
        .where(HandlingRecord.id.in_(touched_ids(period)), warning_scope(principal))
    )


def records_counting_in(
    session: Session, *, principal: Principal | None, period: Period, outcome: str,
    department: ColumnElement[bool] | None = None,
) -> list[int]:
    """Return the ids of the records that count in one Outcome field, ordered by id."""
    condition = outcome_flags(period)[outcome]
    stmt = _classified(principal, period).add_columns(HandlingRecord.id).where(condition)
    if department is not None:
        stmt = stmt.where(department)
    return list(session.scalars(stmt.order_by(HandlingRecord.id)))


def record_outcomes(
    session: Session, *, principal: Principal | None, period: Period,
) -> list[tuple[int, int | None, Outcome]]:
    """Return (record id, department id, outcome) for each record the quarter touched, each
    classified in Python by `outcome_of` (the reference the SQL conditions are checked on)."""
    escalated = set(session.scalars(_in_quarter(Action.ESCALATE, period)))
    returned = set(session.scalars(_in_quarter(Action.RETURN, period)))
    stmt = _classified(principal, period).add_columns(
        HandlingRecord.id, RiskWarning.department_id, HandlingRecord.state,
        HandlingRecord.receive_due_at, HandlingRecord.report_due_at,
        HandlingRecord.closed_at, HandlingRecord.received_at, HandlingRecord.reported_at,
        HandlingRecord.escalated_at,
    )
    return [(row.id, row.department_id,
             outcome_of(row, period, escalated_now=row.id in escalated,
                        returned=row.id in returned))
            for row in session.execute(stmt)]


def outcome_of(row: Any, period: Period, *, escalated_now: bool, returned: bool) -> Outcome:
    """Classify one record's row for the quarter, given whether it was escalated and returned
    in it."""
    outcome = Outcome(returned=1 if returned else 0)
    closed_now = row.closed_at is not None and _within(row.closed_at, period)
    if closed_now and row.state == State.CLOSED.value:
        outcome.closed = 1
        times = RecordTimes(row.receive_due_at, row.report_due_at, row.received_at,
                            row.reported_at, row.closed_at,
                            escalated=row.escalated_at is not None)
        if closed_on_time(times):
            outcome.closed_on_time = 1
        else:
            outcome.closed_late = 1
    elif closed_now and row.state == State.WITHDRAWN.value:
        outcome.withdrawn = 1
    late_now = is_overdue(row.state, row.receive_due_at, row.report_due_at, period.cutoff)
    if escalated_now or late_now:
        outcome.overdue = 1
    return outcome


def _within(moment: datetime, period: Period) -> bool:
    return period.start <= moment < period.end
