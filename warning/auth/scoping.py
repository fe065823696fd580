"""Department scoping as WHERE clauses: what a principal may see is decided in the query."""

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, false, select, true

from warning.auth.principal import Principal
from warning.db.models import Channel, Department, RiskWarning, Signal, SupervisedDepartment
from warning.domain.lifecycle import Role

S = TypeVar("S", bound=Select)  # type: ignore[type-arg]

# A confidential channel's (信访举报) text is for the office alone: reviewers see that the
# signal exists and its particulars, handlers and leaders do not see it at all.
CONFIDENTIAL_TEXT_READERS = (Role.OFFICE, Role.ADMIN)
REDACTED_TEXT = "（保密渠道内容，已隐去）"


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
    principal: Principal, column: ColumnElement[int | None]
) -> ColumnElement[bool]:
    """Return the condition on a department column that limits rows to what `principal` sees."""
    if principal.reads_all:
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


def visible_warnings(stmt: S, principal: Principal) -> S:
    """Add the WHERE clause that keeps only the warnings `principal` may see."""
    return stmt.where(department_clause(principal, RiskWarning.department_id))


def visible_signals(stmt: S, principal: Principal, signal: Any = Signal) -> S:
    """Keep the signals of `principal`'s departments; confidential channels only for readers-all.

    `signal` may be an alias of Signal, for queries that read signals twice.
    """
    stmt = stmt.where(department_clause(principal, signal.department_id))
    if not principal.reads_all:
        confidential = select(Channel.id).where(Channel.confidential.is_(True))
        stmt = stmt.where(signal.channel_id.not_in(confidential))
    return stmt


def reads_confidential_text(principal: Principal | None) -> bool:
    """Return whether `principal` may read a confidential signal's text (None: the CLI)."""
    return principal is None or principal.role in CONFIDENTIAL_TEXT_READERS


def readable_text(principal: Principal | None, *, confidential: bool, text: str) -> str:
    """Return a signal's text as `principal` may read it, redacted on a confidential channel."""
    return text if not confidential or reads_confidential_text(principal) else REDACTED_TEXT
