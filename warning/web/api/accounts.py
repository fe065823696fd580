"""API tokens (list and revoke, for their owner or an admin) and the security log (office)."""

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from warning.auth.principal import Principal
from warning.auth.security_log import KINDS, Where, events_query, record
from warning.auth.tokens import list_tokens, revoke_tokens, token_state
from warning.db.models import ApiToken, User
from warning.domain.lifecycle import Role
from warning.web.deps import IdPath, SessionDep
from warning.web.errors import ApiError
from warning.web.routing import SessionRouter
from warning.web.security import PrincipalDep, require_roles

router = SessionRouter(prefix="/api", tags=["accounts"])
OfficeDep = Annotated[Principal, Depends(require_roles(Role.OFFICE, Role.ADMIN))]


class TokenOut(BaseModel):
    id: int
    kind: str = Field(description="api | session")
    label: str
    state: str = Field(description="live | expired | revoked")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class SecurityEventOut(BaseModel):
    id: int
    at: datetime
    kind: str
    kind_label: str
    user_name: str
    address: str
    method: str
    path: str
    status: int | None
    detail: str


def _token_owner(session: SessionDep, principal: Principal, user: str | None) -> int:
    if not user or user == principal.name:
        return principal.user_id
    if principal.role is not Role.ADMIN:
        raise ApiError(403, "forbidden", "只能查看自己的令牌", "only your own tokens")
    found = session.scalar(select(User.id).where(User.name == user))
    if found is None:
        raise ApiError(404, "not_found", f"用户 {user} 不存在", f"no user {user!r}")
    return found


@router.get("/tokens", response_model=list[TokenOut])
def tokens(
    principal: PrincipalDep, session: SessionDep,
    user: Annotated[str | None, Query(description="another user's name (admin only)")] = None,
) -> list[TokenOut]:
    """List a user's API tokens and sessions (never their values: only hashes are kept)."""
    owner = _token_owner(session, principal, user)
    return [TokenOut(id=t.id, kind=t.kind, label=t.label, state=token_state(t),
                     created_at=t.created_at, expires_at=t.expires_at,
                     last_used_at=t.last_used_at, revoked_at=t.revoked_at)
            for t in list_tokens(session, owner)]


@router.delete("/tokens/{token_id}", status_code=204)
def revoke(token_id: IdPath, principal: PrincipalDep, session: SessionDep,
           request: Request) -> None:
    """Revoke one token or session of yours (an admin: anyone's)."""
    stored = session.get(ApiToken, token_id)
    if stored is None or (stored.user_id != principal.user_id and principal.role is not Role.ADMIN):
        raise ApiError(404, "not_found", f"令牌 {token_id} 不存在", f"no token {token_id}")
    if stored.revoked_at is not None:
        raise ApiError(409, "already_revoked", f"令牌 {token_id} 已撤销",
                       f"token {token_id} is already revoked")
    revoke_tokens(session, user_id=stored.user_id, token_id=token_id)
    record(session, "token_revoked", user_name=principal.name, detail=f"令牌 {token_id}",
           where=Where(request.client.host if request.client else "", "DELETE",
                       request.url.path))
    session.commit()
    request.app.state.runtime.principals.forget_digest(stored.token_hash)


@router.get("/security-log", response_model=list[SecurityEventOut])
def security_log(
    _: OfficeDep, session: SessionDep,
    kind: Annotated[str, Query(description="one of " + ", ".join(KINDS))] = "",
    user: Annotated[str, Query(description="a user name")] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[SecurityEventOut]:
    """The security log, newest first: sign-ins, lockouts, refusals, account changes."""
    if kind and kind not in KINDS:
        raise ApiError(422, "invalid_request", f"未知事件类型 {kind}", f"unknown kind {kind!r}")
    rows = session.scalars(events_query(kind=kind, user_name=user).limit(limit))
    return [SecurityEventOut(id=e.id, at=e.at, kind=e.kind, kind_label=KINDS.get(e.kind, e.kind),
                             user_name=e.user_name, address=e.address, method=e.method,
                             path=e.path, status=e.status, detail=e.detail) for e in rows]
