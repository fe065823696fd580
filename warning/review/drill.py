"""Drill-down: the records, warnings, signals or risk points behind one figure of a review.

Each list is built from the same query or classification as the figure it explains
(`record_outcomes` for outcomes, the same WHERE clauses for counts), under the same
scoping, so a list's total equals the number it was opened from by construction.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import (
    reviewed_raised_at,
    shown_raised_at,
    shown_raised_order,
    shown_subject,
    visible_signals,
)
from warning.db.models import Channel, Department, HandlingRecord, RiskPoint, RiskWarning, Signal
from warning.db.value_list import among
from warning.domain.lifecycle import State
from warning.review.coverage import coverage
from warning.review.outcomes import records_counting_in
from warning.review.period import Period, not_withdrawn, warning_scope
from warning.review.points import stale_risk_points

NO_DEPARTMENT = "none"


class Figure(StrEnum):
    """The figures of a review that open a list."""

    SIGNALS = "signals"
    WARNINGS = "warnings"
    HOT = "hot"
    CLOSED = "closed"
    CLOSED_ON_TIME = "closed_on_time"
    CLOSED_LATE = "closed_late"
    OVERDUE = "overdue"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    STALE = "stale"
    NEVER_HIT = "never_hit"
    MEASURE = "measure"

    @property
    def label(self) -> str:
        return FIGURE_LABELS[self]


FIGURE_LABELS = {
    Figure.SIGNALS: "信号", Figure.WARNINGS: "新下达预警",
    Figure.HOT: "命中风险点的预警（不含撤销）",
    Figure.CLOSED: "办结", Figure.CLOSED_ON_TIME: "按期办结", Figure.CLOSED_LATE: "逾期办结",
    Figure.OVERDUE: "逾期", Figure.RETURNED: "退回整改", Figure.WITHDRAWN: "撤销",
    Figure.STALE: "久未复核的风险点", Figure.NEVER_HIT: "从未命中的风险点",
    Figure.MEASURE: "办结（按实际采取的处置措施）",
}
# The measures_applied bucket of records closed with no measure recorded has the key "";
# its link names it with this word, since an empty parameter means "every measure".
UNRECORDED = "unrecorded"


def measure_label(measure: str) -> str:
    """Return the Chinese name of a measure drill parameter ("" stays "")."""
    from warning.handling.measures import MEASURES

    if measure == UNRECORDED:
        return "未记录"
    return MEASURES.get(measure, measure)
OUTCOMES = (Figure.CLOSED, Figure.CLOSED_ON_TIME, Figure.CLOSED_LATE, Figure.OVERDUE,
            Figure.RETURNED, Figure.WITHDRAWN)


@dataclass(frozen=True)
class Drill:
    """Which figure, narrowed the way the review's tables narrow it."""

    figure: Figure
    department: str = ""  # a code, NO_DEPARTMENT, or "" for every department
    channel: str = ""
    category: str = ""
    level: str = ""
    response: str = ""
    risk_point: str = ""
    measure: str = ""  # a measure key, UNRECORDED, or "" for every measure


@dataclass(frozen=True)
class DrillPage:
    """One page of the list behind a figure: what kind of rows, how many in all, the rows."""

    kind: str  # signal | warning | risk_point
    total: int
    rows: list[Any]


def _department(drill: Drill, column: Any) -> ColumnElement[bool]:
    if drill.department == NO_DEPARTMENT:
        return column.is_(None)
    if drill.department:
        return column.in_(select(Department.id).where(Department.code == drill.department))
    return true()


def _warnings(principal: Principal | None, period: Period, drill: Drill) -> Select[Any]:
    """Select the warnings issued in the quarter (新下达, as `tally` counts them) or,
    for a hot risk point, those raised in it and not withdrawn (as `hot_risk_points`)."""
    stmt = (
        select(RiskWarning.id)
        .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .where(warning_scope(principal), _department(drill, RiskWarning.department_id))
    )
    if drill.figure is Figure.HOT:
        stmt = stmt.where(period.holds(reviewed_raised_at()), RiskWarning.created_at < period.end,
                          not_withdrawn())
    else:
        stmt = stmt.where(period.holds(HandlingRecord.issued_at))
    for column, value in ((RiskPoint.category, drill.category), (RiskPoint.level, drill.level),
                          (RiskWarning.response, drill.response),
                          (RiskPoint.code, drill.risk_point)):
        if value:
            stmt = stmt.where(column == value)
    return stmt


def _measured(principal: Principal | None, period: Period, drill: Drill) -> Select[Any]:
    """Select the warnings of records closed in the quarter, as `tally` counts them."""
    record = HandlingRecord
    stmt = (
        select(RiskWarning.id)
        .join(record, record.warning_id == RiskWarning.id)
        .where(record.state == State.CLOSED.value, period.holds(record.closed_at),
               warning_scope(principal),
               _department(drill, RiskWarning.department_id))
    )
    if drill.measure == UNRECORDED:
        stmt = stmt.where(or_(record.measure_applied.is_(None), record.measure_applied == ""))
    elif drill.measure:
        stmt = stmt.where(record.measure_applied == drill.measure)
    return stmt


def _outcome_record_ids(
    session: Session, principal: Principal | None, period: Period, drill: Drill,
) -> list[int]:
    department = (_department(drill, RiskWarning.department_id)
                  if drill.department else None)
    return records_counting_in(session, principal=principal, period=period,
                               outcome=drill.figure.value, department=department)


def drill_page(
    session: Session, *, principal: Principal | None, period: Period, drill: Drill,
    offset: int = 0, limit: int = 50, stale_months: int = 12,
) -> DrillPage:
    """Return the total behind `drill` and one page of its rows."""
    if drill.figure is Figure.SIGNALS:
        stmt = (select(Signal.id).join(Channel, Channel.id == Signal.channel_id)
                .where(period.holds(Signal.received_at),
                       _department(drill, Signal.department_id)))
        if drill.channel:
            stmt = stmt.where(Channel.code == drill.channel)
        if principal is not None:
            stmt = visible_signals(stmt, principal)
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        ids = list(session.scalars(stmt.order_by(Signal.received_at, Signal.id)
                                   .offset(offset).limit(limit)))
        return DrillPage("signal", total, _signal_rows(session, ids))
    if drill.figure in (Figure.STALE, Figure.NEVER_HIT):
        points = (stale_risk_points(session, principal=principal, period=period,
                                    months=stale_months)
                  if drill.figure is Figure.STALE
                  else coverage(session, principal=principal, period=period).never_hit)
        if drill.department:  # the risk points of one department, as for every other figure
            code = None if drill.department == NO_DEPARTMENT else drill.department
            points = [p for p in points if p.department == code]
        return DrillPage("risk_point", len(points), points[offset:offset + limit])
    if drill.figure in OUTCOMES:
        record_ids = _outcome_record_ids(session, principal, period, drill)
        page = record_ids[offset:offset + limit]
        return DrillPage("warning", len(record_ids), _warning_rows(
            session, principal, among(HandlingRecord.id, page)) if page else [])
    stmt = (_measured(principal, period, drill) if drill.figure is Figure.MEASURE
            else _warnings(principal, period, drill))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    ids = list(session.scalars(stmt.order_by(shown_raised_order(principal), RiskWarning.id)
                               .offset(offset).limit(limit)))
    return DrillPage("warning", total, _warning_rows(session, principal, among(RiskWarning.id, ids))
                     if ids else [])


@dataclass(frozen=True)
class WarningRow:
    """A warning behind a figure, as the drill-down list shows it."""

    warning_id: int
    created_at: datetime
    department: str
    risk_point: str
    risk_point_name: str
    level: str
    response: str
    subject: str
    state: str
    closed_at: datetime | None
    issued_at: datetime | None = None  # 下达: a proposal is issued after it was raised


def _warning_rows(
    session: Session, principal: Principal | None, where: ColumnElement[bool]
) -> list[WarningRow]:
    stmt = (
        select(RiskWarning.id, RiskWarning.created_at, Department.name,
               RiskPoint.code, RiskPoint.name, RiskPoint.level, RiskWarning.response,
               shown_subject(principal), HandlingRecord.state, HandlingRecord.closed_at,
               HandlingRecord.issued_at)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
        .outerjoin(Department, Department.id == RiskWarning.department_id)
        .where(and_(where))
        .order_by(shown_raised_order(principal), RiskWarning.id)
    )
    # raised when issued, for those who never see proposals (shown_raised_at); no record id:
    # a proposal's record is numbered when the petition comes in (docs/visibility.md)
    return [WarningRow(row[0], shown_raised_at(principal, row[1], row[10]),
                       row[2] or "未指定部门", *row[3:])
            for row in session.execute(stmt)]


@dataclass(frozen=True)
class SignalRow:
    """A signal behind a figure."""

    signal_id: int
    received_at: datetime
    channel: str
    department: str
    title: str
    confidential: bool


def _signal_rows(session: Session, ids: list[int]) -> list[SignalRow]:
    if not ids:
        return []
    stmt = (
        select(Signal.id, Signal.received_at, Channel.name, Department.name, Signal.title,
               Channel.confidential)
        .join(Channel, Channel.id == Signal.channel_id)
        .outerjoin(Department, Department.id == Signal.department_id)
        .where(among(Signal.id, ids))
        .order_by(Signal.received_at, Signal.id)
    )
    return [SignalRow(i, at, channel, department or "未指定部门", title, bool(secret))
            for i, at, channel, department, title, secret in session.execute(stmt)]
