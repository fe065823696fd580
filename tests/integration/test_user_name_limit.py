"""A user name fits where its user's actions are recorded ("user:" + name).

The actor columns hold 100 characters; the user-name check allowed 100, so a user named
with 96 to 100 characters was added, and then every action they took failed on
PostgreSQL (value too long). One limit now serves both; a longer name is refused with a
Chinese message by every way a user is added (service, users page, command).
"""

import pytest
from click.testing import CliRunner
from sqlalchemy import String, func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_admin_pages import _client, _post
from tests.integration.test_handling_fixtures import build_world, new_warning
from warning.auth.principal import Principal
from warning.auth.users import MAX_NAME, UserError, add_user, principal_of
from warning.cli.main import cli
from warning.db.models import Base, HandlingEvent, User
from warning.domain.lifecycle import Role
from warning.handling.records import act
from warning.runtime import Runtime
from warning.web.app import create_app

ACTOR_COLUMNS = {"actor", "stored_by", "disposed_by", "reply_by"}
LONGEST = "名" * MAX_NAME


def test_every_actor_column_holds_the_longest_user_name() -> None:
    actor = Principal(user_id=1, name=LONGEST, role=Role.OFFICE).actor
    columns = [c for t in Base.metadata.tables.values() for c in t.columns
               if c.name in ACTOR_COLUMNS]
    assert len(columns) >= 8
    short = [f"{c.table.name}.{c.name}" for c in columns
             if not isinstance(c.type, String) or (c.type.length or 0) < len(actor)]
    assert not short, short


def test_a_user_with_the_longest_name_can_act(session_factory: sessionmaker[Session]) -> None:
    world = build_world(session_factory)
    wid = new_warning(session_factory, world)
    with session_factory() as session, session.begin():
        user = add_user(session, name=LONGEST, role="office")
        principal = principal_of(user)
    with session_factory() as session, session.begin():
        act(session, warning_id=wid, principal=principal, action="withdraw", version=1,
            comment="误报")
    with session_factory() as session:
        assert session.scalar(select(func.count()).where(
            HandlingEvent.actor == principal.actor)) == 1


def test_a_longer_name_is_refused_by_the_service(runtime: Runtime) -> None:
    with runtime.sessions() as session, pytest.raises(UserError) as caught:
        add_user(session, name=LONGEST + "名", role="office")
    assert caught.value.message == f"用户名须为 1 到 {MAX_NAME} 个字"


def test_a_longer_name_is_refused_by_the_users_page(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        add_user(session, name="root", role="admin", password="pw-root-123")
    client = _client(create_app(runtime), "root")
    answer = _post(client, "/admin/users", {"name": LONGEST + "名", "role": "office"})
    assert answer.status_code == 422, answer.text[:300]
    assert f"用户名须为 1 到 {MAX_NAME} 个字" in answer.text
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1


@pytest.mark.parametrize("args", [
    [LONGEST + "名", "--role", "office"],
    ["x", "--role", "office", "--email", "a@" + "b" * 300],
    ["x", "--role", "office", "--person", str(2**40)],
    ["x", "--role", "handler", "--department", "没有这个部门"],
    ["x", "--role", "leader", "--supervises", "D" * 500],
], ids=["long-name", "long-email", "person-past-int", "no-department", "long-supervised"])
def test_the_command_refuses_bad_input_in_chinese(
    db_url: str, runtime: Runtime, monkeypatch: pytest.MonkeyPatch, args: list[str],
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli, ["user", "add", *args])
    # 2: an argument refused as it is parsed (--person past the id range), before any work
    assert result.exit_code in (1, 2), (result.output, result.exception)
    assert ("Traceback" not in result.output and not isinstance(
        result.exception, Exception)) or isinstance(result.exception, SystemExit), result.output
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.output), result.output
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(User).where(
            User.name == args[0])) == 0


