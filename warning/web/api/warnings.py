"""Warnings: GET /api/warnings and GET /api/warnings/{id}."""

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.scoping import visible_warnings
from warning.db.models import Department, HandlingRecord, RiskPoint, RiskWarning, WarningSignal
from warning.domain.enums import Response
from warning.web.deps import MAX_ID, IdPath, SessionDep
from warning.web.errors import ApiError
from warning.web.security import PrincipalDep

router = APIRouter(prefix="/api/warnings", tags=["warnings"])


class WarningSummary(BaseModel):
    id: int
    risk_point: str
    risk_point_name: str
    level: str
    department: str | None
    subject_kind: str
    subject_name: str
    rule_id: str
    rule_version: str
    response: str
    response_label: str
    severity: int
    repeat_count: int
    state: str
    version: int
    created_at: datetime
    receive_due_at: datetime | None
    report_due_at: datetime | None


class WarningDetail(WarningSummary):
    signal_ids: list[int]


class WarningPage(BaseModel):
    total: int
    items: list[WarningSummary]


def _query() -> Select[tuple[RiskWarning, RiskPoint, Department | None, HandlingRecord]]:
    return (
        select(RiskWarning, RiskPoint, Department, HandlingRecord)
        .join(RiskPoint, RiskPoint.id == RiskWarning.risk_point_id)
        .outerjoin(Department, Department.id == RiskWarning.department_id)
        .join(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
    )


def _summary(
    warning: RiskWarning, point: RiskPoint, department: Department | None, record: HandlingRecord
) -> dict[str, object]:
    return {
        "id": warning.id,
        "risk_point": point.code,
        "risk_point_name": point.name,
        "level": point.level,
        "department": department.code if department else None,
        "subject_kind": warning.subject_kind,
        "subject_name": warning.subject_name,
        "rule_id": warning.rule_id,
        "rule_version": warning.rule_version,
        "response": warning.response,
        "response_label": Response(warning.response).label,
        "severity": warning.severity,
        "repeat_count": warning.repeat_count,
        "state": record.state,
        "version": record.version,
        "created_at": warning.created_at,
        "receive_due_at": record.receive_due_at,
        "report_due_at": record.report_due_at,
    }


@router.get("", response_model=WarningPage)
def list_warnings(
    session: SessionDep,
    principal: PrincipalDep,
    department: str | None = None,
    state: str | None = None,
    response: Response | None = None,
    risk_point: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> WarningPage:
    """List the warnings the caller may see, newest first, with filters."""
    query = visible_warnings(_query(), principal)
    if department:
        query = query.where(Department.code == department)
    if state:
        query = query.where(HandlingRecord.state == state)
    if response:
        query = query.where(RiskWarning.response == response.value)
    if risk_point:
        if session.scalar(select(RiskPoint.id).where(RiskPoint.code == risk_point)) is None:
            raise ApiError(
                422,
                "unknown_risk_point",
                f"风险点“{risk_point}”不存在",
                f"unknown risk point {risk_point}",
                field="risk_point",
            )
        query = query.where(RiskPoint.code == risk_point)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(RiskWarning.id.desc()).limit(limit).offset(offset))
    return WarningPage(total=total, items=[WarningSummary(**_summary(*row)) for row in rows])


def get_warning_row(
    session: Session, warning_id: int, principal: Principal | None
) -> tuple[RiskWarning, RiskPoint, Department | None, HandlingRecord]:
    """Return a warning the caller may see, with its risk point, department and record; else 404."""
    query = _query().where(RiskWarning.id == warning_id)
    if principal is not None:
        query = visible_warnings(query, principal)
    row = session.execute(query).first()
    if row is None:
        raise ApiError(
            404, "not_found", f"预警 {warning_id} 不存在", f"warning {warning_id} not found"
        )
    return tuple(row)  # type: ignore[return-value]


@router.get("/{warning_id:int}", response_model=WarningDetail)
def get_warning(
    warning_id: IdPath, session: SessionDep, principal: PrincipalDep
) -> WarningDetail:
    """Return one warning the caller may see, with the signals on its timeline."""
    row = get_warning_row(session, warning_id, principal)
    signal_ids = session.scalars(
        select(WarningSignal.signal_id)
        .where(WarningSignal.warning_id == warning_id)
        .order_by(WarningSignal.id)
    ).all()
    return WarningDetail(**_summary(*row), signal_ids=list(signal_ids))
