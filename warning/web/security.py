"""Who is calling: a bearer token or the session cookie, turned into a Principal."""

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from warning.auth.principal import Principal
from warning.auth.users import principal_for_token
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
    """Return the caller, or answer 401; a token seen in the last seconds needs no lookup.

    The lookup, when needed, runs on a worker thread in a short session of its own. It once
    shared the route's session and kept its pooled connection while the request waited for
    a thread to run the route: under 50 clients such waiters held the whole pool while every
    thread waited for a connection, and the service stalled until the pool timed out.
    """
    runtime = request.app.state.runtime
    token = presented_token(request)
    principal = runtime.principals.cached(token)
    if principal is None and token:
        principal = await run_in_threadpool(runtime.principals.lookup, token,
                                            partial(lookup_principal, runtime.sessions))
    if principal is None:
        raise ApiError(401, "unauthenticated", "需要登录或有效的令牌", "authentication required")
    return principal


def lookup_principal(sessions: sessionmaker[Session], token: str) -> Principal | None:
    """Look a token up in the database."""
    with sessions() as session:
        return principal_for_token(session, token)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """Return a dependency that answers 403 unless the caller has one of `roles`."""

    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise ApiError(403, "forbidden", "无权执行此操作", "not allowed for your role")
        return principal

    return check
