"""API tokens and sessions: issue, look up (expiry, idle time), list and revoke."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.secrets import TOKEN_PREFIX, new_token, token_digest
from warning.db.models import ApiToken, User
from warning.domain.lifecycle import DomainError, Role

API_LIFETIME = timedelta(days=90)
SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(minutes=30)
# A session's last use is written at most this often, not on every request.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Lifetimes:
    """How long tokens live: API tokens, sessions, and a session's idle limit."""

    api: timedelta = API_LIFETIME
    session: timedelta = SESSION_LIFETIME
    idle: timedelta = SESSION_IDLE


class TokenRefused(DomainError):
    code = "unauthenticated"


class TokenNotFound(DomainError):
    code = "not_found"


def issue_token(
    session: Session, *, user: User, kind: str = "api", label: str = "",
    now: datetime | None = None, lifetime: timedelta | None = None,
) -> str:
    """Create a token for `user` and return it; only its hash is kept."""
    token = new_token()
    now = now or datetime.now(UTC)
    lifetime = lifetime or (SESSION_LIFETIME if kind == "session" else API_LIFETIME)
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), kind=kind,
                         label=label, created_at=now, expires_at=now + lifetime,
                         last_used_at=now))
    return token


@dataclass(frozen=True)
class TokenCheck:
    """What a presented token is: its principal (None if refused), kind, and why refused."""

    principal: Principal | None
    kind: str = ""
    refused: TokenRefused | None = None


def check_token(
    session: Session, token: str, now: datetime | None = None, idle: timedelta = SESSION_IDLE
) -> TokenCheck:
    """Look a token up: unknown, malformed, revoked, expired, idle, or a disabled user's."""
    if not token:
        return TokenCheck(None, refused=TokenRefused("需要登录或有效的令牌",
                                                     "authentication required"))
    found = _find(session, token)
    if found is None:
        return TokenCheck(None, refused=TokenRefused("令牌无效或格式不正确",
                                                     "unknown or malformed token"))
    user, stored = found
    refused = _refusal(user, stored, now or datetime.now(UTC), idle)
    if refused is not None:
        return TokenCheck(None, stored.kind, refused)
    return TokenCheck(principal_of(user), stored.kind)


def principal_for_token(
    session: Session, token: str, now: datetime | None = None,
    idle: timedelta = SESSION_IDLE,
) -> Principal | None:
    """Return the principal a token belongs to, or None if it is refused."""
    return check_token(session, token, now, idle).principal


def _find(session: Session, token: str) -> tuple[User, ApiToken] | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.execute(
        select(User, ApiToken).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(token))
    ).first()
    return None if row is None else (row[0], row[1])


def _refusal(user: User, stored: ApiToken, now: datetime, idle: timedelta) -> TokenRefused | None:
    if stored.revoked_at is not None:
        return TokenRefused("令牌已撤销（或已退出登录）", "token revoked (or signed out)")
    if stored.expires_at is not None and stored.expires_at <= now:
        return TokenRefused("令牌已过期", "token expired")
    if stored.kind == "session" and stored.last_used_at is not None and (
        now - stored.last_used_at > idle
    ):
        return TokenRefused("长时间未操作，请重新登录", "session idle too long, sign in again")
    if not user.is_active:
        return TokenRefused("账户已停用", "account disabled")
    return None


def touch(session: Session, token: str, now: datetime | None = None) -> bool:
    """Record a session's use if the last record is older than TOUCH_EVERY; tell if written."""
    now = now or datetime.now(UTC)
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == token_digest(token), ApiToken.kind == "session",
               ApiToken.last_used_at < now - TOUCH_EVERY)
        .values(last_used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_token(session: Session, token: str, now: datetime | None = None) -> bool:
    """Revoke the presented token (sign-out); tell whether it was live."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or datetime.now(UTC))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_tokens(
    session: Session, *, user_id: int, token_id: int | None = None, kind: str | None = None,
    now: datetime | None = None,
) -> int:
    """Revoke a user's live tokens (one by id, or of one kind, or all); return how many."""
    stmt = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if token_id is not None:
        stmt = stmt.where(ApiToken.id == token_id)
    if kind is not None:
        stmt = stmt.where(ApiToken.kind == kind)
    result = session.execute(stmt.values(revoked_at=now or datetime.now(UTC)))
    return int(result.rowcount)  # type: ignore[attr-defined]


def list_tokens(session: Session, user_id: int, *, live_only: bool = False) -> list[ApiToken]:
    """Return a user's tokens, newest first (never their value: only a hash is kept)."""
    stmt = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    if live_only:
        stmt = stmt.where(ApiToken.revoked_at.is_(None))
    return list(session.scalars(stmt))


def token_state(stored: ApiToken, now: datetime | None = None) -> str:
    """Return `revoked`, `expired` or `live`."""
    if stored.revoked_at is not None:
        return "revoked"
    if stored.expires_at is not None and stored.expires_at <= (now or datetime.now(UTC)):
        return "expired"
    return "live"


def principal_of(user: User) -> Principal:
    """Return the principal for a user row."""
    return Principal(user_id=user.id, name=user.name, role=Role(user.role),
                     department_id=user.department_id, person_id=user.person_id)
