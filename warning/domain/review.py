"""Review arithmetic (季度监督检查): on time or late, overdue, stale, recurring risk points.

Plain Python over what the queries read; the queries live in `warning.review`.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from warning.domain.enums import Level
from warning.domain.lifecycle import State

DEFAULT_STALE_MONTHS = 12
FREQUENT_WARNINGS = 3  # warnings on one risk point in one quarter that call for a look
WAITING_ON_DEPARTMENT = (State.ISSUED, State.RECEIVED, State.IN_PROGRESS)


@dataclass(frozen=True)
class RecordTimes:
    """A handling record's deadlines and the times of the steps that meet them."""

    receive_due_at: datetime | None
    report_due_at: datetime | None
    received_at: datetime | None  # first `receive` event
    reported_at: datetime | None  # last `report` event: the one the office accepted
    closed_at: datetime | None
    escalated: bool  # any `escalate` event: a deadline passed at some point


def closed_on_time(times: RecordTimes) -> bool:
    """Tell whether a closed record met its deadlines.

    It is late when it was ever escalated, signed for after the receive deadline, or its last
    report came after the report deadline in force (a return sets a fresh one). The office's
    own time to evaluate a report is not held against the department.
    """
    if times.escalated:
        return False
    if _after(times.received_at, times.receive_due_at):
        return False
    done = times.reported_at or times.closed_at
    return not _after(done, times.report_due_at)


def is_overdue(
    state: State | str, receive_due_at: datetime | None, report_due_at: datetime | None,
    at: datetime,
) -> bool:
    """Tell whether a record waiting on its department is past the deadline it waits on at `at`."""
    state = State(state)
    if state not in WAITING_ON_DEPARTMENT:
        return False
    due = receive_due_at if state is State.ISSUED else report_due_at
    return due is not None and due < at


def _after(moment: datetime | None, due: datetime | None) -> bool:
    return moment is not None and due is not None and moment > due


def months_before(day: date, months: int) -> date:
    """Return the same day `months` months earlier, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def is_stale(reviewed_on: date | None, as_of: date, months: int = DEFAULT_STALE_MONTHS) -> bool:
    """Tell whether a risk point was never reviewed, or last reviewed over `months` ago."""
    return reviewed_on is None or reviewed_on < months_before(as_of, months)


class Advice(StrEnum):
    """What a review suggests for a risk point that keeps being hit."""

    RAISE_LEVEL = "raise_level"
    NEW_MEASURES = "new_measures"

    @property
    def label(self) -> str:
        return {"raise_level": "建议提高风险等级", "new_measures": "建议完善防控措施"}[self.value]


def keeps_being_hit(warnings: int, previous: int, frequent: int = FREQUENT_WARNINGS) -> bool:
    """Tell whether a point was hit this quarter and the one before, or `frequent` times now."""
    return warnings >= frequent or (warnings > 0 and previous > 0)


def advice_for(
    level: Level | str, warnings: int, previous: int, frequent: int = FREQUENT_WARNINGS
) -> Advice | None:
    """Suggest a higher level for a recurring point below high, new measures for a high one."""
    if not keeps_being_hit(warnings, previous, frequent):
        return None
    return Advice.NEW_MEASURES if level == Level.HIGH else Advice.RAISE_LEVEL
