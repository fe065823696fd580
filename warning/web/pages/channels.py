"""渠道: the channels signals arrive through, with their kind and health."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.channels.health import channel_health
from warning.queries.catalog import channels_with_departments
from warning.web.deps import SessionDep
from warning.web.pages.render import PagePrincipal, render
from warning.web.routing import SessionRouter

router = SessionRouter()


def list_channels(session: Session, principal: Principal | None) -> list[dict[str, Any]]:
    """Return every channel with its health and default department."""
    rows = channels_with_departments(session)
    return [{"c": c, "department": d, "health": channel_health(c)} for c, d in rows]


@router.get("/channels", response_class=HTMLResponse)
def channels_page(request: Request, session: SessionDep, principal: PagePrincipal) -> HTMLResponse:
    """List the channels."""
    return render(request, "channels/list.html", {
        "nav": "channels", "rows": list_channels(session, principal),
    })
