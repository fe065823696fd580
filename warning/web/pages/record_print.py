"""The handling record as printed: A4, Chinese, no menu (《廉洁风险预警处置记录》)."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from warning.domain.input_text import parse_int
from warning.domain.lifecycle import DomainError
from warning.handling.record_form import TITLE, record_form
from warning.web.deps import SessionDep
from warning.web.pages.render import PageNotFound, PagePrincipal, render
from warning.web.routing import SessionRouter

router = SessionRouter()


@router.get("/warnings/{warning_id}/print", response_class=HTMLResponse)
def print_record(
    warning_id: str, request: Request, session: SessionDep, principal: PagePrincipal,
) -> HTMLResponse:
    """Show a warning's handling record laid out as the printed form."""
    number = parse_int(warning_id)
    if number is None:
        raise PageNotFound(f"预警 {warning_id}")
    try:
        form = record_form(session, principal, number)
    except DomainError:
        raise PageNotFound(f"预警 {warning_id}") from None
    return render(request, "records/print.html", {"f": form, "title": TITLE,
                                                 "warning_id": number})
