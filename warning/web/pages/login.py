"""Sign in and out of the pages (session cookie; CSRF on the form; throttled sign-in)."""

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from warning.auth.security_log import Where, record
from warning.auth.signin import AccountDisabled, AccountLocked, SignIn, Throttle
from warning.auth.tokens import Lifetimes, check_token, revoke_token
from warning.auth.users import AuthenticationFailed
from warning.runtime import Runtime
from warning.web.pages.csrf import check_form
from warning.web.pages.render import render
from warning.web.routing import SessionRouter
from warning.web.security import SESSION_COOKIE

router = SessionRouter()


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def where(request: Request) -> Where:
    """Return the client address (after trusted-proxy handling), method and path."""
    address = request.client.host if request.client else ""
    return Where(address=address, method=request.method, path=request.url.path)


def sign_ins(runtime: Runtime) -> SignIn:
    """Return the throttled sign-in built from the settings."""
    s = runtime.settings
    return SignIn(
        runtime.sessions,
        Throttle(per_account=s.login_max_failures,
                 per_address=s.login_max_failures_per_address,
                 window=timedelta(minutes=s.login_window_minutes),
                 lockout=timedelta(minutes=s.lockout_minutes)),
        Lifetimes(api=timedelta(days=s.api_token_days), session=timedelta(hours=s.session_hours),
                  idle=timedelta(minutes=s.session_idle_minutes)),
    )


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    """Show the sign-in form."""
    return render(request, "auth/login.html", {"next": _safe_next(next), "error": "", "name": ""})


@router.post("/login")
async def login(
    request: Request, name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password and set the session cookie; count failures, lock, log."""
    check_form(request, await request.form())
    runtime: Runtime = request.app.state.runtime
    headers: dict[str, str] = {}
    try:
        token = await run_in_threadpool(sign_ins(runtime).attempt, name, password,
                                        where(request))
    except (AuthenticationFailed, AccountDisabled, AccountLocked) as error:
        status = {AccountLocked: 429, AccountDisabled: 403}.get(type(error), 401)
        if isinstance(error, AccountLocked):
            wait = (error.until - datetime.now(UTC)).total_seconds()
            headers["Retry-After"] = str(max(1, math.ceil(wait)))
        context = {"next": _safe_next(next), "error": error.message,
                   "error_en": error.message_en, "name": name}
        response = render(request, "auth/login.html", context, status_code=status)
        response.headers.update(headers)
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https",
                        max_age=int(runtime.settings.session_hours * 3600))
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session on the server (the token is revoked) and forget the cookie."""
    check_form(request, await request.form())
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        await run_in_threadpool(_revoke_session, request.app.state.runtime, token,
                                where(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _revoke_session(runtime: Runtime, token: str, place: Where) -> None:
    with runtime.sessions() as session, session.begin():
        checked = check_token(session, token)
        if revoke_token(session, token):
            name = checked.principal.name if checked.principal else ""
            record(session, "logout", user_name=name, where=place)
    runtime.principals.forget(token)
