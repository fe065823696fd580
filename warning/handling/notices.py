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
    point = session.scalar(select(RiskPoint.name).where(RiskPoint.id == warning.risk_point_id))
    department = (
        session.scalar(select(Department.name).where(Department.id == warning.department_id))
        if warning.department_id is not None else None
    )
    return WarningFacts(
        warning_id=warning.id, risk_point=point or "", department=department or "未指定部门",
        response=warning.response, state=record.state,
        receive_due_at=record.receive_due_at, report_due_at=record.report_due_at,
    )


def change_notices(
    session: Session, *, kind: str, warning: RiskWarning, record: HandlingRecord,
    seq: int, now: datetime, extra: str = "", office_too: bool = False,
) -> list[dict[str, Any]]:
    """Return the notice rows for a change of `kind` (keyed by the event's seq)."""
    subject, body = render(kind, facts_for(session, warning, record), extra)
    audiences = [department_audience(warning.department_id)]
    if office_too and OFFICE not in audiences:
        audiences.append(OFFICE)
    return [
        notice_row(record_id=record.id, kind=kind, audience=audience, subject=subject,
                   body=body, level=seq, now=now)
        for audience in audiences
    ]
