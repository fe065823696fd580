"""The filters of the warning and signal lists, shared by the list pages and the exports.

Each applies to a query that already joins what it filters on: warnings with their handling
record; signals need no join. Codes are matched through id subqueries rather than the joined
rows, so a list's count can run on the bare table (bench/page_bench.py: the signal list's
count over joins took 240 ms at 100k signals on SQLite).
"""

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, or_, select

from warning.db.models import Channel, Department, HandlingRecord, RiskPoint, RiskWarning, Signal
from warning.domain.lifecycle import ISSUED_OPEN_STATES
from warning.services.day_range import day_range

S = TypeVar("S", bound=Select[Any])


def _department_id(code: str) -> Select[tuple[int]]:
    return select(Department.id).where(Department.code == code)


@dataclass(frozen=True)
class WarningFilters:
    """The warning list's filters; `state` may also be "open" (every unfinished issued state) or
    "overdue" (unfinished and escalated past a deadline, the dashboard's 已逾期). `since` and
    `until` are local days (YYYY-MM-DD in `zone`) of 下达时间, which every reader sees; a
    proposal still waiting has none, so a date range leaves it out."""

    department: str = ""
    state: str = ""
    response: str = ""
    risk_point: str = ""
    since: str = ""
    until: str = ""
    zone: str = "Asia/Shanghai"

    def apply(self, stmt: S) -> S:
        """Narrow a warnings query to these filters."""
        if self.department:
            stmt = stmt.where(RiskWarning.department_id.in_(_department_id(self.department)))
        if self.state == "open":
            stmt = stmt.where(HandlingRecord.state.in_([s.value for s in ISSUED_OPEN_STATES]))
        elif self.state == "overdue":  # the dashboard's 已逾期: open and past a deadline
            stmt = stmt.where(HandlingRecord.state.in_([s.value for s in ISSUED_OPEN_STATES]),
                              HandlingRecord.overdue_level > 0)
        elif self.state:
            stmt = stmt.where(HandlingRecord.state == self.state)
        if self.response:
            stmt = stmt.where(RiskWarning.response == self.response)
        if self.risk_point:
            stmt = stmt.where(RiskWarning.risk_point_id.in_(
                select(RiskPoint.id).where(RiskPoint.code == self.risk_point)))
        return _within(stmt, HandlingRecord.issued_at, self.since, self.until, self.zone)


@dataclass(frozen=True)
class SignalFilters:
    """The signal list's filters: channel, department, status, a search over title, external
    id and person, and local days (YYYY-MM-DD in `zone`) of 接收时间."""

    channel: str = ""
    department: str = ""
    status: str = ""
    q: str = ""
    since: str = ""
    until: str = ""
    zone: str = "Asia/Shanghai"

    def apply(self, stmt: S) -> S:
        """Narrow a signals query to these filters."""
        if self.channel:
            stmt = stmt.where(Signal.channel_id.in_(
                select(Channel.id).where(Channel.code == self.channel)))
        if self.department:
            stmt = stmt.where(Signal.department_id.in_(_department_id(self.department)))
        if self.status:
            stmt = stmt.where(Signal.status == self.status)
        if self.q:
            like = f"%{self.q}%"
            stmt = stmt.where(or_(Signal.title.ilike(like), Signal.external_id.ilike(like),
                                  Signal.person.ilike(like)))
        return _within(stmt, Signal.received_at, self.since, self.until, self.zone)


def _within(stmt: S, column: Any, since: str, until: str, zone: str) -> S:
    """Narrow to `column` within the local days since..until (checked before: BadDate)."""
    if since or until:
        bounds = day_range(since, until, zone)
        if bounds.start:
            stmt = stmt.where(column >= bounds.start)
        if bounds.end:
            stmt = stmt.where(column < bounds.end)
    return stmt


@dataclass(frozen=True)
class RegisterFilters:
    """The risk register's filters: category, level, department and a search over code and
    name."""

    category: str = ""
    level: str = ""
    department: str = ""
    q: str = ""

    def apply(self, stmt: S) -> S:
        """Narrow a risk points query (joined to its department) to these filters."""
        if self.category:
            stmt = stmt.where(RiskPoint.category == self.category)
        if self.level:
            stmt = stmt.where(RiskPoint.level == self.level)
        if self.department:
            stmt = stmt.where(Department.code == self.department)
        if self.q:
            like = f"%{self.q}%"
            stmt = stmt.where(or_(RiskPoint.code.ilike(like), RiskPoint.name.ilike(like)))
        return stmt
