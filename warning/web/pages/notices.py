"""通知投递: the office's view of every notice and how each delivery went."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from warning.auth.principal import Principal
from warning.auth.visibility import reads_notices
from warning.notify.messages import KIND_TITLES
from warning.notify.tracking import (
    CHANNEL_LABELS,
    DELIVERY_STATUS_LABELS,
    NoticeState,
    list_notices,
    state_filter,
)
from warning.web.deps import SessionDep
from warning.web.pages.render import PageNotFound, PagePrincipal, Pager, page_number, render
from warning.web.routing import SessionRouter

router = SessionRouter()
PER_PAGE = 50


def office_only(principal: Principal) -> None:
    """Only the office sees delivery state; others are told the page does not exist."""
    if not reads_notices(principal):
        raise PageNotFound("页面")


@router.get("/notices", response_class=HTMLResponse)
def notices_page(
    request: Request, session: SessionDep, principal: PagePrincipal,
    state: str | None = None, page: str | None = None,
) -> HTMLResponse:
    """List notices with their deliveries, filtered by state."""
    office_only(principal)
    chosen = state_filter(state)
    number = page_number(page)
    items, total = list_notices(session, state=chosen, limit=PER_PAGE,
                                offset=(number - 1) * PER_PAGE)
    pager = Pager(number, PER_PAGE, total)
    return render(request, "notices/list.html", {
        "nav": "notices", "items": items, "pager": pager,
        "state": chosen.value if chosen else "",
        "states": [(s.value, s.label) for s in NoticeState],
        "kinds": KIND_TITLES, "channels": CHANNEL_LABELS, "statuses": DELIVERY_STATUS_LABELS,
    })
