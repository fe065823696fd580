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
