"""The security log: sign-ins, lockouts, refusals and account changes, for the office."""

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, sessionmaker

from warning.db.models import SecurityEvent

log = logging.getLogger(__name__)

KINDS = {
    "login_ok": "登录成功",
    "login_failed": "登录失败",
    "login_locked": "锁定期间尝试登录",
    "lockout": "账户或地址被锁定",
    "logout": "退出登录",
    "refused": "拒绝访问",
    "token_revoked": "令牌撤销",
    "password_changed": "修改密码",
    "user_disabled": "停用账户",
    "user_enabled": "启用账户",
}


@dataclass(frozen=True)
class Where:
    """Where a request came from and what it asked for."""

    address: str = ""
    method: str = ""
    path: str = ""


def record(
    session: Session, kind: str, *, user_name: str = "", where: Where = Where(),
    status: int | None = None, detail: str = "",
) -> None:
    """Add one event to the log (committed with the caller's transaction)."""
    session.add(SecurityEvent(
        kind=kind, user_name=user_name[:100], address=where.address[:64],
        method=where.method[:8], path=where.path[:300], status=status, detail=detail[:300],
    ))


def record_now(sessions: sessionmaker[Session], kind: str, **fields: object) -> None:
    """Add one event in a transaction of its own; a failure is logged, never raised."""
    try:
        with sessions() as session, session.begin():
            record(session, kind, **fields)  # type: ignore[arg-type]
    except Exception:
        log.warning("could not write the security log (%s)", kind, exc_info=True)


def events_query(
    *, kind: str = "", user_name: str = "", since: datetime | None = None
) -> Select[tuple[SecurityEvent]]:
    """Return the newest-first query of events, filtered."""
    stmt = select(SecurityEvent).order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc())
    if kind:
        stmt = stmt.where(SecurityEvent.kind == kind)
    if user_name:
        stmt = stmt.where(SecurityEvent.user_name == user_name)
    if since is not None:
        stmt = stmt.where(SecurityEvent.at >= since)
    return stmt
