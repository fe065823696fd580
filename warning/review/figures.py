"""Gather a quarter's review (季度审查) as the caller may see it."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.db.models import Department
from warning.db.value_list import among
from warning.domain.calendar import SHANGHAI
from warning.domain.quarter import Quarter
from warning.domain.review import DEFAULT_STALE_MONTHS, months_before
from warning.review.counts import (
    category_buckets,
    level_buckets,
    measure_buckets,
    repeat_subjects,
    response_buckets,
    signals_by_channel,
)
from warning.review.coverage import coverage
from warning.review.model import DepartmentFigure, Review, Summary, Trends
from warning.review.outcomes import Outcome
from warning.review.period import Period
from warning.review.points import hot_risk_points, stale_risk_points
from warning.review.tally import tally
from warning.review.timings import timings
from warning.review.trend import changes, trend

NO_DEPARTMENT = "未指定部门"


def build_review(
    session: Session, *, principal: Principal | None, quarter: Quarter, now: datetime,
    tz: ZoneInfo = SHANGHAI, stale_months: int = DEFAULT_STALE_MONTHS,
) -> Review:
    """Return the figures of `quarter` limited to `principal`'s departments (None: all)."""
    period = Period.of(quarter, now, tz)
    channels = signals_by_channel(session, principal=principal, period=period)
    counted = tally(session, principal=principal, period=period)
    counts, outcomes = counted.warnings, counted.outcomes
    departments = _department_rows(session, counts.by_department, outcomes)
    repeats = repeat_subjects(session, principal=principal, period=period)
    hot = hot_risk_points(session, principal=principal, period=period)
    stale = stale_risk_points(session, principal=principal, period=period, months=stale_months)
    points = trend(session, principal=principal, period=period, tz=tz)
    trends = Trends(
        trend=points, changes=changes(points),
        timings=timings(session, principal=principal, period=period),
        coverage=coverage(session, principal=principal, period=period),
    )
    total = Outcome()
    for outcome in outcomes.values():
        total.add(outcome)
    summary = Summary(
        signals=sum(c.signals for c in channels), warnings=counts.total,
        closed=total.closed, closed_on_time=total.closed_on_time,
        closed_late=total.closed_late, overdue=total.overdue, returned=total.returned,
        withdrawn=total.withdrawn, repeat_subjects=len(repeats),
        recurring_risk_points=sum(1 for p in hot if p.advice), stale_risk_points=len(stale),
    )
    return Review(
        quarter=str(quarter), label=quarter.label, starts_at=period.start, ends_at=period.end,
        cutoff=period.cutoff, all_departments=principal is None or principal.reads_all,
        stale_months=stale_months, stale_before=months_before(period.as_of, stale_months),
        summary=summary, signals_by_channel=channels, warnings_by_department=departments,
        warnings_by_category=category_buckets(session, counts.by_category),
        warnings_by_level=level_buckets(counts.by_level),
        warnings_by_response=response_buckets(counts.by_response),
        measures_applied=measure_buckets(counted.measures),
        repeat_subjects=repeats, hot_risk_points=hot, stale_risk_points=stale, trends=trends,
    )


def _department_rows(
    session: Session, warnings: dict[int | None, int], outcomes: dict[int | None, Outcome]
) -> list[DepartmentFigure]:
    """Return a row for each department with a warning or an outcome, by code; none last."""
    ids = set(warnings) | set(outcomes)
    named = {
        d.id: (d.code, d.name)
        for d in session.execute(
            select(Department.id, Department.code, Department.name)
            .where(among(Department.id, [i for i in ids if i is not None]))
        )
    }
    rows = []
    for department_id in ids:
        code, name = named.get(department_id or 0, (None, NO_DEPARTMENT))
        outcome = outcomes.get(department_id, Outcome())
        if not warnings.get(department_id) and not any(vars(outcome).values()):
            continue
        rows.append(DepartmentFigure(
            department=code, name=name, warnings=warnings.get(department_id, 0),
            closed=outcome.closed, closed_on_time=outcome.closed_on_time,
            closed_late=outcome.closed_late, overdue=outcome.overdue,
            returned=outcome.returned, withdrawn=outcome.withdrawn,
        ))
    return sorted(rows, key=lambda r: (r.department is None, r.department or ""))
