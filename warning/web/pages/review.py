"""季度审查: a quarter's review figures, its stored versions (定稿) and what changed since."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.db.models import ReviewSnapshot
from warning.domain.input_text import parse_int
from warning.domain.lifecycle import Role
from warning.domain.quarter import InvalidQuarter, Quarter, recent_quarters
from warning.queries.actors import actor_names
from warning.review.drill import Drill, Figure, drill_page, measure_label
from warning.review.figures import build_review
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
    SuggestionDecided,
    SuggestionError,
    SuggestionKind,
    decide,
    suggestions,
)
from warning.web.deps import RuntimeDep, SessionDep
from warning.web.pages.csrf import FormDep, check_form, form_text
from warning.web.pages.render import (
    PER_PAGE,
    PageNotFound,
    PagePrincipal,
    Pager,
    clean,
    page_number,
    render,
)
from warning.web.routing import SessionRouter

router = SessionRouter()
QUARTERS_OFFERED = 8
STORE_ROLES = (Role.OFFICE, Role.ADMIN)
MAX_NOTE = 500


@router.get("/review", response_class=HTMLResponse)
def review_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, principal: PagePrincipal,
    quarter: str | None = None,
) -> HTMLResponse:
    """Show a quarter's review (the current quarter unless one is chosen)."""
    return _review(request, session, runtime.settings.timezone, principal, clean(quarter))


def _review(
    request: Request, session: Session, timezone: str, principal: Principal, asked: str, *,
    suggestion_error: str = "", status_code: int = 200,
) -> HTMLResponse:
    now = datetime.now(UTC)
    tz = ZoneInfo(timezone)
    current = Quarter.containing(now, tz)
    offered = recent_quarters(current, QUARTERS_OFFERED)
    try:
        wanted = Quarter.parse(asked) if asked else current
    except InvalidQuarter as error:
        return render(request, "review/index.html", {
            "nav": "review", "review": None, "error": error.message, "asked": asked,
            "quarters": offered, "chosen": "", "running": False, "last_day": "",
            "snapshots": [], "may_store": False, "suggestions": [],
        }, status_code=422)
    if wanted not in offered:
        offered = sorted([*offered, wanted], reverse=True)
    review = build_review(session, principal=principal, quarter=wanted, now=now, tz=tz)
    future = wanted > current
    reads_all = principal.reads_all
    snapshots = snapshots_of(session, wanted) if reads_all else []
    offered_suggestions = (suggestions(session, review, Period.of(wanted, now, tz))
                           if reads_all else [])
    names = actor_names(session, [*(s.stored_by for s in snapshots),
                                  *(s.decision.actor for s in offered_suggestions if s.decision)])
    return render(request, "review/index.html", {
        "nav": "review", "review": review, "error": "", "asked": asked,
        "quarters": offered, "chosen": str(wanted), "running": wanted == current,
        "future": future, "last_day": wanted.last_day.isoformat(),
        "snapshots": snapshots, "kind_labels": KIND_LABELS, "actor_names": names,
        "may_store": principal.role in STORE_ROLES and not future,
        "suggestions": offered_suggestions,
        "may_decide": principal.role in STORE_ROLES, "suggestion_error": suggestion_error,
    }, status_code=status_code)


@router.post("/review/suggestions", response_class=HTMLResponse)
def decide_page(
    request: Request, form: FormDep, session: SessionDep, runtime: RuntimeDep,
    principal: PagePrincipal,
) -> Response:
    """Accept or dismiss one of the review's suggestions, then show the review again."""
    if principal.role not in STORE_ROLES:
        raise PageNotFound("页面")
    check_form(request, form)
    asked = form_text(form, "quarter")[:8]
    now = datetime.now(UTC)
    tz = ZoneInfo(runtime.settings.timezone)
    try:
        wanted = Quarter.parse(asked)
        kind = SuggestionKind(form_text(form, "kind"))
        decision = Decision(form_text(form, "decision"))
    except (InvalidQuarter, ValueError):
        return _review(request, session, runtime.settings.timezone, principal, asked,
                       suggestion_error="无法识别的建议，请刷新页面后重试", status_code=422)
    review = build_review(session, principal=None, quarter=wanted, now=now, tz=tz)
    try:
        decide(session, review=review, period=Period.of(wanted, now, tz), kind=kind,
               subject=form_text(form, "subject")[:32], decision=decision,
               reason=form_text(form, "reason")[:1000], actor=principal.actor,
               today=now.astimezone(tz).date(), now=now)
    except SuggestionError as error:
        session.rollback()
        return _review(request, session, runtime.settings.timezone, principal, asked,
                       suggestion_error=error.message,
                       status_code=409 if isinstance(error, SuggestionDecided) else 422)
    session.commit()
    return RedirectResponse(f"/review?quarter={wanted}#suggestions", status_code=303)


@router.post("/review/snapshots", response_class=HTMLResponse)
def store_page(
    request: Request, form: FormDep, session: SessionDep, runtime: RuntimeDep,
    principal: PagePrincipal,
) -> Response:
    """Store the chosen quarter's review as handed in (定稿), then show it."""
    if principal.role not in STORE_ROLES:
        raise PageNotFound("页面")
    check_form(request, form)
    note = form_text(form, "note").strip()
    try:
        wanted = Quarter.parse(form_text(form, "quarter"))
        snapshot = store_final(session, quarter=wanted, actor=principal.actor,
                               tz=ZoneInfo(runtime.settings.timezone), note=note[:MAX_NOTE])
    except (InvalidQuarter, QuarterNotStarted) as error:
        return render(request, "review/index.html", {
            "nav": "review", "review": None, "error": error.message, "asked": "",
            "quarters": [], "chosen": "", "running": False, "last_day": "",
            "snapshots": [], "may_store": False, "suggestions": [],
        }, status_code=422)
    session.commit()
    return RedirectResponse(f"/review/snapshots/{snapshot.id}", status_code=303)


@router.get("/review/snapshots/{snapshot_id}", response_class=HTMLResponse)
def snapshot_page(
    snapshot_id: str, request: Request, session: SessionDep, runtime: RuntimeDep,
    principal: PagePrincipal,
) -> HTMLResponse:
    """Show a stored review and each figure that has changed since it was stored."""
    number = parse_int(snapshot_id)
    if not principal.reads_all or number is None:
        raise PageNotFound(f"审查存档 {snapshot_id}")
    snapshot = session.get(ReviewSnapshot, number)
    if snapshot is None:
        raise PageNotFound(f"审查存档 {snapshot_id}")
    tz = ZoneInfo(runtime.settings.timezone)
    quarter = Quarter.parse(snapshot.quarter)
    current = build_review(session, principal=None, quarter=quarter, now=datetime.now(UTC),
                           tz=tz)
    return render(request, "review/snapshot.html", {
        "nav": "review", "snapshot": snapshot, "stored": Review(**snapshot.figures),
        "kind_label": KIND_LABELS.get(snapshot.kind, snapshot.kind),
        "changes": differences(snapshot.figures, current),
        "actor_names": actor_names(session, [snapshot.stored_by]),
    })


@router.get("/review/drill", response_class=HTMLResponse)
def drill_view(
    request: Request, session: SessionDep, runtime: RuntimeDep, principal: PagePrincipal,
    quarter: str = "", figure: str = "", department: str = "", channel: str = "",
    category: str = "", level: str = "", response: str = "", risk_point: str = "",
    measure: str = "", page: str = "",
) -> HTMLResponse:
    """List the records, warnings, signals or risk points behind one figure of the review."""
    now = datetime.now(UTC)
    tz = ZoneInfo(runtime.settings.timezone)
    try:
        wanted = Quarter.parse(clean(quarter)) if clean(quarter) else Quarter.containing(now, tz)
        chosen = Figure(clean(figure))
    except (InvalidQuarter, ValueError):
        raise PageNotFound("审查数据") from None
    drill = Drill(chosen, department=clean(department)[:32], channel=clean(channel)[:64],
                  category=clean(category)[:50], level=clean(level)[:10],
                  response=clean(response)[:16], risk_point=clean(risk_point)[:32],
                  measure=clean(measure)[:16])
    number = page_number(page)
    found = drill_page(session, principal=principal, period=Period.of(wanted, now, tz),
                       drill=drill, offset=(number - 1) * PER_PAGE, limit=PER_PAGE)
    pager = Pager(min(number, max(1, -(-found.total // PER_PAGE))), PER_PAGE, found.total)
    narrowed = [value for value in (drill.department, drill.channel, drill.category,
                                    drill.level, drill.response, drill.risk_point,
                                    measure_label(drill.measure)) if value]
    return render(request, "review/drill.html", {
        "nav": "review", "quarter": wanted, "figure": chosen, "found": found, "pager": pager,
        "narrowed": narrowed, "query": request.url.query,
    })
