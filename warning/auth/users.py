"""Create, list, disable and enable users and set their passwords."""

import re
import unicodedata
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.password_policy import check_password
from warning.auth.secrets import hash_password
from warning.auth.tokens import (
    SESSION_LIFETIME,
    issue_token,
    principal_for_token,
    principal_of,
    revoke_tokens,
)
from warning.db.admin_lock import take_admin_lock
from warning.db.models import Department, Person, SupervisedDepartment, User
from warning.domain.actors import MAX_USER_NAME
from warning.domain.input_text import MAX_ID
from warning.domain.lifecycle import DomainError, Role

__all__ = [
    "SESSION_LIFETIME", "AuthenticationFailed", "UserError", "add_user", "find_user",
    "issue_token", "principal_for_token", "principal_of", "set_active", "set_password",
]


class UserError(DomainError):
    code = "invalid_user"


class AuthenticationFailed(DomainError):
    code = "authentication_failed"


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")  # as the organisation file checks it
# users.name and users.email: checked here, for every way in (admin page, command), as
# PostgreSQL refuses a longer value where SQLite stored it. A name is also recorded as the
# actor of each action ("user:" + name, warning.domain.actors), so it is shorter than
# users.name holds.
MAX_NAME, MAX_EMAIL = MAX_USER_NAME, 200
# control, format (bidi overrides, zero-width), surrogate, line and paragraph separators:
# a name holding one cannot be typed at the sign-in form nor found by the commands
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def add_user(
    session: Session, *, name: str, role: Role | str, department_code: str | None = None,
    password: str | None = None, email: str = "", person_id: int | None = None,
    supervises: tuple[str, ...] = (),
) -> User:
    """Add a user; a handler needs a department, a password must satisfy the policy."""
    role = Role(role)
    if not name or len(name) > MAX_NAME:
        raise UserError(f"用户名须为 1 到 {MAX_NAME} 个字",
                        f"user name of 1 to {MAX_NAME} characters")
    if len(email) > MAX_EMAIL:
        raise UserError(f"邮箱不能超过 {MAX_EMAIL} 个字符", f"e-mail longer than {MAX_EMAIL}")
    if name != name.strip():  # "admin " was a second admin no one could sign in as
        raise UserError("用户名首尾不能有空格 (含全角空格)",
                        f"user name {name!r} begins or ends with white space")
    if any(unicodedata.category(char) in _INVISIBLE for char in name):
        raise UserError("用户名不能含控制字符或不可见字符 (如换行、制表符、文字方向控制符)",
                        f"control character in user name {name!r}")
    if email and not _EMAIL.fullmatch(email):  # notices to it would fail only when one is sent
        raise UserError(f"邮箱“{email}”格式不正确", f"not an e-mail address: {email!r}")
    if password:
        check_password(password, user_name=name)
    # hashed before the lock: it takes ~0.1 s, and on SQLite the lock holds every writer
    password_hash = hash_password(password) if password else ""
    take_admin_lock(session)  # so the name check below sees a user added meanwhile
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise UserError(f"用户 {name} 已存在", f"user {name!r} exists")
    lookalike = _lookalike(session, name)
    if lookalike is not None:  # "Admin" or a full-width "ａｄｍｉｎ" beside "admin"
        raise UserError(f"用户名“{name}”与已有用户“{lookalike}”只差大小写或全角/半角，易被混淆",
                        f"user name {name!r} differs from {lookalike!r} only in case or width")
    department_id = _department_id(session, department_code) if department_code else None
    if role is Role.HANDLER and department_id is None:
        raise UserError("部门经办人必须指定部门", "a handler needs --department")
    if person_id is not None and (not 1 <= person_id <= MAX_ID
                                  or session.get(Person, person_id) is None):
        raise UserError(f"人员 {person_id} 不存在", f"no person {person_id}")
    user = User(
        name=name, role=role.value, department_id=department_id, person_id=person_id,
        email=email, password_hash=password_hash,
    )
    session.add(user)
    session.flush()
    for code in dict.fromkeys(supervises):  # a code given twice is one pair, not two
        department = _department_id(session, code)
        session.add(SupervisedDepartment(user_id=user.id, department_id=department))
    return user


def find_user(session: Session, name: str) -> User:
    """Return the user called `name`, or raise UserError."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise UserError(f"用户 {name} 不存在", f"no user {name!r}")
    return user


def set_password(session: Session, *, name: str, password: str) -> User:
    """Set a user's password (policy checked) and end their sessions."""
    user = find_user(session, name)
    check_password(password, user_name=name)
    user.password_hash = hash_password(password)
    revoke_tokens(session, user_id=user.id, kind="session")
    return user


def set_active(session: Session, *, name: str, active: bool) -> User:
    """Enable or disable a user; disabling revokes every token and session they hold."""
    user = find_user(session, name)
    user.is_active = active
    if not active:
        revoke_tokens(session, user_id=user.id, now=datetime.now(UTC))
    return user


def _department_id(session: Session, code: str) -> int:
    found = session.scalar(select(Department.id).where(Department.code == code))
    if found is None:
        raise UserError(f"部门 {code} 不存在", f"no department {code!r}")
    return found


def _fold(name: str) -> str:
    """Return the form two names look alike in: full-width and compatibility forms folded
    (NFKC), case folded."""
    return unicodedata.normalize("NFKC", name).casefold()


def _lookalike(session: Session, name: str) -> str | None:
    """Return an existing user's name that `name` only differs from in case or width."""
    folded = _fold(name)
    return next((other for other in session.scalars(select(User.name))
                 if _fold(other) == folded), None)
