"""预警: the list with filters, and one warning with its risk point, signals and events."""

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from warning.auth.numbering import ShownEvent, ShownRecord, shown_record
from warning.auth.principal import Principal
from warning.auth.visibility import reads_proposals
from warning.db.models import Department, RiskPoint, RiskWarning
from warning.domain.enums import Response
from warning.domain.input_text import parse_int
from warning.domain.lifecycle import State
from warning.handling.records import events_of
from warning.queries.actors import trail_names
from warning.queries.departments import (
    department_names,
    department_options,
    risk_point_options,
)
from warning.queries.warnings import (
    Timeline,
    filtered_warnings,
    find_warning,
    subject_shown,
    summary,
    timeline,
    warnings_counted,
)
from warning.services.filter_checks import check_warning_filters
from warning.services.list_filters import WarningFilters
from warning.web.deps import RuntimeDep, SessionDep
from warning.web.pages.action_forms import action_context
from warning.web.pages.render import (
    PageNotFound,
    PagePrincipal,
    Pager,
    clean,
    empty_pager,
    filter_problem,
    page_number,
    paginate,
    render,
)
from warning.web.pages.triage_panels import proposal_panel
from warning.web.routing import SessionRouter

router = SessionRouter()
# The states only a proposal can be in: no filter for them where proposals are not shown.
PROPOSAL_STATES = (State.PROPOSED, State.MERGED, State.DISMISSED)


def list_warnings(
    session: Session, principal: Principal | None, filters: WarningFilters, page: int
) -> tuple[list[dict[str, Any]], Pager]:
    """Return one page of warnings `principal` may see, newest first."""
    rows, pager = paginate(session, filtered_warnings(principal, filters), page,
                           counted=warnings_counted(principal, filters))
    items = [
        summary(w, p, d, r, hidden, principal=principal)
        | {"department_name": d.name if d else None, "overdue_level": r.overdue_level,
           "subject_name": subject_shown(w, d, hidden)}
        for w, p, d, r, hidden in rows
    ]
    return items, pager


@dataclass
class WarningView:
    """One warning with everything its page shows."""

    summary: dict[str, Any]
    warning: RiskWarning
    point: RiskPoint
    department: Department | None
    record: ShownRecord
    signals: Timeline
    events: list[ShownEvent]
    # code -> name of the departments the trail's amendments (研判修改) moved it between
    department_names: dict[str, str] = field(default_factory=dict)


def warning_view(session: Session, principal: Principal | None, warning_id: int) -> WarningView:
    """Return a warning `principal` may see with its timeline and events, or raise 404."""
    row = find_warning(session, principal, warning_id)
    if row is None:
        raise PageNotFound(f"预警 {warning_id}")
    warning, point, department, record, hidden = row
    shown = {"subject_name": subject_shown(warning, department, hidden)}
    events = events_of(session, warning_id=warning_id, principal=principal)
    return WarningView(summary(warning, point, department, record, hidden, principal=principal)
                       | shown, warning, point, department, shown_record(principal, record),
                       timeline(session, principal, warning_id), events,
                       department_names(session, _amended_codes(events)))


def _amended_codes(events: list[ShownEvent]) -> list[str]:
    """Return the department codes the amendments name (a department subject's name is one)."""
    sides = [e.data.get(side) or {} for e in events if e.action == "amend"
             for side in ("before", "after")]
    return [*(s.get("department") or "" for s in sides),
            *(s.get("subject_name") or "" for s in sides if s.get("subject_kind") == "department")]


@router.get("/warnings", response_class=HTMLResponse)
def warnings_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, principal: PagePrincipal,
    department: str | None = None, state: str | None = None, response: str | None = None,
    risk_point: str | None = None, since: str | None = None, until: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    """List warnings with filters; a filter that names nothing is said so above the list."""
    filters = WarningFilters(clean(department), clean(state), clean(response), clean(risk_point),
                             clean(since), clean(until), runtime.settings.timezone)
    problem = filter_problem(lambda: check_warning_filters(session, filters))
    items, pager = (([], empty_pager()) if problem
                    else list_warnings(session, principal, filters, page_number(page)))
    return render(request, "warnings/list.html", {
        "nav": "warnings", "items": items, "pager": pager, "f": filters, "problem": problem,
        "departments": department_options(session, principal),
        "points": risk_point_options(session),
        "states": [s for s in State if reads_proposals(principal) or s not in PROPOSAL_STATES],
        "responses": list(Response),
    })


@router.get("/warnings/{warning_id}", response_class=HTMLResponse)
def warning_page(
    warning_id: str, request: Request, session: SessionDep, principal: PagePrincipal
) -> HTMLResponse:
    """Show one warning: risk point and measures, signals timeline, handling events."""
    number = parse_int(warning_id)
    if number is None:
        raise PageNotFound(f"预警 {warning_id}")
    view = warning_view(session, principal, number)
    context = action_context(principal, view.record, done=request.query_params.get("done"))
    panel = proposal_panel(session, principal, view.warning, view.record,
                           done=request.query_params.get("triaged"))
    names = trail_names(session, view.events, view.department)
    return render(request, "warnings/detail.html", {
        "nav": "warnings", "v": view, "actor_names": names,
        "triage_reader": reads_proposals(principal), **context, **panel})
