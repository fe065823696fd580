"""The register's change history (风险点变更记录): every change to a point, with who and why."""

from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from warning.db.models import RiskPoint, RiskPointChange

FIELD_LABELS = {"level": "风险等级", "reviewed_on": "复核日期", "category": "风险类别",
                "measure_prevention": "前期预防措施", "measure_monitoring": "中期监控措施",
                "measure_handling": "后期处置措施", "name": "风险点名称",
                "manifestation": "风险表现形式", "owner_level": "风险层级",
                "department_id": "责任部门", "business_area": "业务领域",
                "responsible_person": "责任人"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def change_point(
    session: Session, point: RiskPoint, changes: dict[str, Any], *, actor: str, reason: str,
    source: str,
) -> list[RiskPointChange]:
    """Apply `changes` to `point` and record each field that really changed."""
    recorded = []
    for field, new in changes.items():
        old = getattr(point, field)
        if old == new:
            continue
        setattr(point, field, new)
        change = RiskPointChange(risk_point_id=point.id, field=field, old_value=_text(old),
                                 new_value=_text(new), reason=reason, source=source,
                                 actor=actor)
        session.add(change)
        recorded.append(change)
    session.flush()
    return recorded


def history_of(session: Session, point_id: int) -> list[RiskPointChange]:
    """Return a point's changes, newest first."""
    return list(session.scalars(
        select(RiskPointChange).where(RiskPointChange.risk_point_id == point_id)
        .order_by(RiskPointChange.changed_at.desc(), RiskPointChange.id.desc())
    ))


TRACKED = ("name", "manifestation", "category", "level", "owner_level", "department_id",
           "business_area", "measure_prevention", "measure_monitoring", "measure_handling",
           "responsible_person", "reviewed_on")


def snapshot(session: Session) -> dict[str, dict[str, Any]]:
    """Return every point's tracked fields by code (taken before an import)."""
    return {p.code: {f: getattr(p, f) for f in TRACKED}
            for p in session.scalars(select(RiskPoint))}


def record_import(
    session: Session, before: dict[str, dict[str, Any]], *, actor: str, reason: str,
    source: str,
) -> int:
    """Record the fields an import changed, as if each had been edited; return how many."""
    session.flush()
    count = 0
    for point in session.scalars(select(RiskPoint)):
        old = before.get(point.code)
        for field in TRACKED:
            new = getattr(point, field)
            if old is None or old[field] == new:
                continue
            session.add(RiskPointChange(risk_point_id=point.id, field=field,
                                        old_value=_text(old[field]), new_value=_text(new),
                                        reason=reason, source=source, actor=actor))
            count += 1
    session.flush()
    return count


def point_to_change(session: Session, code: str) -> RiskPoint | None:
    """Return the point as committed now, locked until this transaction ends.

    Two edits of one point at once otherwise both read the old values and both recorded the
    same change. On SQLite a no-op UPDATE takes the write gate (warning.db.sqlite_gate) first.
    """
    query = select(RiskPoint).where(RiskPoint.code == code[:32])
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE risk_points SET id = id WHERE 1 = 0"))
    else:
        query = query.with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).first()


def newest_change(session: Session, point_id: int) -> int:
    """Return the id of the point's newest recorded change (0: none): what a form was drawn
    from, so a form drawn before another change can be told from a current one."""
    return int(session.scalar(select(func.max(RiskPointChange.id))
                              .where(RiskPointChange.risk_point_id == point_id)) or 0)
