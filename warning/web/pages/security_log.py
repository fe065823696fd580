"""安全日志: sign-ins, lockouts, refusals and account changes, for the office and admins."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from warning.auth.security_log import KINDS, events_query
from warning.web.deps import SessionDep
from warning.web.pages.notices import office_only
from warning.web.pages.render import PagePrincipal, clean, page_number, paginate, render
from warning.web.routing import SessionRouter

router = SessionRouter()


@router.get("/security-log", response_class=HTMLResponse)
def security_log_page(
    request: Request, session: SessionDep, principal: PagePrincipal,
    kind: str | None = None, user: str | None = None, page: str | None = None,
) -> HTMLResponse:
    """List security events, newest first, filtered by kind and user name."""
    office_only(principal)
    chosen = clean(kind) if clean(kind) in KINDS else ""
    rows, pager = paginate(session, events_query(kind=chosen, user_name=clean(user)),
                           page_number(page))
    return render(request, "security/log.html", {
        "nav": "security", "items": [row[0] for row in rows], "pager": pager,
        "kind": chosen, "user": clean(user), "kinds": list(KINDS.items()), "labels": KINDS,
    })
