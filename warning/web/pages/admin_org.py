"""单位组织管理: departments, their leaders, posts and people, one form per change.

Each form is one row of the organisation file and goes through the same validation as
`qingfeng org import`, so the pages and the file can never disagree on what is valid.
"""

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.responses import Response

from warning.auth.principal import Principal
from warning.db.models import Department, Person, Post, Unit
from warning.domain.lifecycle import Role
from warning.org.files import OrgFileError
from warning.org.service import import_org_rows
from warning.register.rows import RawRow
from warning.web.deps import SessionDep
from warning.web.pages.csrf import check_form, form_text
from warning.web.pages.render import PageNotFound, PagePrincipal, render
from warning.web.routing import SessionRouter

router = SessionRouter()

# form name -> the organisation-file fields it may carry
FORMS: dict[str, tuple[str, ...]] = {
    "department": ("unit_code", "unit", "department_code", "department"),
    "leader": ("department_code", "leader"),
    "post": ("department_code", "post"),
    "person": ("department_code", "person", "post", "title", "email"),
}
DONE = {"department": "部门已保存", "leader": "分管领导已设置", "post": "岗位已添加",
        "person": "人员已保存"}


def admin_only(principal: Principal) -> None:
    """Only admins manage the organisation and users; others are told the page does not exist."""
    if principal.role is not Role.ADMIN:
        raise PageNotFound("页面")


def org_view(session: Session) -> dict[str, object]:
    """Return the units, departments (with leader) and their posts and people."""
    departments = list(session.scalars(
        select(Department).options(selectinload(Department.leader), selectinload(Department.unit))
        .order_by(Department.code)))
    posts: dict[int, list[Post]] = {}
    for post in session.scalars(select(Post).order_by(Post.id)):
        posts.setdefault(post.department_id, []).append(post)
    people: dict[int | None, list[Person]] = {}
    for person in session.scalars(select(Person).options(selectinload(Person.post))
                                  .order_by(Person.id)):
        people.setdefault(person.department_id, []).append(person)
    return {"units": list(session.scalars(select(Unit).order_by(Unit.code))),
            "departments": departments, "posts": posts, "people": people}


def _page(request: Request, session: Session, **context: object) -> HTMLResponse:
    status = 422 if context.get("errors") else 200
    return render(request, "admin/org.html", {
        "nav": "admin", "errors": [], "done": "", "form": "", "values": {},
        **org_view(session), **context,
    }, status_code=status)


@router.get("/admin/org", response_class=HTMLResponse)
def org_page(
    request: Request, session: SessionDep, principal: PagePrincipal, done: str = ""
) -> HTMLResponse:
    """Show the organisation with a form for each kind of change."""
    admin_only(principal)
    return _page(request, session, done=DONE.get(done, ""))


async def _change(request: Request, form_name: str, session: Session,
                  principal: Principal) -> Response:
    """Apply one form as one organisation row; show every problem in Chinese, else go back."""
    admin_only(principal)
    form = await request.form()
    check_form(request, form)
    values = {name: form_text(form, name).strip() for name in FORMS[form_name]}
    try:
        import_org_rows(session, [RawRow(0, {k: v for k, v in values.items() if v})])
    except OrgFileError as error:
        session.rollback()
        errors = [problem.message for problem in error.problems]
        return _page(request, session, errors=errors, form=form_name, values=values)
    session.commit()
    return RedirectResponse(f"/admin/org?done={form_name}", status_code=303)


@router.post("/admin/org/department", response_class=HTMLResponse)
async def department_form(request: Request, session: SessionDep,
                          principal: PagePrincipal) -> Response:
    """Add or rename a department (and its unit)."""
    return await _change(request, "department", session, principal)


@router.post("/admin/org/leader", response_class=HTMLResponse)
async def leader_form(request: Request, session: SessionDep,
                      principal: PagePrincipal) -> Response:
    """Set a department's supervising leader."""
    return await _change(request, "leader", session, principal)


@router.post("/admin/org/post", response_class=HTMLResponse)
async def post_form(request: Request, session: SessionDep, principal: PagePrincipal) -> Response:
    """Add a post to a department."""
    return await _change(request, "post", session, principal)


@router.post("/admin/org/person", response_class=HTMLResponse)
async def person_form(request: Request, session: SessionDep,
                      principal: PagePrincipal) -> Response:
    """Add or change a person."""
    return await _change(request, "person", session, principal)
