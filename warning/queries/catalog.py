"""Reference data every signed-in user may read: the risk register, channels, categories.

No row here is scoped: the register and the channel list say what could be reported, never
what was (no signal, count or person). See docs/visibility.md.
"""

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from warning.db.models import Category, Channel, Department, RiskPoint
from warning.services.list_filters import RegisterFilters


def channels(session: Session) -> list[Channel]:
    """Return every channel by code."""
    return list(session.scalars(select(Channel).order_by(Channel.code)))


def channels_with_departments(session: Session) -> list[Any]:
    """Return (channel, default department name) for every channel, by code."""
    return list(session.execute(
        select(Channel, Department.name)
        .outerjoin(Department, Department.id == Channel.default_department_id)
        .order_by(Channel.code)
    ).all())


def risk_points_query(filters: RegisterFilters) -> Select[Any]:
    """Return (risk point, department) rows matching the register's filters, by code."""
    stmt = select(RiskPoint, Department).outerjoin(
        Department, Department.id == RiskPoint.department_id
    )
    return filters.apply(stmt).order_by(RiskPoint.code)


def risk_point_facts(session: Session) -> dict[str, tuple[str, str]]:
    """Return each risk point's name and level by its code."""
    rows = session.execute(select(RiskPoint.code, RiskPoint.name, RiskPoint.level))
    return {code: (name, level) for code, name, level in rows}


def categories(session: Session) -> list[str]:
    """Return the configured categories, then any other category the register uses."""
    configured = list(session.scalars(select(Category.name).order_by(Category.position,
                                                                     Category.name)))
    used = session.scalars(select(RiskPoint.category).distinct().order_by(RiskPoint.category))
    return configured + [c for c in used if c not in configured]


def departments(session: Session) -> list[Department]:
    """Return every department by code (the register names them all)."""
    return list(session.scalars(select(Department).order_by(Department.code)))
