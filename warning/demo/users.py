"""Demo users: one per role, with passwords printed once."""

import secrets
from collections.abc import Iterator

from sqlalchemy import select

from warning.auth.users import add_user
from warning.db.models import Department
from warning.domain.lifecycle import Role
from warning.runtime import Runtime

# (name, role, department code) — the handler and the leader work for 采购中心.
DEMO_USERS = (
    ("admin", Role.ADMIN, None),
    ("jjjcs", Role.OFFICE, "JJJCS"),
    ("cgzx", Role.HANDLER, "CGZX"),
    ("leader", Role.LEADER, None),
    ("reviewer", Role.REVIEWER, None),
)


def seed_users(runtime: Runtime) -> Iterator[str]:
    """Create the demo users and yield a line per user with its password."""
    with runtime.sessions() as session, session.begin():
        leader_person = session.scalar(
            select(Department.leader_id).where(Department.code == "CGZX")
        )
        for name, role, department in DEMO_USERS:
            password = secrets.token_urlsafe(9)
            add_user(
                session,
                name=name,
                role=role,
                department_code=department,
                password=password,
                person_id=leader_person if role is Role.LEADER else None,
            )
            yield f"演示用户 {name:9s} 角色 {role.label:8s} 密码 {password}  (只显示这一次)"
