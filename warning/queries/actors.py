"""Who did it, in words: "王某某（采购中心）" for `user:wangmm`, "系统" for `system:…`.

Events keep the actor as written when they happened (the hash chain covers it); pages,
print views and documents show it through these names.
"""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.numbering import ShownEvent
from warning.db.models import Department, Person, User
from warning.db.value_list import among
from warning.domain.lifecycle import Role

SYSTEM = {"system:intake": "系统（信号研判）", "system:overdue": "系统（逾期督办）",
          "system:review": "系统（季度存档）"}
OWN_LABEL = {Role.OFFICE.value: "防控办", Role.REVIEWER.value: "纪委监督检查",
             Role.ADMIN.value: "系统管理员", Role.LEADER.value: "分管领导"}


def actor_names(session: Session, actors: Iterable[str], *,
                handler_department: str | None = None) -> dict[str, str]:
    """Return a display name for each actor string (unknown ones as they are).

    `handler_department` names the department whose record the actors acted on: a handler
    could act only for it, so they are named with it, not with a department they have been
    moved to since.
    """
    wanted = set(actors)
    names: dict[str, str] = {a: SYSTEM.get(a, "系统") for a in wanted if a.startswith("system:")}
    users = {a.split(":", 1)[1] for a in wanted if a.startswith("user:")}
    if users:
        rows = session.execute(
            select(User.name, User.role, Person.name, Department.name)
            .outerjoin(Person, Person.id == User.person_id)
            .outerjoin(Department, Department.id == User.department_id)
            .where(among(User.name, users))
        )
        for login, role, person, department in rows:
            department = handler_department or department
            where = department if role == Role.HANDLER.value and department else (
                OWN_LABEL.get(role, department or ""))
            names[f"user:{login}"] = f"{person or login}（{where}）" if where else person or login
    return {a: names.get(a, a) for a in wanted}


def trail_names(session: Session, events: Iterable[ShownEvent],
                department: Department | None) -> dict[str, str]:
    """Name the actors of one handling record's events, handlers as of its department."""
    return actor_names(session, (e.actor for e in events),
                       handler_department=department.name if department else None)
