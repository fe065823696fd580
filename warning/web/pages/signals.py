"""信号: the list with filters and paging, and one signal with the warnings it raised."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import reads_signal_decisions
from warning.queries.departments import channel_options, department_options
from warning.queries.signals import SignalView, find_signal, signals_counted, signals_query
from warning.services.filter_checks import check_signal_filters
from warning.services.list_filters import SignalFilters
from warning.web.deps import MAX_ID, RuntimeDep, SessionDep
from warning.web.pages.petition_panel import petition_context
from warning.web.pages.render import (
    SIGNAL_STATUS,
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
from warning.web.pages.triage_panels import signal_panel
from warning.web.routing import SessionRouter

router = SessionRouter()


def list_signals(
    session: Session, principal: Principal | None, filters: SignalFilters, page: int
) -> tuple[list[Any], Pager]:
    """Return one page of signals, newest first, with how many warnings each is on."""
    return paginate(session, signals_query(principal, filters), page,
                    counted=signals_counted(principal, filters))


def signal_view(session: Session, principal: Principal | None, signal_id: int) -> SignalView:
    """Return a signal `principal` may see with its warnings and rule hits, or raise 404."""
    view = find_signal(session, principal, signal_id) if signal_id <= MAX_ID else None
    if view is None:
        raise PageNotFound(f"信号 {signal_id}")
    return view


def filter_options(session: Session, principal: Principal | None) -> dict[str, Any]:
    """Return the channels and departments the filters and the form offer."""
    return {"channels": channel_options(session, principal),
            "departments": department_options(session, principal)}


@router.get("/signals", response_class=HTMLResponse)
def signals_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, principal: PagePrincipal,
    channel: str | None = None, department: str | None = None, status: str | None = None,
    q: str | None = None, since: str | None = None, until: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    """List signals with filters; a filter that names nothing is said so above the list."""
    filters = SignalFilters(clean(channel), clean(department), clean(status), clean(q),
                            clean(since), clean(until), runtime.settings.timezone)
    problem = filter_problem(lambda: check_signal_filters(session, filters))
    rows, pager = (([], empty_pager()) if problem
                   else list_signals(session, principal, filters, page_number(page)))
    return render(request, "signals/list.html", {
        "nav": "signals", "rows": rows, "pager": pager, "f": filters, "problem": problem,
        "statuses": SIGNAL_STATUS, "decisions_shown": reads_signal_decisions(principal),
        **filter_options(session, principal),
    })


@router.get("/signals/{signal_id:int}", response_class=HTMLResponse)
def signal_page(
    signal_id: int, request: Request, session: SessionDep, principal: PagePrincipal,
    result: str | None = None, triaged: str | None = None,
) -> HTMLResponse:
    """Show one signal, the warnings it raised and, for petitions, its case."""
    return detail_page(request, session, principal, signal_id, result=clean(result),
                       triaged=clean(triaged))


def detail_page(
    request: Request, session: Session, principal: Principal, signal_id: int, *,
    result: str = "", status_code: int = 200, triaged: str = "",
    triage: dict[str, Any] | None = None, **petition: Any,
) -> HTMLResponse:
    """Render a signal's page; `petition` carries a reveal's outcome to the reporter panel,
    `triage` a refused 研判 form to the office's panel."""
    view = signal_view(session, principal, signal_id)
    panel = triage or signal_panel(session, principal, view.signal, done=triaged)
    extra = petition_context(request, session, principal, signal_id=signal_id,
                             confidential=view.channel.confidential,
                             department_id=view.signal.department_id, **petition)
    return render(request, "signals/detail.html", {
        "nav": "signals", "v": view, "result": result, **extra, **panel,
    }, status_code=status_code)
