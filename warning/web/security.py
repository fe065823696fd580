"""Who is calling: a bearer token or the session cookie, turned into a Principal."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from warning.auth.principal import Principal
from warning.auth.tokens import TokenCheck, TokenRefused, check_token, touch
from warning.domain.lifecycle import Role
from warning.web.errors import ApiError

SESSION_COOKIE = "qingfeng_session"


def presented_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE, "")


async def current_principal(request: Request) -> Principal:
    """Return the caller, or answer 401 saying why; an API token seen lately needs no lookup.

    Only API tokens are remembered (for QINGFENG_TOKEN_CACHE_SECONDS): sessions are looked
    up on every request, so signing out ends a session at once in every process.
    The lookup runs on a worker thread in a short session of its own (not the route's,
    which must not hold a pooled connection while the request waits for a thread).
    """
    runtime = request.app.state.runtime
    token = presented_token(request)
    principal = runtime.principals.cached(token)
    if principal is None:
        idle = timedelta(minutes=runtime.settings.session_idle_minutes)
        checked = await run_in_threadpool(look_up, runtime.sessions, token, idle)
        if checked.refused is not None or checked.principal is None:
            problem = checked.refused or TokenRefused("需要登录", "authentication required")
            raise ApiError(401, "unauthenticated", problem.message, problem.message_en)
        principal = checked.principal
        if checked.kind == "api":
            runtime.principals.remember(token, principal)
    request.state.principal = principal
    return principal


def look_up(sessions: sessionmaker[Session], token: str, idle: timedelta) -> TokenCheck:
    """Check a token in the database; record a session's use (at most once a minute)."""
    with sessions() as session:
        checked = check_token(session, token, idle=idle)
        if checked.principal is not None and checked.kind == "session" and touch(
            session, token
        ):
            session.commit()
        return checked


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """Return a dependency that answers 403 unless the caller has one of `roles`."""

    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise ApiError(403, "forbidden", "无权执行此操作", "not allowed for your role")
        return principal

    return check
