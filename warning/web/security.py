"""Who is calling: a bearer token or the session cookie, turned into a Principal."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.users import principal_for_token
from warning.domain.lifecycle import Role
from warning.web.deps import SessionDep
from warning.web.errors import ApiError

SESSION_COOKIE = "qingfeng_session"


def presented_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE, "")


def release_connection(session: Session) -> None:
    """End a read-only lookup's transaction so its pooled connection goes back to the pool.

    Each sync dependency and the route run on their own worker-thread hop. A request that
    kept the lookup's connection while waiting for its route's thread could fill the pool
    with such waiters while every worker waits for a connection: 50 clients stalled the
    service that way until the pool timed out.
    """
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.rollback()


def current_principal(request: Request, session: SessionDep) -> Principal:
    """Return the caller, or answer 401."""
    token = presented_token(request)
    principal = principal_for_token(session, token) if token else None
    release_connection(session)
    if principal is None:
        raise ApiError(401, "unauthenticated", "需要登录或有效的令牌",
                       "authentication required", )
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """Return a dependency that answers 403 unless the caller has one of `roles`."""

    def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise ApiError(403, "forbidden", "无权执行此操作", "not allowed for your role")
        return principal

    return check
