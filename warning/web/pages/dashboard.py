"""首页: open warnings by state and response, recent signals, channels, departments."""

from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import HTMLResponse

from warning.queries.dashboard import RECENT_DAYS, overview
from warning.web.deps import RuntimeDep, SessionDep
from warning.web.pages.render import PagePrincipal, render
from warning.web.routing import SessionRouter

router = SessionRouter()


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, session: SessionDep, runtime: RuntimeDep, principal: PagePrincipal
) -> HTMLResponse:
    """Show the dashboard."""
    data = overview(session, principal, now=datetime.now(UTC))
    return render(request, "dashboard/index.html", {
        "nav": "home", "o": data, "rules_in_force": len(runtime.rules.describe()),
        "recent_days": RECENT_DAYS,
    })
