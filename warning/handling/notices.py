"""Build the notices of one record's change (new warning, return, closure, withdrawal)."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.models import Department, HandlingRecord, RiskPoint, RiskWarning
from warning.notify.messages import WarningFacts, render
from warning.notify.outbox import OFFICE, department_audience, notice_row


def facts_for(session: Session, warning: RiskWarning, record: HandlingRecord) -> WarningFacts:
    """Return what a notice may say about a warning."""
    point = _name(session, RiskPoint, warning.risk_point_id)
    department = _name(session, Department, warning.department_id)
    return WarningFacts(
        warning_id=warning.id,
        risk_point=point or "",
        department=department or "未指定部门",
        response=warning.response,
        state=record.state,
        receive_due_at=record.receive_due_at,
        report_due_at=record.report_due_at,
    )


def _name(session: Session, model: type[RiskPoint | Department], row_id: int | None) -> str | None:
    """Return a risk point's or department's name, cached for the session's transaction."""
    if row_id is None:
        return None
    cache: dict[tuple[str, int], str | None] = session.info.setdefault("notice_names", {})
    key = (model.__tablename__, row_id)
    if key not in cache:
        cache[key] = session.scalar(select(model.name).where(model.id == row_id))
    return cache[key]


def change_notices(
    session: Session,
    *,
    kind: str,
    warning: RiskWarning,
    record: HandlingRecord,
    seq: int,
    now: datetime,
    extra: str = "",
    office_too: bool = False,
) -> list[dict[str, Any]]:
    """Return the notice rows for a change of `kind` (keyed by the event's seq)."""
    subject, body = render(kind, facts_for(session, warning, record), extra)
    audiences = [department_audience(warning.department_id)]
    if office_too and OFFICE not in audiences:
        audiences.append(OFFICE)
    return [
        notice_row(
            record_id=record.id,
            kind=kind,
            audience=audience,
            subject=subject,
            body=body,
            level=seq,
            now=now,
        )
        for audience in audiences
    ]
