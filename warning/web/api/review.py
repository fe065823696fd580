"""The quarterly review: GET /api/review and GET /api/review/export (.xlsx)."""

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi import Response as HttpResponse

from warning.domain.quarter import InvalidQuarter, Quarter
from warning.exports.files import ExportFormat
from warning.review.figures import build_review
from warning.review.model import Review
from warning.review.workbook import review_filename, review_xlsx
from warning.web.deps import RuntimeDep, SessionDep
from warning.web.error_docs import ErrorBody
from warning.web.errors import ApiError
from warning.web.security import PrincipalDep

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/review", tags=["review"])

QuarterQuery = Query(
    None, description="季度，如 2026Q3（1–3、4–6、7–9、10–12 月，北京时间）；缺省为本季度",
    examples=["2026Q3"],
)
ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "malformed quarter"}}


def requested_quarter(text: str | None, now: datetime, timezone: str) -> Quarter:
    """Return the quarter asked for, or the one `now` is in; 422 for a malformed one."""
    if text is None or not text.strip():
        return Quarter.containing(now, ZoneInfo(timezone))
    try:
        return Quarter.parse(text)
    except InvalidQuarter as error:
        raise ApiError(422, error.code, error.message, error.message_en,
                       field="quarter") from None


@router.get("", response_model=Review, responses=ERRORS)
def get_review(
    session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep,
    quarter: str | None = QuarterQuery,
) -> Review:
    """Return a quarter's review figures for the caller's departments (all for readers-all)."""
    now = datetime.now(UTC)
    tz = ZoneInfo(runtime.settings.timezone)
    wanted = requested_quarter(quarter, now, runtime.settings.timezone)
    return build_review(session, principal=principal, quarter=wanted, now=now, tz=tz)


@router.get("/export", response_class=HttpResponse, responses={
    200: {"description": "the review as an .xlsx workbook, one sheet per table",
          "content": {ExportFormat.XLSX.media_type: {"schema": {"type": "string",
                                                                  "format": "binary"}}}},
    **ERRORS,
})
def export_review(
    session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep,
    quarter: str | None = QuarterQuery,
) -> HttpResponse:
    """Download a quarter's review as .xlsx, scoped like GET /api/review."""
    now = datetime.now(UTC)
    tz = ZoneInfo(runtime.settings.timezone)
    wanted = requested_quarter(quarter, now, runtime.settings.timezone)
    review = build_review(session, principal=principal, quarter=wanted, now=now, tz=tz)
    log.info("%s exported the review of %s", principal.actor, review.quarter)
    disposition = (f'attachment; filename="review-{review.quarter}.xlsx"; '
                   f"filename*=UTF-8''{quote(review_filename(review))}")
    return HttpResponse(
        review_xlsx(review, tz), media_type=ExportFormat.XLSX.media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )
