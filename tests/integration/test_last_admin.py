"""The users page cannot leave the service without an active admin.

Disabling yourself was already refused, but the role form let the only admin make
themselves 防控办: the change revoked their session at once and nobody could open the
admin pages again (only the command line could add an admin). The last active admin's
role now stays admin until another admin exists.
"""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from warning.auth.user_admin import change_user
from warning.auth.users import UserError, add_user
from warning.db.models import User
from warning.runtime import Runtime
from warning.web.app import create_app
from warning.web.pages.csrf import COOKIE


def _admin_client(runtime: Runtime) -> TestClient:
    client = TestClient(create_app(runtime), follow_redirects=False)
    client.get("/login")
    answer = client.post("/login", data={"name": "root", "password": "pw-root-123", "next": "/",
                                         "csrf_token": client.cookies[COOKIE]})
    assert answer.status_code == 303, answer.text
    return client


def _id(runtime: Runtime, name: str) -> int:
    with runtime.sessions() as session:
        return session.scalars(select(User.id).where(User.name == name)).one()


def _role(runtime: Runtime, name: str) -> str:
    with runtime.sessions() as session:
        return session.scalars(select(User.role).where(User.name == name)).one()


def test_the_only_admin_cannot_take_their_own_admin_role_away(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        add_user(session, name="root", role="admin", password="pw-root-123")
    client = _admin_client(runtime)
    client.get("/admin/users")
    answer = client.post("/admin/users/change", data={
        "csrf_token": client.cookies.get(COOKIE, ""), "user_id": str(_id(runtime, "root")),
        "role": "office", "department": ""})
    assert answer.status_code == 422
    assert "最后一个" in answer.text and "系统管理员" in answer.text
    assert _role(runtime, "root") == "admin"
    assert client.get("/admin/users").status_code == 200  # still signed in


@pytest.mark.parametrize("other_active", [True, False])
def test_an_admin_may_change_role_only_while_another_active_admin_remains(
    runtime: Runtime, other_active: bool
) -> None:
    with runtime.sessions() as session, session.begin():
        add_user(session, name="root", role="admin", password="pw-root-123")
        other = add_user(session, name="root2", role="admin", password="pw-root2-123")
        other.is_active = other_active
    with runtime.sessions() as session, session.begin():
        if other_active:
            change_user(session, user_id=_id(runtime, "root"), role="reviewer",
                        department_code=None, supervises=[])
        else:
            with pytest.raises(UserError):
                change_user(session, user_id=_id(runtime, "root"), role="reviewer",
                            department_code=None, supervises=[])
    assert _role(runtime, "root") == ("reviewer" if other_active else "admin")
