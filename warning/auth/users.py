"""Create users, sign them in and turn a presented token into a principal."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.secrets import hash_password, new_token, token_digest, verify_password
from warning.db.models import ApiToken, Department, Person, SupervisedDepartment, User
from warning.domain.lifecycle import DomainError, Role

SESSION_LIFETIME = timedelta(hours=12)


class UserError(DomainError):
    code = "invalid_user"


class AuthenticationFailed(DomainError):
    code = "authentication_failed"


def add_user(
    session: Session, *, name: str, role: Role | str, department_code: str | None = None,
    password: str | None = None, email: str = "", person_id: int | None = None,
    supervises: tuple[str, ...] = (),
) -> User:
    """Add a user; a handler needs a department."""
    role = Role(role)
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise UserError(f"用户 {name} 已存在", f"user {name!r} exists")
    department_id = _department_id(session, department_code) if department_code else None
    if role is Role.HANDLER and department_id is None:
        raise UserError("部门经办人必须指定部门", "a handler needs --department")
    if person_id is not None and session.get(Person, person_id) is None:
        raise UserError(f"人员 {person_id} 不存在", f"no person {person_id}")
    user = User(
        name=name, role=role.value, department_id=department_id, person_id=person_id,
        email=email, password_hash=hash_password(password) if password else "",
    )
    session.add(user)
    session.flush()
    for code in supervises:
        department = _department_id(session, code)
        session.add(SupervisedDepartment(user_id=user.id, department_id=department))
    return user


def _department_id(session: Session, code: str) -> int:
    found = session.scalar(select(Department.id).where(Department.code == code))
    if found is None:
        raise UserError(f"部门 {code} 不存在", f"no department {code!r}")
    return found


def issue_token(
    session: Session, *, user: User, kind: str = "api", label: str = "",
    now: datetime | None = None,
) -> str:
    """Create a token for `user` and return it; only its hash is kept."""
    token = new_token()
    now = now or datetime.now(UTC)
    expires = now + SESSION_LIFETIME if kind == "session" else None
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), kind=kind,
                         label=label, created_at=now, expires_at=expires))
    return token


def sign_in(session: Session, *, name: str, password: str) -> str:
    """Check a password and return a new session token."""
    user = session.scalar(select(User).where(User.name == name, User.is_active))
    if user is None or not verify_password(user.password_hash, password):
        raise AuthenticationFailed("用户名或密码错误", "wrong user name or password")
    return issue_token(session, user=user, kind="session")


def principal_for_token(
    session: Session, token: str, now: datetime | None = None
) -> Principal | None:
    """Return the principal a token belongs to, or None if it is unknown, revoked or expired."""
    now = now or datetime.now(UTC)
    row = session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None),
               User.is_active)
    ).first()
    if row is None:
        return None
    user, stored = row
    if stored.expires_at is not None and stored.expires_at <= now:
        return None
    return principal_of(user)


def principal_of(user: User) -> Principal:
    """Return the principal for a user row."""
    return Principal(user_id=user.id, name=user.name, role=Role(user.role),
                     department_id=user.department_id, person_id=user.person_id)
