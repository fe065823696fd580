"""A user name is one line of visible text, from the page and from `qingfeng user add`.

The users page and the command stored a name holding a tab or a line break ("a b\\tc"):
it showed as "a b c" in the list, could not be typed at the sign-in form, and
`qingfeng user disable "a b c"` did not find it.
"""

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from warning.auth.users import UserError, add_user
from warning.cli.main import cli
from warning.db.models import User
from warning.runtime import Runtime


@pytest.mark.parametrize("name", ["a\tb", "a\nb", "a\x1bb", "a\x85b", "\u202eadmin"])
def test_a_name_with_a_control_character_is_refused(runtime: Runtime, name: str) -> None:
    with runtime.sessions() as session, pytest.raises(UserError) as caught:
        add_user(session, name=name, role="office", password="Qf-some-pass-2026")
    assert "用户名" in caught.value.message and "字符" in caught.value.message


def test_the_command_refuses_it_in_chinese(
    db_url: str, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli, ["user", "add", "a\tb", "--role", "office"])
    assert result.exit_code == 1, result.output
    assert "用户名" in result.output and "Traceback" not in result.output
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("name", ["admin ", " admin", "admin\u3000", "\u00a0admin"])
def test_a_name_beginning_or_ending_with_a_space_is_refused(
    db_url: str, runtime: Runtime, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """"admin " was stored beside "admin": a second admin no one could sign in as."""
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli, ["user", "add", name, "--role", "admin"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "用户名首尾不能有空格" in result.output and "Traceback" not in result.output
    with runtime.sessions() as session, pytest.raises(UserError):
        add_user(session, name=name, role="office", password="Qf-some-pass-2026")
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_a_department_supervised_twice_is_stored_once(
    db_url: str, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`user add --supervises CGZX --supervises CGZX` ended in an IntegrityError traceback,
    and the same pair from the users page's role form in a 500."""
    from warning.auth.user_admin import change_user
    from warning.db.models import SupervisedDepartment
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli, ["user", "add", "l2", "--role", "leader",
                                      "--supervises", "CGZX", "--supervises", "CGZX"])
    assert result.exit_code == 0, result.output
    with runtime.sessions() as session, session.begin():
        user_id = session.scalars(select(User.id).where(User.name == "l2")).one()
        change_user(session, user_id=user_id, role="leader", department_code=None,
                    supervises=["CWK", "CGZX", "CWK"])
    with runtime.sessions() as session:
        pairs = session.scalars(select(SupervisedDepartment.department_id)).all()
    assert len(pairs) == len(set(pairs)) == 2


@pytest.mark.parametrize("lookalike", ["Admin", "ADMIN", "ａｄｍｉｎ", "Ａdmin"])
def test_a_name_differing_from_a_user_only_in_case_or_width_is_refused(
    runtime: Runtime, lookalike: str,
) -> None:
    with runtime.sessions() as session:
        add_user(session, name="admin", role="admin", password="Qf-some-pass-2026")
        session.commit()
    with runtime.sessions() as session, pytest.raises(UserError) as caught:
        add_user(session, name=lookalike, role="office", password="Qf-some-pass-2026")
    assert "admin" in caught.value.message and "混淆" in caught.value.message
    with runtime.sessions() as session:  # a name that only shares letters is another user
        add_user(session, name="admin2", role="office", password="Qf-some-pass-2026")
        session.commit()
        assert set(session.scalars(select(User.name))) == {"admin", "admin2"}
