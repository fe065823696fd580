"""The span a review reads, and the department scope its queries share."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, select

from warning.auth.principal import Principal
from warning.auth.visibility import department_clause, reviewed_warnings
from warning.db.models import HandlingRecord, RiskWarning
from warning.domain.calendar import SHANGHAI
from warning.domain.lifecycle import State
from warning.domain.quarter import Quarter

S = TypeVar("S", bound=Select[Any])


@dataclass(frozen=True)
class Period:
    """A quarter's UTC bounds, the cut-off for "overdue", and the day registers are judged on."""

    quarter: Quarter
    start: datetime
    end: datetime
    previous_start: datetime
    cutoff: datetime
    as_of: date

    @classmethod
    def of(cls, quarter: Quarter, now: datetime, tz: ZoneInfo = SHANGHAI) -> "Period":
        """Return the period of `quarter` as seen at `now`: a running quarter is cut at now."""
        end = quarter.ends_at(tz)
        return cls(
            quarter=quarter, start=quarter.starts_at(tz), end=end,
            previous_start=quarter.previous().starts_at(tz), cutoff=min(now, end),
            as_of=min(now.astimezone(tz).date(), quarter.last_day),
        )

    def holds(self, column: Any) -> ColumnElement[bool]:
        """Return the condition that a UTC time column falls in the quarter."""
        return and_(column >= self.start, column < self.end)


def in_scope(principal: Principal | None, column: Any) -> ColumnElement[bool]:
    """Limit rows to `principal`'s departments; None (the command line) sees everything."""
    return department_clause(principal, column)


def warning_scope(principal: Principal | None) -> ColumnElement[bool]:
    """Limit warnings to `principal`'s departments and to issued ones (no proposals)."""
    return reviewed_warnings(principal)


def not_withdrawn() -> ColumnElement[bool]:
    """The condition that a warning's record was not withdrawn (a warning issued in error is
    no hit): NOT IN the few withdrawn records' warnings, read once by the index on state,
    where joining every warning to its record took 0.7 s on PostgreSQL for two quarters at
    a million records (0.2 s this way; SQLite the same either way)."""
    withdrawn = select(HandlingRecord.warning_id).where(
        HandlingRecord.state == State.WITHDRAWN.value)
    return RiskWarning.id.not_in(withdrawn)


def reads_all(principal: Principal | None) -> bool:
    """Return whether `principal` reads every department (None: the command line)."""
    return principal is None or principal.reads_all


def scoped_records(
    stmt: S, principal: Principal | None, column: Any, *, through_record: bool = False,
    issued: bool = False,
) -> S:
    """Limit `stmt` to rows whose warning (`column`: a warning id, or with `through_record` a
    record id) is one the review counts for `principal` (`warning_scope`).

    With `issued` the caller counts only records past 下达: issued in the span (issued_at),
    or signed for, reported, returned, escalated, closed or withdrawn, none of which the
    lifecycle allows a proposal (待研判) before it is issued. For a reader of every
    department the scope (no proposals) then holds already, and the join is left out: at a
    million records each such join read every warning (bench/RESULTS.md, session 7)."""
    if issued and reads_all(principal):
        return stmt
    if through_record:
        stmt = stmt.join(HandlingRecord, HandlingRecord.id == column)
        column = HandlingRecord.warning_id
    return stmt.join(RiskWarning, RiskWarning.id == column).where(warning_scope(principal))
