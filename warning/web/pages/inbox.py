"""待办: the open records awaiting the signed-in user, nearest deadline first."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warning.queries.inbox import inbox_rows
from warning.web.deps import SessionDep
from warning.web.pages.render import PagePrincipal, render

router = APIRouter()


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, session: SessionDep, principal: PagePrincipal) -> HTMLResponse:
    """List the records awaiting the signed-in user."""
    rows = inbox_rows(session, principal)
    return render(request, "inbox/list.html", {
        "nav": "inbox", "rows": rows, "overdue": sum(r.overdue for r in rows),
    })
