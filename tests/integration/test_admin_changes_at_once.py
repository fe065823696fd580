"""Two admin changes at once: each reads what the other committed, none is doubled or lost.

Every change an admin makes to the organisation or to accounts checks before it writes
(a post of that name? the user name taken? another active admin left?). Sent twice at once
(a double click over `serve --workers 2`, two admins, two instances) both checks passed:
two identical posts or people, a 500 from the unique constraint on a department code or a
user name, and two admins disabling each other left no admin. Each case holds the first
change's transaction open while the second runs, as the race does at its worst.
"""

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warning.auth.user_admin import change_user, create_user, set_active
from warning.auth.users import UserError, add_user
from warning.db.models import Department, Person, Post, Unit, User
from warning.org.service import import_org_rows
from warning.register.rows import RawRow
from warning.runtime import Runtime

Change = Callable[[Session], object]


def _at_once(runtime: Runtime, first: Change, second: Change) -> BaseException | None:
    """Run `first` up to its commit, `second` meanwhile, then commit both; return the
    second's error, if any."""
    outcome: dict[str, BaseException] = {}

    def run_second() -> None:
        with runtime.sessions() as session:
            try:
                second(session)
                session.commit()
            except Exception as error:  # the outcome is what the test checks
                session.rollback()
                outcome["error"] = error

    with runtime.sessions() as session:
        first(session)
        session.flush()
        racer = threading.Thread(target=run_second)
        racer.start()
        racer.join(1.5)  # the second change runs now, or waits for the first
        session.commit()
    racer.join(60)
    assert not racer.is_alive()
    return outcome.get("error")


def _org_row(**cells: str) -> Change:
    return lambda session: import_org_rows(session, [RawRow(0, cells)])


def _count(runtime: Runtime, model: type, **where: str) -> int:
    with runtime.sessions() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int(session.scalar(query) or 0)


@pytest.mark.parametrize("cells,model,where", [
    ({"department_code": "CGZX", "post": "并发岗位"}, Post, {"name": "并发岗位"}),
    ({"department_code": "CGZX", "person": "并发人员"}, Person, {"name": "并发人员"}),
    ({"department_code": "BFBM", "department": "并发部门"}, Department, {"code": "BFBM"}),
], ids=["post", "person", "department"])
def test_the_same_org_row_twice_at_once_is_stored_once(
    runtime: Runtime, cells: dict[str, str], model: type, where: dict[str, str]
) -> None:
    with runtime.sessions() as session:
        unit = session.scalars(select(Unit)).first()
        assert unit is not None
        if model is Department:
            cells = cells | {"unit_code": unit.code, "unit": unit.name}
    error = _at_once(runtime, _org_row(**cells), _org_row(**cells))
    assert error is None, repr(error)
    assert _count(runtime, model, **where) == 1


def test_the_same_new_user_twice_at_once_is_added_once_and_refused_once(
    runtime: Runtime
) -> None:
    def add(session: Session) -> object:
        return create_user(session, name="并发用户", role="reviewer", department_code=None,
                           supervises=[])

    error = _at_once(runtime, add, add)
    assert isinstance(error, UserError) and "已存在" in error.message, repr(error)
    assert _count(runtime, User, name="并发用户") == 1


def _two_admins(runtime: Runtime) -> tuple[int, int]:
    with runtime.sessions() as session, session.begin():
        first = add_user(session, name="admin1", role="admin", password="pw-admin-12345")
        second = add_user(session, name="admin2", role="admin", password="pw-admin-12345")
        session.flush()
        return first.id, second.id


def _active_admins(runtime: Runtime) -> int:
    return _count(runtime, User, role="admin", is_active=True)  # type: ignore[arg-type]


def test_two_admins_disabling_each_other_at_once_leave_one(runtime: Runtime) -> None:
    one, two = _two_admins(runtime)
    error = _at_once(runtime, lambda s: set_active(s, user_id=two, active=False, by=one),
                     lambda s: set_active(s, user_id=one, active=False, by=two))
    assert isinstance(error, UserError), repr(error)
    assert _active_admins(runtime) == 1


def test_two_admins_giving_up_the_role_at_once_leave_one(runtime: Runtime) -> None:
    one, two = _two_admins(runtime)

    def demote(user_id: int) -> Change:
        return lambda s: change_user(s, user_id=user_id, role="office", department_code=None,
                                     supervises=[])

    error = _at_once(runtime, demote(one), demote(two))
    assert isinstance(error, UserError), repr(error)
    assert _active_admins(runtime) == 1
