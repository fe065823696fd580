"""用户管理: create users, change role and departments, disable, reset passwords (admin)."""

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.datastructures import FormData
from starlette.responses import Response

from warning.auth.principal import Principal
from warning.auth.user_admin import change_user, create_user, reset_password, set_active
from warning.auth.users import UserError
from warning.db.models import Department, SupervisedDepartment, User
from warning.domain.input_text import parse_int
from warning.domain.lifecycle import DomainError, Role
from warning.web.deps import SessionDep
from warning.web.pages.admin_org import admin_only
from warning.web.pages.csrf import check_form, form_text
from warning.web.pages.render import PagePrincipal, render
from warning.web.routing import SessionRouter

router = SessionRouter()
DONE = {"changed": "用户已修改", "enabled": "用户已启用",
        "disabled": "用户已停用，其登录与令牌已失效"}


def _page(request: Request, session: Session, status_code: int = 200,
          **context: object) -> HTMLResponse:
    users = list(session.scalars(select(User).options(selectinload(User.department))
                                 .order_by(User.name)))
    supervised: dict[int, list[str]] = {}
    for user_id, code in session.execute(
        select(SupervisedDepartment.user_id, Department.code)
        .join(Department, Department.id == SupervisedDepartment.department_id)
    ):
        supervised.setdefault(user_id, []).append(code)
    return render(request, "admin/users.html", {
        "nav": "admin", "users": users, "supervised": supervised, "roles": list(Role),
        "departments": list(session.scalars(select(Department).order_by(Department.code))),
        "error": "", "done": "", "shown_password": None, **context,
    }, status_code=status_code)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request, session: SessionDep, principal: PagePrincipal, done: str = ""
) -> HTMLResponse:
    """List users with forms to change them."""
    admin_only(principal)
    return _page(request, session, done=DONE.get(done, ""))


def _commit_revoked(request: Request, session: Session) -> None:
    """Commit a change that revoked a user's tokens, and forget every token this process
    remembers: a revoked one is not honoured from the cache for its remaining seconds."""
    session.commit()
    request.app.state.runtime.principals.clear()


async def _form(request: Request, principal: Principal) -> FormData:
    admin_only(principal)
    form = await request.form()
    check_form(request, form)
    return form


def _text(form: FormData, name: str) -> str:
    return form_text(form, name).strip()


def _user_id(form: FormData) -> int:
    user_id = parse_int(_text(form, "user_id"))
    if user_id is None:
        raise UserError("未指定用户", "no user_id")
    return user_id


def _codes(form: FormData) -> list[str]:
    return [str(code) for code in form.getlist("supervises") if str(code).strip()]


@router.post("/admin/users", response_class=HTMLResponse)
async def add_user_form(
    request: Request, session: SessionDep, principal: PagePrincipal
) -> Response:
    """Create a user and show the new password once."""
    form = await _form(request, principal)
    try:
        user, password = create_user(
            session, name=_text(form, "name"), role=_text(form, "role"),
            department_code=_text(form, "department") or None, supervises=_codes(form),
            email=_text(form, "email"))
    except DomainError as error:
        session.rollback()
        return _page(request, session, 422, error=error.message)
    session.commit()
    return _page(request, session, shown_password=(user.name, password),
                 done=f"已添加用户 {user.name}")


@router.post("/admin/users/change", response_class=HTMLResponse)
async def change_user_form(
    request: Request, session: SessionDep, principal: PagePrincipal
) -> Response:
    """Change a user's role, department and supervised departments."""
    form = await _form(request, principal)
    try:
        change_user(session, user_id=_user_id(form), role=_text(form, "role"),
                    department_code=_text(form, "department") or None, supervises=_codes(form))
    except DomainError as error:
        session.rollback()
        return _page(request, session, 422, error=error.message)
    _commit_revoked(request, session)
    return RedirectResponse("/admin/users?done=changed", status_code=303)


@router.post("/admin/users/active", response_class=HTMLResponse)
async def active_form(
    request: Request, session: SessionDep, principal: PagePrincipal
) -> Response:
    """Disable or enable a user."""
    form = await _form(request, principal)
    active = _text(form, "active") == "1"
    try:
        set_active(session, user_id=_user_id(form), active=active, by=principal.user_id)
    except DomainError as error:
        session.rollback()
        return _page(request, session, 422, error=error.message)
    _commit_revoked(request, session)
    done = "enabled" if active else "disabled"
    return RedirectResponse(f"/admin/users?done={done}", status_code=303)


@router.post("/admin/users/password", response_class=HTMLResponse)
async def password_form(
    request: Request, session: SessionDep, principal: PagePrincipal
) -> Response:
    """Reset a user's password and show the new one once."""
    form = await _form(request, principal)
    try:
        user, password = reset_password(session, user_id=_user_id(form))
    except DomainError as error:
        session.rollback()
        return _page(request, session, 422, error=error.message)
    _commit_revoked(request, session)
    return _page(request, session, shown_password=(user.name, password),
                 done=f"已重置 {user.name} 的密码，其原有登录已失效")
