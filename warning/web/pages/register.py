"""风险点清单: the risk register with category, level, department and text filters."""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.db.models import Category, Department, RiskPoint
from warning.domain.enums import Level
from warning.web.deps import SessionDep
from warning.web.pages.render import (
    PagePrincipal,
    Pager,
    clean,
    page_number,
    paginate,
    render,
)

router = APIRouter()


@dataclass(frozen=True)
class RegisterFilters:
    """The register's filters as given in the query string."""

    category: str = ""
    level: str = ""
    department: str = ""
    q: str = ""


def list_points(
    session: Session, principal: Principal | None, filters: RegisterFilters, page: int
) -> tuple[list[Any], Pager]:
    """Return one page of risk points by code; the register is readable by every role."""
    stmt = select(RiskPoint, Department).outerjoin(
        Department, Department.id == RiskPoint.department_id
    )
    if filters.category:
        stmt = stmt.where(RiskPoint.category == filters.category)
    if filters.level:
        stmt = stmt.where(RiskPoint.level == filters.level)
    if filters.department:
        stmt = stmt.where(Department.code == filters.department)
    if filters.q:
        like = f"%{filters.q}%"
        stmt = stmt.where(or_(RiskPoint.code.ilike(like), RiskPoint.name.ilike(like)))
    return paginate(session, stmt.order_by(RiskPoint.code), page)


def categories(session: Session) -> list[str]:
    """Return the configured categories, then any other category the register uses."""
    configured = list(session.scalars(select(Category.name).order_by(Category.position,
                                                                     Category.name)))
    used = session.scalars(select(RiskPoint.category).distinct().order_by(RiskPoint.category))
    return configured + [c for c in used if c not in configured]


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
        "departments": list(session.scalars(select(Department).order_by(Department.code))),
    })
