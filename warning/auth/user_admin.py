"""What an admin does to users: create, change role and departments, disable, reset password."""

import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from warning.auth.secrets import hash_password
from warning.auth.users import UserError, add_user
from warning.db.admin_lock import take_admin_lock
from warning.db.models import ApiToken, Department, SupervisedDepartment, User
from warning.db.value_list import among
from warning.domain.lifecycle import Role


def new_password() -> str:
    """Return a random password to show once (about 96 bits)."""
    return secrets.token_urlsafe(12)


def _user(session: Session, user_id: int) -> User:
    """Return the user as committed now, after taking the admin lock (warning.db.admin_lock)."""
    take_admin_lock(session)
    user = session.get(User, user_id, populate_existing=True)
    if user is None:
        raise UserError(f"用户 {user_id} 不存在", f"no user {user_id}")
    return user


def _department_ids(session: Session, codes: list[str]) -> list[int]:
    found = dict(session.execute(select(Department.code, Department.id)
                                 .where(among(Department.code, codes))).all())
    missing = [code for code in codes if code not in found]
    if missing:
        raise UserError(f"部门 {'、'.join(missing)} 不存在", f"no department {missing}")
    return [found[code] for code in codes]


def create_user(
    session: Session, *, name: str, role: str, department_code: str | None,
    supervises: list[str], email: str = "",
) -> tuple[User, str]:
    """Add a user with a new random password; return the user and the password."""
    password = new_password()
    user = add_user(session, name=name, role=_role(role), department_code=department_code or None,
                    password=password, email=email, supervises=tuple(supervises))
    return user, password


def change_user(
    session: Session, *, user_id: int, role: str, department_code: str | None,
    supervises: list[str],
) -> User:
    """Set a user's role, department and supervised departments."""
    user = _user(session, user_id)
    new_role = _role(role)
    department_id = _department_ids(session, [department_code])[0] if department_code else None
    if new_role is Role.HANDLER and department_id is None:
        raise UserError("部门经办人必须指定部门", "a handler needs a department")
    if user.role == Role.ADMIN.value and new_role is not Role.ADMIN and not _other_admin(
            session, user.id):
        raise UserError("不能取消最后一个启用的系统管理员的角色，请先添加另一个系统管理员",
                        "the last active admin keeps the admin role")
    user.role, user.department_id = new_role.value, department_id
    session.execute(delete(SupervisedDepartment).where(SupervisedDepartment.user_id == user.id))
    for department in _department_ids(session, list(dict.fromkeys(supervises))):
        session.add(SupervisedDepartment(user_id=user.id, department_id=department))
    _revoke_tokens(session, user.id)  # a changed role takes effect at the next sign-in
    return user


def set_active(session: Session, *, user_id: int, active: bool, by: int) -> User:
    """Enable or disable a user; disabling ends their sessions and tokens."""
    user = _user(session, user_id)
    if not active and user.id == by:
        raise UserError("不能停用自己的账号", "cannot disable yourself")
    if not active and user.role == Role.ADMIN.value and not _other_admin(session, user.id):
        raise UserError("不能停用最后一个启用的系统管理员，请先添加另一个系统管理员",
                        "the last active admin stays enabled")
    user.is_active = active
    if not active:
        _revoke_tokens(session, user.id)
    return user


def reset_password(session: Session, *, user_id: int) -> tuple[User, str]:
    """Give a user a new random password, ending their sessions; return it to show once."""
    user = _user(session, user_id)
    password = new_password()
    user.password_hash = hash_password(password)
    _revoke_tokens(session, user.id, kinds=("session",))
    return user, password


def _other_admin(session: Session, user_id: int) -> bool:
    """Tell whether an active admin other than `user_id` exists."""
    return session.scalar(select(User.id).where(
        User.role == Role.ADMIN.value, User.is_active.is_(True), User.id != user_id,
    ).limit(1)) is not None


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise UserError(f"角色“{value}”不存在", f"no role {value!r}") from None


def _revoke_tokens(session: Session, user_id: int, kinds: tuple[str, ...] | None = None) -> None:
    stmt = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if kinds is not None:
        stmt = stmt.where(ApiToken.kind.in_(kinds))
    session.execute(stmt.values(revoked_at=datetime.now(UTC)))
