"""搜索: one box in the header, over the signals and warnings the user may see."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from warning.queries.search import search
from warning.web.deps import SessionDep
from warning.web.pages.render import PagePrincipal, clean, render
from warning.web.routing import SessionRouter

router = SessionRouter()


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, session: SessionDep, principal: PagePrincipal,
                q: str | None = None) -> HTMLResponse:
    """Show what matches `q` among the signals and warnings the user may see."""
    asked = clean(q)[:200]
    results = search(session, principal, asked) if asked else None
    return render(request, "search/results.html", {"nav": "", "asked": asked,
                                                   "results": results})
