"""The quarterly review: GET /api/review and GET /api/review/export (.xlsx)."""

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Path, Query
from fastapi import Response as HttpResponse
from pydantic import BaseModel, Field

from warning.auth.principal import Principal
from warning.db.models import ReviewSnapshot
from warning.domain.input_text import CheckedInput
from warning.domain.lifecycle import Role
from warning.domain.quarter import InvalidQuarter, Quarter
from warning.review.drill import Drill, Figure, drill_page
from warning.review.figures import build_review
from warning.review.files import ReviewFormat, review_file
from warning.review.model import Review
from warning.review.period import Period
from warning.review.snapshots import (
    KIND_LABELS,
    QuarterNotStarted,
    differences,
    snapshots_of,
    store_final,
)
from warning.review.suggestions import (
    Decision,
    Suggestion,
    SuggestionDecided,
    SuggestionError,
    SuggestionKind,
    decide,
    suggestions,
)
from warning.web.deps import RuntimeDep, SessionDep
from warning.web.disposition import attachment_disposition
from warning.web.error_docs import ErrorBody
from warning.web.errors import ApiError
from warning.web.routing import SessionRouter
from warning.web.security import PrincipalDep, require_roles

log = logging.getLogger(__name__)
router = SessionRouter(prefix="/api/review", tags=["review"])

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
    200: {"description": "the review as .xlsx (every table, one sheet each, and the ledger "
                         "台账 of every record of the quarter) or .docx (the written report)",
          "content": {f.media_type: {"schema": {"type": "string", "format": "binary"}}
                      for f in ReviewFormat}},
    **ERRORS,
})
def export_review(
    session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep,
    quarter: str | None = QuarterQuery,
    format: ReviewFormat = Query(ReviewFormat.XLSX, description="xlsx or docx"),  # noqa: B008
) -> HttpResponse:
    """Download a quarter's review as .xlsx or .docx, scoped like GET /api/review."""
    now = datetime.now(UTC)
    tz = ZoneInfo(runtime.settings.timezone)
    wanted = requested_quarter(quarter, now, runtime.settings.timezone)
    made = review_file(session, principal=principal, quarter=wanted, now=now, fmt=format, tz=tz)
    log.info("%s exported the review of %s as %s", principal.actor, wanted, format.value)
    disposition = attachment_disposition(made.filename, made.ascii_filename)
    return HttpResponse(
        made.content, media_type=made.media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


class SnapshotIn(CheckedInput):
    """Store a quarter's review as handed in (定稿)."""

    quarter: str = Field(examples=["2026Q3"], max_length=8)
    note: str = Field(default="", max_length=500, description="what was handed in, to whom")


class SnapshotOut(BaseModel):
    """A stored review, without its figures."""

    id: int
    quarter: str
    kind: str = Field(description="scheduled (stored when the quarter ended) or final (定稿)")
    kind_label: str
    stored_at: datetime
    stored_by: str
    note: str


class FigureChangeOut(BaseModel):
    """A figure as stored and as it reads now."""

    figure: str
    stored: float | None
    now: float | None


class SnapshotDetail(SnapshotOut):
    """A stored review with its figures and what has changed since it was stored."""

    figures: Review
    changes: list[FigureChangeOut]


def _out(snapshot: ReviewSnapshot) -> SnapshotOut:
    return SnapshotOut(id=snapshot.id, quarter=snapshot.quarter, kind=snapshot.kind,
                       kind_label=KIND_LABELS.get(snapshot.kind, snapshot.kind),
                       stored_at=snapshot.stored_at, stored_by=snapshot.stored_by,
                       note=snapshot.note)


SNAPSHOT_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "stored reviews cover every department: office, admin and reviewer "
                         "only; storing one: office and admin"},
    404: {"description": "no such stored review"},
    **ERRORS,
}
ReadsAll = Annotated[Principal, Depends(require_roles(Role.OFFICE, Role.ADMIN, Role.REVIEWER))]
Stores = Annotated[Principal, Depends(require_roles(Role.OFFICE, Role.ADMIN))]


@router.get("/snapshots", response_model=list[SnapshotOut], responses=SNAPSHOT_ERRORS)
def list_snapshots(
    session: SessionDep, principal: ReadsAll, runtime: RuntimeDep,
    quarter: str | None = QuarterQuery,
) -> list[SnapshotOut]:
    """List the stored reviews of a quarter, newest first."""
    wanted = requested_quarter(quarter, datetime.now(UTC), runtime.settings.timezone)
    return [_out(s) for s in snapshots_of(session, wanted)]


@router.post("/snapshots", response_model=SnapshotOut, status_code=201,
             responses=SNAPSHOT_ERRORS)
def store_snapshot(
    body: SnapshotIn, session: SessionDep, principal: Stores, runtime: RuntimeDep,
) -> SnapshotOut:
    """Store the quarter's review of every department as it reads now (定稿)."""
    now = datetime.now(UTC)
    wanted = requested_quarter(body.quarter, now, runtime.settings.timezone)
    try:
        snapshot = store_final(session, quarter=wanted, actor=principal.actor, now=now,
                               tz=ZoneInfo(runtime.settings.timezone), note=body.note.strip())
    except QuarterNotStarted as error:
        raise ApiError(422, error.code, error.message, error.message_en,
                       field="quarter") from None
    session.commit()
    log.info("%s stored the review of %s", principal.actor, wanted)
    return _out(snapshot)


@router.get("/snapshots/{snapshot_id}", response_model=SnapshotDetail,
            responses=SNAPSHOT_ERRORS)
def get_snapshot(
    snapshot_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep,
    principal: ReadsAll, runtime: RuntimeDep,
) -> SnapshotDetail:
    """Return a stored review and each figure that has changed since it was stored."""
    snapshot = session.get(ReviewSnapshot, snapshot_id)
    if snapshot is None:
        raise ApiError(404, "not_found", f"没有编号为 {snapshot_id} 的审查存档",
                       f"no stored review {snapshot_id}")
    now = datetime.now(UTC)
    current = build_review(session, principal=None, quarter=Quarter.parse(snapshot.quarter),
                           now=now, tz=ZoneInfo(runtime.settings.timezone))
    changes = [FigureChangeOut(figure=c.figure, stored=c.stored, now=c.now)
               for c in differences(snapshot.figures, current)]
    return SnapshotDetail(**_out(snapshot).model_dump(), figures=Review(**snapshot.figures),
                          changes=changes)


class DrillOut(BaseModel):
    """The list behind one figure of a review: its total and one page of rows."""

    figure: Figure
    label: str
    kind: str = Field(description="signal, warning or risk_point")
    total: int = Field(description="equals the figure the list was opened from")
    items: list[dict[str, Any]]


@router.get("/drill", response_model=DrillOut, responses=ERRORS)
def drill_review(
    session: SessionDep, principal: PrincipalDep, runtime: RuntimeDep,
    figure: Figure, quarter: str | None = QuarterQuery,
    department: str = Query("", max_length=32, description="department code, or none"),
    channel: str = Query("", max_length=64), category: str = Query("", max_length=50),
    level: str = Query("", max_length=10), response: str = Query("", max_length=16),
    risk_point: str = Query("", max_length=32),
    measure: str = Query("", max_length=16, description="measure applied, or unrecorded"),
    offset: int = Query(0, ge=0, le=10_000_000), limit: int = Query(50, ge=1, le=500),
) -> DrillOut:
    """List what is behind one figure of the review, scoped like the review itself."""
    now = datetime.now(UTC)
    tz = ZoneInfo(runtime.settings.timezone)
    wanted = requested_quarter(quarter, now, runtime.settings.timezone)
    drill = Drill(figure, department=department, channel=channel, category=category,
                  level=level, response=response, risk_point=risk_point,
                  measure=measure)
    page = drill_page(session, principal=principal, period=Period.of(wanted, now, tz),
                      drill=drill, offset=offset, limit=limit)
    items = [row.model_dump(mode="json") if isinstance(row, BaseModel) else asdict(row)
             for row in page.rows]
    return DrillOut(figure=figure, label=figure.label, kind=page.kind, total=page.total,
                    items=items)


class SuggestionOut(BaseModel):
    """A suggestion of the quarter's review for the register, with its decision if any."""

    kind: SuggestionKind
    label: str
    subject: str = Field(description="risk point code, or register")
    name: str
    why: str
    decision: str | None = Field(description="accepted, dismissed, or null: open")
    reason: str | None
    decided_by: str | None
    decided_at: datetime | None


class DecisionIn(CheckedInput):
    """Accept or dismiss one suggestion, with a reason."""

    quarter: str = Field(examples=["2026Q3"], max_length=8)
    kind: SuggestionKind
    subject: str = Field(max_length=32)
    decision: Decision
    reason: str = Field(max_length=1000)


def _suggestion_out(s: Suggestion) -> SuggestionOut:
    d = s.decision
    return SuggestionOut(kind=s.kind, label=s.kind.label, subject=s.subject, name=s.name,
                         why=s.why, decision=d.decision if d else None,
                         reason=d.reason if d else None, decided_by=d.actor if d else None,
                         decided_at=d.decided_at if d else None)


def _whole_review(session: Any, quarter: Quarter, now: datetime, tz: ZoneInfo) -> tuple[
        Review, Period]:
    return (build_review(session, principal=None, quarter=quarter, now=now, tz=tz),
            Period.of(quarter, now, tz))


@router.get("/suggestions", response_model=list[SuggestionOut], responses=SNAPSHOT_ERRORS)
def list_suggestions(
    session: SessionDep, principal: ReadsAll, runtime: RuntimeDep,
    quarter: str | None = QuarterQuery,
) -> list[SuggestionOut]:
    """List what the quarter's figures suggest for the register (动态管理), decided or not."""
    now = datetime.now(UTC)
    wanted = requested_quarter(quarter, now, runtime.settings.timezone)
    review, period = _whole_review(session, wanted, now, ZoneInfo(runtime.settings.timezone))
    return [_suggestion_out(s) for s in suggestions(session, review, period)]


@router.post("/suggestions", response_model=SuggestionOut, status_code=201, responses={
    409: {"description": "already decided"}, **SNAPSHOT_ERRORS})
def decide_suggestion(
    body: DecisionIn, session: SessionDep, principal: Stores, runtime: RuntimeDep,
) -> SuggestionOut:
    """Accept (changing the register, with its history) or dismiss one suggestion."""
    now = datetime.now(UTC)
    tz = ZoneInfo(runtime.settings.timezone)
    wanted = requested_quarter(body.quarter, now, runtime.settings.timezone)
    review, period = _whole_review(session, wanted, now, tz)
    try:
        decide(session, review=review, period=period, kind=body.kind, subject=body.subject,
               decision=body.decision, reason=body.reason, actor=principal.actor,
               today=now.astimezone(tz).date(), now=now)
    except SuggestionError as error:
        session.rollback()
        status = 409 if isinstance(error, SuggestionDecided) else 422
        raise ApiError(status, error.code, error.message, error.message_en,
                       field=str(error.details.get("field", "")) or None) from None
    session.commit()
    log.info("%s %s the %s suggestion for %s in %s", principal.actor, body.decision.value,
             body.kind.value, body.subject, wanted)
    decided = {(s.kind, s.subject): s for s in suggestions(session, review, period)}
    return _suggestion_out(decided[(body.kind, body.subject)])
