"""Sign in and out of the pages (session cookie; CSRF on the form)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from warning.auth.users import AuthenticationFailed, sign_in
from warning.web.deps import SessionDep
from warning.web.pages.csrf import check_form
from warning.web.pages.render import render
from warning.web.security import SESSION_COOKIE

router = APIRouter()


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    """Show the sign-in form."""
    return render(request, "auth/login.html", {"next": _safe_next(next), "error": "", "name": ""})


@router.post("/login")
async def login(
    request: Request, session: SessionDep, name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password and set the session cookie."""
    check_form(request, await request.form())
    try:
        token = sign_in(session, name=name.strip(), password=password)
        session.commit()
    except AuthenticationFailed:
        context = {"next": _safe_next(next), "error": "用户名或密码错误", "name": name}
        return render(request, "auth/login.html", context, status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", max_age=12 * 3600)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Forget the session cookie."""
    check_form(request, await request.form())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
