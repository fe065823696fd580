"""The register as a review sees it: its share of high-level points and the points never hit."""

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import reviewed_raised_at
from warning.db.models import Department, HandlingRecord, RiskPoint, RiskWarning
from warning.domain.enums import Level
from warning.domain.lifecycle import State
from warning.review.model import RegisterCoverage, StaleRiskPoint
from warning.review.period import Period, in_scope, warning_scope
from warning.review.points import LEVEL_ORDER, level_label

# One seed keeps high-level points near a fifth of the register (DOMAIN.md).
TARGET_HIGH_SHARE = 0.2


def coverage(session: Session, *, principal: Principal | None, period: Period) -> RegisterCoverage:
    """Return the register's size, high-level share and the points never hit by the period's end."""
    scope = in_scope(principal, RiskPoint.department_id)
    total, high = session.execute(
        select(func.count(), func.count().filter(RiskPoint.level == Level.HIGH.value))
        .select_from(RiskPoint).where(scope)
    ).one()
    # a warning on the point that `principal` reads: the owner of a point is not told of a
    # warning addressed to a department it does not read
    hit = exists().where(
        RiskWarning.risk_point_id == RiskPoint.id, reviewed_raised_at() < period.end,
        warning_scope(principal),
        HandlingRecord.warning_id == RiskWarning.id,
        HandlingRecord.state != State.WITHDRAWN.value,
    )
    never = session.execute(
        select(RiskPoint, Department.code, Department.name)
        .outerjoin(Department, Department.id == RiskPoint.department_id)
        .where(scope, ~hit)
        .order_by(LEVEL_ORDER, RiskPoint.code)
    )
    return RegisterCoverage(
        points=total, high=high, high_share=round(high / total, 3) if total else None,
        target_share=TARGET_HIGH_SHARE,
        never_hit=[
            StaleRiskPoint(code=p.code, name=p.name, category=p.category, level=p.level,
                           level_label=level_label(p.level), department=code,
                           department_name=name or "未指定部门", reviewed_on=p.reviewed_on)
            for p, code, name in never
        ],
    )
