"""风险点清单: the risk register with category, level, department and text filters."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.domain.enums import Level
from warning.queries.catalog import categories, departments, risk_points_query
from warning.services.list_filters import RegisterFilters
from warning.web.deps import SessionDep
from warning.web.pages.render import (
    PagePrincipal,
    Pager,
    clean,
    page_number,
    paginate,
    render,
)
from warning.web.routing import SessionRouter

router = SessionRouter()


def list_points(
    session: Session, principal: Principal | None, filters: RegisterFilters, page: int
) -> tuple[list[Any], Pager]:
    """Return one page of risk points by code; the register is readable by every role."""
    return paginate(session, risk_points_query(filters), page)


@router.get("/register", response_class=HTMLResponse)
def register_page(
    request: Request, session: SessionDep, principal: PagePrincipal,
    category: str | None = None, level: str | None = None, department: str | None = None,
    q: str | None = None, page: str | None = None,
) -> HTMLResponse:
    """List the risk register with filters."""
    filters = RegisterFilters(clean(category), clean(level), clean(department), clean(q))
    rows, pager = list_points(session, principal, filters, page_number(page))
    return render(request, "register/list.html", {
        "nav": "register", "rows": rows, "pager": pager, "f": filters,
        "categories": categories(session), "levels": list(Level),
        "departments": departments(session),
    })
