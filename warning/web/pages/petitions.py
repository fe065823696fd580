"""信访举报 pages: reveal a petition's reporter with a reason, and the cases with repeats."""

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.dedup.cases import CaseFilters, cases_query
from warning.domain.input_text import parse_int
from warning.domain.lifecycle import DomainError
from warning.petitions.errors import ReporterKeyError, ReporterNotFound, RevealRefused
from warning.petitions.service import reveal_reporter
from warning.web.deps import SessionDep
from warning.web.pages.csrf import check_form, form_text
from warning.web.pages.petition_panel import cipher_or_problem, may_reveal
from warning.web.pages.render import (
    PageNotFound,
    PagePrincipal,
    clean,
    page_number,
    paginate,
    render,
)
from warning.web.pages.signals import detail_page, filter_options, signal_view
from warning.web.routing import SessionRouter

router = SessionRouter()


@router.post("/signals/{signal_id}/reveal", response_class=HTMLResponse)
async def reveal_page(
    signal_id: str, request: Request, session: SessionDep, principal: PagePrincipal
) -> HTMLResponse:
    """Show a confidential signal's reporter on this response only, logging who asked and why."""
    number = parse_int(signal_id)
    if number is None or not may_reveal(principal):
        raise PageNotFound(f"信号 {signal_id}")
    form = await request.form()
    check_form(request, form)
    view = signal_view(session, principal, number)
    if not view.channel.confidential:
        raise PageNotFound(f"信号 {signal_id}")
    reason = form_text(form, "reason").strip()
    cipher, key_problem = cipher_or_problem(request)
    try:
        revealed = reveal_reporter(session, signal_id=view.signal.id, principal=principal,
                                   reason=reason, cipher=cipher)
        session.commit()
    except DomainError as error:
        session.rollback()
        keyless = isinstance(error, ReporterKeyError) and key_problem
        return _refused(request, session, principal, view.signal.id,
                        key_problem if keyless else error.message, reason, _status(error))
    response = detail_page(request, session, principal, view.signal.id, revealed=revealed)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(
    request: Request, session: Session, principal: Principal, signal_id: int, message: str,
    reason: str, status_code: int,
) -> HTMLResponse:
    return detail_page(request, session, principal, signal_id, error=message, reason=reason,
                       status_code=status_code)


def _status(error: DomainError) -> int:
    if isinstance(error, ReporterNotFound):
        return 404
    if isinstance(error, ReporterKeyError):
        return 503
    if isinstance(error, RevealRefused) and "field" not in error.details:
        return 403
    return 422


@router.get("/cases", response_class=HTMLResponse)
def cases_page(
    request: Request, session: SessionDep, principal: PagePrincipal,
    channel: str | None = None, department: str | None = None, page: str | None = None,
) -> HTMLResponse:
    """List the cases reported more than once (重复信访), latest report first."""
    filters = CaseFilters(clean(channel), clean(department))
    rows, pager = paginate(session, cases_query(principal, filters), page_number(page))
    options = filter_options(session, principal)
    options["channels"] = [c for c in options["channels"] if c.confidential]
    return render(request, "signals/cases.html", {
        "nav": "signals", "rows": rows, "pager": pager, "f": filters, **options,
    })
