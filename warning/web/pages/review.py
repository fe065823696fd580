"""季度审查: a quarter's review figures, with links to the warnings behind them."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warning.domain.quarter import InvalidQuarter, Quarter, recent_quarters
from warning.review.figures import build_review
from warning.web.deps import RuntimeDep, SessionDep
from warning.web.pages.render import PagePrincipal, clean, render

router = APIRouter()
QUARTERS_OFFERED = 8


@router.get("/review", response_class=HTMLResponse)
def review_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, principal: PagePrincipal,
    quarter: str | None = None,
) -> HTMLResponse:
    """Show a quarter's review (the current quarter unless one is chosen)."""
    now = datetime.now(UTC)
    tz = ZoneInfo(runtime.settings.timezone)
    current = Quarter.containing(now, tz)
    offered = recent_quarters(current, QUARTERS_OFFERED)
    asked = clean(quarter)
    try:
        wanted = Quarter.parse(asked) if asked else current
    except InvalidQuarter as error:
        return render(request, "review/index.html", {
            "nav": "review", "review": None, "error": error.message, "asked": asked,
            "quarters": offered, "chosen": "", "running": False, "last_day": "",
        }, status_code=422)
    if wanted not in offered:
        offered = sorted([*offered, wanted], reverse=True)
    review = build_review(session, principal=principal, quarter=wanted, now=now, tz=tz)
    return render(request, "review/index.html", {
        "nav": "review", "review": review, "error": "", "asked": asked,
        "quarters": offered, "chosen": str(wanted), "running": wanted == current,
        "last_day": wanted.last_day.isoformat(),
    })
