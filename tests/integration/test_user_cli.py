"""`qingfeng user list|tokens|disable|enable|passwd|revoke-tokens`, with a real server
answering the affected users' sessions and tokens."""

import time

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.integration.live_server import serve, sign_in
from warning.auth.users import add_user, issue_token
from warning.cli.user_cmd import user_group
from warning.db.models import SecurityEvent, User
from warning.runtime import Runtime

PASSWORD = "Caiwu-pass-2026"


@pytest.fixture
def cli(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner on the test database, with user cwk (handler of CWK) and an API token."""
    monkeypatch.setenv("QINGFENG_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("QINGFENG_RULES_DIR", str(runtime.settings.rules_dir))
    with runtime.sessions() as session, session.begin():
        add_user(session, name="cwk", role="handler", department_code="CWK", password=PASSWORD)
    return CliRunner()


def _hash(runtime: Runtime) -> str:
    with runtime.sessions() as session:
        return session.scalar(select(User.password_hash).where(User.name == "cwk")) or ""


@pytest.mark.parametrize(("password", "says"), [
    ("short-1", "至少需要 10 个字符"), ("cwk", "至少需要 10 个字符"),
    ("1234567890", "过于常见"), ("Password123", "过于常见"), ("qwertyuiop", "过于常见"),
])
def test_a_weak_password_is_refused_and_nothing_changes(
    runtime: Runtime, cli: CliRunner, password: str, says: str
) -> None:
    before = _hash(runtime)
    answer = cli.invoke(user_group, ["passwd", "cwk"], input=f"{password}\n{password}\n")
    assert answer.exit_code == 1 and says in answer.output, answer.output
    added = cli.invoke(user_group, ["add", "new", "--role", "office", "--password"],
                       input=f"{password}\n{password}\n")
    assert added.exit_code == 1 and says in added.output
    assert _hash(runtime) == before
    with runtime.sessions() as session:
        assert session.scalar(select(User.id).where(User.name == "new")) is None


def test_add_refuses_a_wrong_department_before_asking_for_the_password(
    runtime: Runtime, cli: CliRunner
) -> None:
    for args, says in ((["x1", "--role", "handler", "--department", "NOPE"], "部门 NOPE 不存在"),
                       (["cwk", "--role", "office"], "用户 cwk 已存在"),
                       (["x1", "--role", "office", "--email", "fengtao"],
                        "邮箱“fengtao”格式不正确")):
        answer = cli.invoke(user_group, ["add", *args, "--password"], input="")
        assert answer.exit_code == 1 and says in answer.output, answer.output
        assert "密码" not in answer.output.replace(says, "")  # not asked at all
    added = cli.invoke(user_group, ["add", "x2", "--role", "handler", "--department", "CWK",
                                    "--email", "x2@example.cn", "--password"],
                       input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0 and "再次输入密码" in added.output, added.output
    with runtime.sessions() as session:
        user = session.scalars(select(User).where(User.name == "x2")).one()
        assert user.email == "x2@example.cn" and user.password_hash


def test_passwd_refuses_an_unknown_user_before_asking_for_the_password(
    runtime: Runtime, cli: CliRunner
) -> None:
    answer = cli.invoke(user_group, ["passwd", "nobody"], input="")
    assert answer.exit_code == 1 and "用户 nobody 不存在" in answer.output, answer.output
    assert "新密码" not in answer.output  # not asked at all


def test_an_address_with_a_line_break_is_not_an_email(runtime: Runtime) -> None:
    """The check's `$` also matched before a final newline: 'x3@example.cn\\n' was stored,
    and every notice to it failed when the mail's To header refused the line break."""
    from warning.auth.users import UserError

    with runtime.sessions() as session, pytest.raises(UserError) as refused:
        add_user(session, name="x3", role="office", email="x3@example.cn\n")
    assert "格式不正确" in refused.value.message


def test_the_user_name_is_not_a_password(runtime: Runtime, cli: CliRunner) -> None:
    with runtime.sessions() as session, session.begin():
        add_user(session, name="zhangsan2026", role="office")
    answer = cli.invoke(user_group, ["passwd", "zhangsan2026"],
                        input="ZhangSan2026\nZhangSan2026\n")
    assert answer.exit_code == 1 and "不能与用户名相同" in answer.output


def test_disable_enable_passwd_and_revoke_tokens_take_effect_on_a_running_server(
    runtime: Runtime, cli: CliRunner
) -> None:
    with runtime.sessions() as session, session.begin():
        user = session.scalar(select(User).where(User.name == "cwk"))
        assert user is not None
        api = issue_token(session, user=user, label="robot")
    bearer = {"Authorization": f"Bearer {api}"}
    with serve(runtime, workers=2, token_cache_seconds="1") as base, httpx.Client(
        base_url=base) as browser:
        assert sign_in(browser, "cwk", PASSWORD).status_code == 303
        listed = cli.invoke(user_group, ["list"])
        assert "cwk" in listed.output and "启用" in listed.output
        assert cli.invoke(user_group, ["tokens", "cwk"]).output.count("live") == 2
        assert cli.invoke(user_group, ["passwd", "cwk"],
                          input="New-pass-for-cwk\nNew-pass-for-cwk\n").exit_code == 0
        assert browser.get("/").status_code == 401  # the session ended with the password
        assert httpx.get(f"{base}/api/inbox", headers=bearer).status_code == 200
        assert sign_in(browser, "cwk", "New-pass-for-cwk").status_code == 303
        assert cli.invoke(user_group, ["disable", "cwk"]).exit_code == 0
        assert browser.get("/").status_code == 401
        assert sign_in(browser, "cwk", "New-pass-for-cwk").status_code == 403
        time.sleep(1.2)  # the token cache's bound, QINGFENG_TOKEN_CACHE_SECONDS
        refused = httpx.get(f"{base}/api/inbox", headers=bearer)
        assert refused.status_code == 401
        assert cli.invoke(user_group, ["enable", "cwk"]).exit_code == 0
        assert "停用" not in cli.invoke(user_group, ["list"]).output
        assert httpx.get(f"{base}/api/inbox", headers=bearer).status_code == 401
        assert sign_in(browser, "cwk", "New-pass-for-cwk").status_code == 303
        assert cli.invoke(user_group, ["revoke-tokens", "cwk", "--kind", "session"]
                          ).exit_code == 0
        assert browser.get("/").status_code == 401
    assert cli.invoke(user_group, ["revoke-tokens", "cwk", "--id", "99999"]).exit_code == 1
    assert cli.invoke(user_group, ["disable", "nobody"]).exit_code == 1
    with runtime.sessions() as session:
        kinds = set(session.scalars(select(SecurityEvent.kind)))
    assert {"password_changed", "user_disabled", "user_enabled", "token_revoked"} <= kinds
