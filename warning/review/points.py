"""Risk points in a review: those hit in the quarter (and the one before), and stale ones."""

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import reviewed_raised_at
from warning.db.models import Department, HandlingRecord, RiskPoint, RiskWarning
from warning.domain.enums import LEVEL_ALIASES
from warning.domain.review import FREQUENT_WARNINGS, advice_for, months_before
from warning.review.model import HotRiskPoint, StaleRiskPoint
from warning.review.period import Period, in_scope, not_withdrawn, warning_scope

LEVEL_ORDER = case({"high": 0, "medium": 1, "low": 2}, value=RiskPoint.level, else_=3)


def level_label(level: str) -> str:
    known = LEVEL_ALIASES.get(level)
    return known.label if known is not None else level


def hot_risk_points(
    session: Session, *, principal: Principal | None, period: Period,
    frequent: int = FREQUENT_WARNINGS,
) -> list[HotRiskPoint]:
    """Return every point hit in the quarter, most warnings first, with last quarter's count.

    A withdrawn warning was issued in error, so it is no hit. The warnings are counted by
    the point's id and the point and its department joined to the fifty-odd counts after:
    grouped by the point's and department's names, SQLite sorted two quarters of rows
    (166,000 at a million records) by text, 3.3 s of the figures' time at load 7.
    """
    raised = reviewed_raised_at()
    now = raised >= period.start
    hits = (
        select(RiskWarning.risk_point_id.label("point"),
               func.count(case((now, RiskWarning.id))).label("now"),
               func.coalesce(func.sum(case((now, RiskWarning.repeat_count), else_=0)),
                             0).label("signals"),
               func.count(case((raised < period.start, RiskWarning.id)))
               .label("before"))
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .where(not_withdrawn(),
               raised >= period.previous_start, raised < period.end,
               # raised no earlier than created: the bound the index on created_at serves
               RiskWarning.created_at < period.end,
               warning_scope(principal))
        .group_by(RiskWarning.risk_point_id)
        .subquery()
    )
    keys = (RiskPoint.id, RiskPoint.code, RiskPoint.name, RiskPoint.category, RiskPoint.level,
            Department.code, Department.name)
    stmt = (
        select(*keys, hits.c.now, hits.c.signals, hits.c.before)
        .join(hits, hits.c.point == RiskPoint.id)
        .outerjoin(Department, Department.id == RiskPoint.department_id)
        .where(hits.c.now > 0)
        .order_by(hits.c.now.desc(), hits.c.signals.desc(), RiskPoint.code)
    )
    points = []
    for _, code, name, category, level, dept, dept_name, count, total, before in session.execute(
        stmt
    ):
        advice = advice_for(level, count, before, frequent)
        points.append(HotRiskPoint(
            code=code, name=name, category=category, level=level, level_label=level_label(level),
            department=dept, department_name=dept_name or "未指定部门", warnings=count,
            signals=int(total), previous_quarter=before,
            advice=advice.value if advice else None, advice_label=advice.label if advice else "",
        ))
    return points


def stale_risk_points(
    session: Session, *, principal: Principal | None, period: Period, months: int
) -> list[StaleRiskPoint]:
    """Return the points never reviewed or last reviewed more than `months` months before the
    review's day, highest level and oldest review first."""
    before = months_before(period.as_of, months)
    stmt = (
        select(RiskPoint, Department.code, Department.name)
        .outerjoin(Department, Department.id == RiskPoint.department_id)
        .where(or_(RiskPoint.reviewed_on.is_(None), RiskPoint.reviewed_on < before),
               in_scope(principal, RiskPoint.department_id))
        .order_by(LEVEL_ORDER, RiskPoint.reviewed_on.is_not(None), RiskPoint.reviewed_on,
                  RiskPoint.code)
    )
    return [
        StaleRiskPoint(
            code=p.code, name=p.name, category=p.category, level=p.level,
            level_label=level_label(p.level), department=code,
            department_name=name or "未指定部门", reviewed_on=p.reviewed_on,
        )
        for p, code, name in session.execute(stmt)
    ]
