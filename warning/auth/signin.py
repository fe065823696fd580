"""Sign-in with throttling: failures counted per account and per address in the database.

Every process and worker reads and writes the same `login_failures` and `login_locks`
rows, so a lockout holds whichever process answers the next attempt. Names that do not
exist are counted and locked like real ones, and their passwords are checked against a
dummy hash: neither the answer nor its time tells which names exist.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from warning.auth.secrets import verify_password
from warning.auth.security_log import Where, record
from warning.auth.tokens import Lifetimes, issue_token
from warning.auth.users import AuthenticationFailed
from warning.db.models import LoginFailure, LoginLock, User
from warning.domain.lifecycle import DomainError


@dataclass(frozen=True)
class Throttle:
    """How many failures within `window` lock an account or an address, and for how long."""

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


class AccountLocked(DomainError):
    code = "account_locked"

    def __init__(self, message: str, message_en: str, until: datetime) -> None:
        super().__init__(message, message_en, until=until.isoformat())
        self.until = until


class AccountDisabled(DomainError):
    code = "account_disabled"


class SignIn:
    """Check passwords, count failures, lock, and log every attempt."""

    def __init__(self, sessions: sessionmaker[Session], throttle: Throttle = Throttle(),
                 lifetimes: Lifetimes | None = None) -> None:
        self.sessions = sessions
        self.throttle = throttle
        self.lifetimes = lifetimes or Lifetimes()

    def attempt(self, name: str, password: str, where: Where,
                now: datetime | None = None) -> str:
        """Return a new session token, or raise AccountLocked, AccountDisabled or
        AuthenticationFailed; each outcome is logged and committed."""
        now = now or datetime.now(UTC)
        name = name.strip()[:100]
        with self.sessions() as session:
            locked_until = self._locked_until(session, name, where.address, now)
            if locked_until is not None:
                record(session, "login_locked", user_name=name, where=where, status=429)
                session.commit()
                raise _locked(locked_until, now)
            user = session.scalar(select(User).where(User.name == name))
            if not verify_password(user.password_hash if user else "", password):
                self._fail(session, name, where, now)
                session.commit()
                raise AuthenticationFailed("用户名或密码错误", "wrong user name or password")
            assert user is not None
            if not user.is_active:
                record(session, "login_failed", user_name=name, where=where, status=403,
                       detail="账户已停用")
                session.commit()
                raise AccountDisabled("账户已停用，请联系管理员", "account disabled")
            session.execute(delete(LoginFailure).where(LoginFailure.user_name == name))
            token = issue_token(session, user=user, kind="session", now=now,
                                lifetime=self.lifetimes.session)
            record(session, "login_ok", user_name=name, where=where, status=303)
            session.commit()
            return token

    def _locked_until(self, session: Session, name: str, address: str,
                      now: datetime) -> datetime | None:
        until = session.scalar(select(func.max(LoginLock.until)).where(
            LoginLock.key.in_([f"user:{name}", f"addr:{address}"]), LoginLock.until > now))
        return until

    def _fail(self, session: Session, name: str, where: Where, now: datetime) -> None:
        record(session, "login_failed", user_name=name, where=where, status=401)
        session.add(LoginFailure(at=now, user_name=name, address=where.address))
        session.flush()
        since = now - self.throttle.window
        by_name = session.scalar(select(func.count()).where(
            LoginFailure.user_name == name, LoginFailure.at > since)) or 0
        by_address = session.scalar(select(func.count()).where(
            LoginFailure.address == where.address, LoginFailure.at > since)) or 0
        until = now + self.throttle.lockout
        if by_name >= self.throttle.per_account:
            _lock(session, f"user:{name}", until)
            session.execute(delete(LoginFailure).where(LoginFailure.user_name == name))
            record(session, "lockout", user_name=name, where=where, status=429,
                   detail=f"账户 {by_name} 次登录失败，锁定至 {until:%H:%M} UTC")
        if by_address >= self.throttle.per_address:
            _lock(session, f"addr:{where.address}", until)
            session.execute(delete(LoginFailure).where(LoginFailure.address == where.address))
            record(session, "lockout", user_name=name, where=where, status=429,
                   detail=f"地址 {by_address} 次登录失败，锁定至 {until:%H:%M} UTC")
        session.execute(delete(LoginFailure).where(LoginFailure.at <= since))
        session.execute(delete(LoginLock).where(LoginLock.until <= now))


def _lock(session: Session, key: str, until: datetime) -> None:
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = module.insert(LoginLock).values(key=key[:170], until=until)
    session.execute(statement.on_conflict_do_update(
        index_elements=["key"], set_={"until": statement.excluded.until}))


def _locked(until: datetime, now: datetime) -> AccountLocked:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return AccountLocked(
        f"登录失败次数过多，账户已锁定，请 {minutes} 分钟后再试",
        f"too many failed sign-ins: locked, try again in {minutes} minutes", until)
