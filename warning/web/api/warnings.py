"""Warnings: GET /api/warnings and GET /api/warnings/{id}."""

from datetime import datetime

from fastapi import Query
from pydantic import BaseModel, Field

from warning.domain.enums import Response
from warning.domain.lifecycle import DomainError
from warning.queries.counting import count_of
from warning.queries.warnings import (
    NEWEST_FIRST,
    find_warning,
    summary,
    timeline,
    timeline_signal_ids,
    warnings_query,
)
from warning.services.filter_checks import check_warning_filters
from warning.services.list_filters import WarningFilters
from warning.web.deps import MAX_ID, IdPath, RuntimeDep, SessionDep
from warning.web.errors import ApiError
from warning.web.routing import SessionRouter
from warning.web.security import PrincipalDep

router = SessionRouter(prefix="/api/warnings", tags=["warnings"])


class WarningSummary(BaseModel):
    id: int
    risk_point: str
    risk_point_name: str
    level: str
    department: str | None
    subject_kind: str
    subject_name: str
    rule_id: str
    rule_ids: list[str] = Field(default_factory=list, description="every rule that hit it")
    rule_version: str
    response: str
    response_label: str
    severity: int
    repeat_count: int
    state: str
    version: int
    created_at: datetime = Field(
        description="when the rules raised it (for departments, leaders and reviewers, who "
                    "never see proposals: when it was issued)")
    issued_at: datetime | None = Field(
        None, description="when it was issued to the department; null while a proposal (研判) "
                          "waits for the office")
    receive_due_at: datetime | None
    report_due_at: datetime | None


class WarningDetail(WarningSummary):
    signal_ids: list[int]
    hidden_signals: int = 0
    hidden_signals_note: str = ""


class WarningPage(BaseModel):
    total: int
    items: list[WarningSummary]


@router.get("", response_model=WarningPage)
def list_warnings(
    session: SessionDep,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    department: str | None = None,
    state: str | None = Query(None, description="a state, or open / overdue as on the list page"),
    response: Response | None = None,
    risk_point: str | None = None,
    since: str | None = Query(None, description="下达时间 from this local day (YYYY-MM-DD)"),
    until: str | None = Query(None, description="下达时间 up to this local day, inclusive"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> WarningPage:
    """List the warnings the caller may see, newest first, with the list page's and the
    export's filters; a filter that names nothing is refused (422), not an empty list."""
    filters = WarningFilters(department or "", state or "",
                             response.value if response else "", risk_point or "",
                             since or "", until or "", runtime.settings.timezone)
    try:
        check_warning_filters(session, filters)
    except DomainError as error:
        raise ApiError(422, error.code, error.message, error.message_en,
                       **error.details) from None
    query = filters.apply(warnings_query(principal))
    total = count_of(session, query)
    rows = session.execute(query.order_by(*NEWEST_FIRST).limit(limit).offset(offset))
    items = [WarningSummary(**summary(*row, principal=principal)) for row in rows]
    return WarningPage(total=total, items=items)


@router.get("/{warning_id:int}", response_model=WarningDetail)
def get_warning(
    warning_id: IdPath, session: SessionDep, principal: PrincipalDep
) -> WarningDetail:
    """Return one warning the caller may see, with the signals on its timeline."""
    row = find_warning(session, principal, warning_id)
    if row is None:
        raise ApiError(
            404, "not_found", f"预警 {warning_id} 不存在", f"warning {warning_id} not found"
        )
    signals = timeline(session, principal, warning_id, shown=1)  # for what is hidden
    return WarningDetail(**summary(*row, principal=principal),
                         signal_ids=timeline_signal_ids(session, principal, warning_id),
                         hidden_signals=signals.hidden, hidden_signals_note=signals.note)
