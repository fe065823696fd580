"""待办: the open records awaiting the signed-in user, nearest deadline first."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from warning.queries.inbox import PAGE_ROWS, inbox_overdue, inbox_rows
from warning.web.deps import SessionDep
from warning.web.pages.render import PagePrincipal, render
from warning.web.routing import SessionRouter

router = SessionRouter()


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, session: SessionDep, principal: PagePrincipal) -> HTMLResponse:
    """List the records awaiting the signed-in user."""
    rows = inbox_rows(session, principal, limit=PAGE_ROWS + 1)
    # Overdue rows come first, so only a full page can hide more of them.
    overdue = sum(r.overdue for r in rows[:PAGE_ROWS])
    if len(rows) > PAGE_ROWS and rows[PAGE_ROWS - 1].overdue:
        overdue = inbox_overdue(session, principal)
    return render(request, "inbox/list.html", {
        "nav": "inbox", "rows": rows[:PAGE_ROWS], "more": len(rows) > PAGE_ROWS,
        "shown": PAGE_ROWS, "overdue": overdue,
    })
