"""Which departments a principal reads: the clause every other finder limits by."""

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, false, select, true

from warning.auth.principal import Principal
from warning.db.models import Department, SupervisedDepartment
from warning.domain.lifecycle import Role

S = TypeVar("S", bound=Select)  # type: ignore[type-arg]


def supervised_department_ids(principal: Principal) -> Select[tuple[int]]:
    """Return a subquery of the departments a leader supervises."""
    by_leader = select(Department.id).where(
        Department.leader_id == principal.person_id
        if principal.person_id is not None else false()
    )
    listed = select(SupervisedDepartment.department_id).where(
        SupervisedDepartment.user_id == principal.user_id
    )
    return by_leader.union(listed)  # type: ignore[return-value]


def department_clause(
    principal: Principal | None, column: ColumnElement[int | None]
) -> ColumnElement[bool]:
    """Return the condition on a department column that limits rows to what `principal` sees."""
    if principal is None or principal.reads_all:
        return true()
    if principal.role is Role.HANDLER:
        if principal.department_id is None:
            return false()
        return column == principal.department_id
    if principal.role is Role.LEADER:
        return column.in_(supervised_department_ids(principal))
    return false()


def scope_template(role: Role) -> Principal:
    """Return a principal of `role` whose ids are bind parameters.

    A statement scoped for it can be built once per role and reused, the ids bound at each
    execution with `scope_parameters`: a None id binds NULL, which matches no row, as the
    clause built for the real principal would.
    """
    ids: Any = (bindparam("scope_user"), bindparam("scope_department"),
                bindparam("scope_person"))
    return Principal(user_id=ids[0], name="", role=role, department_id=ids[1],
                     person_id=ids[2])


def scope_parameters(principal: Principal) -> dict[str, int | None]:
    """Return the values a statement scoped by `scope_template` binds for `principal`."""
    return {"scope_user": principal.user_id, "scope_department": principal.department_id,
            "scope_person": principal.person_id}


def visible_departments(stmt: S, principal: Principal | None) -> S:
    """Keep the departments `principal` may see (filters, dashboard rows)."""
    return stmt.where(department_clause(principal, Department.id))
