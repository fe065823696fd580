"""Departments, risk points and channels as filter options: only what the reader may see."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import sees_confidential_signals, visible_departments
from warning.db.models import Channel, Department, RiskPoint
from warning.db.value_list import among


def department_options(session: Session, principal: Principal | None) -> list[Department]:
    """Return the departments `principal` may see, by code."""
    stmt = visible_departments(select(Department), principal).order_by(Department.code)
    return list(session.scalars(stmt))


def risk_point_options(session: Session) -> list[Any]:
    """Return every risk point's code and name (the register is public to signed-in users)."""
    return list(session.execute(select(RiskPoint.code, RiskPoint.name)
                                .order_by(RiskPoint.code)).all())


def channel_options(session: Session, principal: Principal | None) -> list[Channel]:
    """Return the channels whose signals `principal` may list (no confidential ones for
    departments: a filter by them would only ever be empty)."""
    stmt = select(Channel).order_by(Channel.code)
    if not sees_confidential_signals(principal):
        stmt = stmt.where(Channel.confidential.is_(False))
    return list(session.scalars(stmt))


def department_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Return the names of the departments with `codes` (a trail names what it recorded)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.execute(select(Department.code, Department.name)
                           .where(among(Department.code, wanted)))
    return {code: name for code, name in rows}
