"""Exports: GET /api/warnings/export and GET /api/signals/export as .csv or .xlsx."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Query
from fastapi import Response as HttpResponse

from warning.domain.lifecycle import DomainError
from warning.exports.files import ExportFormat, Table, to_bytes
from warning.exports.signal_table import signal_table
from warning.exports.warning_table import warning_table
from warning.services.list_filters import SignalFilters, WarningFilters
from warning.web.deps import RuntimeDep, SessionDep
from warning.web.disposition import attachment_disposition
from warning.web.error_docs import ErrorBody
from warning.web.errors import ApiError
from warning.web.routing import SessionRouter
from warning.web.security import PrincipalDep

log = logging.getLogger(__name__)
router = SessionRouter(tags=["exports"])

FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the file: UTF-8 .csv with a BOM (opens in Excel) or an .xlsx workbook",
        "content": {ExportFormat.CSV.media_type: {"schema": {"type": "string"}},
                    ExportFormat.XLSX.media_type: {"schema": {"type": "string",
                                                              "format": "binary"}}},
    },
    422: {"model": ErrorBody,
          "description": "invalid filter, or more rows than one export may hold"},
}
FormatQuery = Query(ExportFormat.CSV, alias="format", description="csv 或 xlsx")
SinceQuery = Query(None, description="from this local day (YYYY-MM-DD): 下达时间 or 接收时间")
UntilQuery = Query(None, description="up to this local day, inclusive")


@router.get("/api/warnings/export", response_class=HttpResponse, responses=FILE_RESPONSES)
def export_warnings(
    session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep,
    fmt: ExportFormat = FormatQuery, department: str | None = None, state: str | None = None,
    response: str | None = Query(None, description="reminder / talk / admonition / rectification"),
    risk_point: str | None = None, since: str | None = SinceQuery,
    until: str | None = UntilQuery,
) -> HttpResponse:
    """Download the warnings the caller may see, with the list's filters ("" means any)."""
    filters = WarningFilters(department or "", state or "", response or "", risk_point or "",
                             since or "", until or "", runtime.settings.timezone)
    table = _built(lambda: warning_table(session, principal, filters,
                                         timezone=runtime.settings.timezone))
    log.info("%s exported %d warnings as %s", principal.actor, len(table.rows), fmt.value)
    return _download(table, fmt, "warnings", runtime.settings.timezone)


@router.get("/api/signals/export", response_class=HttpResponse, responses=FILE_RESPONSES)
def export_signals(
    session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep,
    fmt: ExportFormat = FormatQuery, channel: str | None = None, department: str | None = None,
    status: str | None = None, q: str | None = None, since: str | None = SinceQuery,
    until: str | None = UntilQuery,
) -> HttpResponse:
    """Download the signals the caller may see; confidential text only for the office."""
    filters = SignalFilters(channel or "", department or "", status or "", (q or "").strip(),
                            since or "", until or "", runtime.settings.timezone)
    table = _built(lambda: signal_table(session, principal, filters,
                                        timezone=runtime.settings.timezone))
    log.info("%s exported %d signals as %s", principal.actor, len(table.rows), fmt.value)
    return _download(table, fmt, "signals", runtime.settings.timezone)


def _built(build: Callable[[], Table]) -> Table:
    try:
        table = build()
    except DomainError as error:
        raise ApiError(422, error.code, error.message, error.message_en,
                       **error.details) from None
    return table


def _download(table: Table, fmt: ExportFormat, stem: str, timezone: str) -> HttpResponse:
    stamp = datetime.now(UTC).astimezone(ZoneInfo(timezone)).strftime("%Y%m%d-%H%M")
    name = f"{table.title}-{stamp}.{fmt.value}"
    disposition = attachment_disposition(name, f"{stem}-{stamp}.{fmt.value}")
    return HttpResponse(
        to_bytes(table, fmt), media_type=fmt.media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )
